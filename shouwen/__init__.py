"""Shouwen (首问): first-contact accountability for property-management customer-service centres."""

__version__ = "0.1.0"
