"""Template filters: masking of personal data."""

from __future__ import annotations

from django import template

from shouwen.access.masking import mask_id_number, mask_phone

register = template.Library()


@register.filter
def masked_phone(number: str) -> str:
    """Show a phone number masked (138****5678)."""
    return mask_phone(number or "")


@register.filter
def masked_id(number: str) -> str:
    """Show an ID number masked."""
    return mask_id_number(number or "")
