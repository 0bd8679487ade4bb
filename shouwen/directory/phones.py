"""Phone-number normalisation and validation for mainland China numbers."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_STRIP = re.compile(r"[\s\-()（）+]")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Landline with area code (010…, 0755…) and an optional extension, or a bare 7–8 digit local number.
LANDLINE = re.compile(r"^(0\d{2,3})?\d{7,8}(\d{1,5})?$")


def normalize_phone(raw: str) -> str:
    """Return the number without spaces, dashes, brackets or a leading +86 / 86.

    Full-width digits typed with a Chinese input method (１３８…) become ASCII digits.
    """
    number = _STRIP.sub("", unicodedata.normalize("NFKC", raw or ""))
    if number.startswith("86") and len(number) == 13:
        number = number[2:]
    return number


def validate_phone(raw: str) -> str:
    """Return the normalised number or raise ValidationError with a message for the user."""
    number = normalize_phone(raw)
    if not number.isdigit() or not (
        MOBILE.match(number) or (LANDLINE.match(number) and not number.startswith("1"))
    ):
        raise ValidationError(
            _("电话号码“%(number)s”格式不正确：手机号应为以 1 开头的 11 位数字，座机为区号加 7–8 位号码"),
            params={"number": raw},
            code="invalid_phone",
        )
    return number


def split_phones(raw: str) -> list[str]:
    """Split a cell holding several numbers (separated by / , ; 、 or spaces) into raw items."""
    return [p for p in re.split(r"[/,，;；、\s]+", raw or "") if p]
