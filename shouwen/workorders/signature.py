"""The resident's signature drawn on the phone: a PNG data URL, checked before it is kept."""

from __future__ import annotations

import base64
import binascii
import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PNG_PREFIX = "data:image/png;base64,"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# A signature drawn on a phone screen is a few tens of kilobytes; anything far bigger is not one.
MAX_BYTES = 1024 * 1024
MAX_SIDE = 4000
MIN_SIDE = 20


def decode_signature(data_url: str) -> bytes:
    """Return the PNG bytes of a signature data URL, or raise ValidationError saying what is wrong."""
    from PIL import Image, UnidentifiedImageError

    text = (data_url or "").strip()
    if not text:
        raise ValidationError(_("没有收到签名，请住户在签字框内签名。"))
    if not text.startswith(PNG_PREFIX):
        raise ValidationError(_("签名数据无效：应为 PNG 图片。"))
    encoded = text[len(PNG_PREFIX) :]
    if len(encoded) > MAX_BYTES * 4 // 3 + 4:
        raise ValidationError(_("签名图片过大。"))
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationError(_("签名数据无效：编码错误。")) from exc
    if not raw.startswith(PNG_MAGIC):
        raise ValidationError(_("签名数据无效：应为 PNG 图片。"))
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            width, height = probe.size
            probe.verify()  # checks the chunks' checksums without decoding the pixels
        if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
            raise ValidationError(_("签名图片尺寸不正确。"))
        with Image.open(io.BytesIO(raw)) as image:
            image.load()
            ink = _has_ink(image)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(_("签名数据无效：PNG 图片已损坏。")) from exc
    if not ink:
        raise ValidationError(_("签名为空，请住户在签字框内签名。"))
    return raw


def _has_ink(image: object) -> bool:
    """Return whether anything darker than the paper was drawn (on white, transparency counts as white)."""
    from PIL import Image

    assert isinstance(image, Image.Image)
    rgba = image.convert("RGBA")
    paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    grey = Image.alpha_composite(paper, rgba).convert("L")
    return grey.point(lambda v: 255 if v < 200 else 0).getbbox() is not None
