"""Masking of personal data (phone and ID numbers) for display."""

from __future__ import annotations


def mask_phone(number: str) -> str:
    """Return 138****5678 for a mobile number; keep area code and last 4 digits of a landline."""
    if not number:
        return ""
    if len(number) == 11 and number.startswith("1"):
        return f"{number[:3]}****{number[-4:]}"
    if len(number) <= 4:
        return "*" * len(number)
    head = number[:4] if number.startswith("0") and len(number) > 8 else ""
    return f"{head}{'*' * (len(number) - len(head) - 4)}{number[-4:]}"


def mask_id_number(number: str) -> str:
    """Return an ID number with all but the first 3 and last 4 characters hidden."""
    if not number:
        return ""
    if len(number) <= 7:
        return "*" * len(number)
    return f"{number[:3]}{'*' * (len(number) - 7)}{number[-4:]}"


def mask_email(address: str) -> str:
    """Return zh***@example.com: the first two characters of the name, the domain whole."""
    if not address or "@" not in address:
        return mask_id_number(address)
    name, domain = address.rsplit("@", 1)
    return f"{name[:2]}***@{domain}"
