"""Photos and PDFs attached to a case, their type told from their content."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from shouwen.cases import transitions
from shouwen.cases.lib import Kind
from shouwen.cases.lib import lock_case as _lock
from shouwen.cases.lib import record_event as _event
from shouwen.cases.lib import save_case as _save
from shouwen.cases.models import (
    Attachment,
    Case,
)
from shouwen.directory.models import Staff

# What a file really is, told by its first bytes; the name and the browser's content type are not trusted.
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"})


def sniff_attachment_type(head: bytes) -> tuple[str, str] | None:
    """Return (content type, file suffix) of an allowed photo or PDF from its first bytes, else None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", ".jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", ".png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", ".webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif", ".gif"
    if head.startswith(b"%PDF-"):
        return "application/pdf", ".pdf"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIC_BRANDS:  # photos from iPhones
        return "image/heic", ".heic"
    return None


def _original_name(name: str) -> str:
    # Some browsers send a full path (C:\fakepath\...); keep the last part only.
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base[:200] or _("附件")


def check_upload(upload: UploadedFile) -> tuple[str, str, str, int]:
    """Check an upload's size and real type; return (content type, suffix, original name, size).

    Every attachment of a case goes through this check, the residents' photos from the portal too.
    """
    max_mb = settings.SHOUWEN_ATTACHMENT_MAX_MB
    size = upload.size or 0
    if size > max_mb * 1024 * 1024:
        raise ValidationError(_("文件不能超过 %(mb)s MB") % {"mb": max_mb})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    sniffed = sniff_attachment_type(head)
    if sniffed is None:
        raise ValidationError(_("只能上传图片（JPG、PNG、WebP、GIF）或 PDF 文件"))
    content_type, suffix = sniffed
    return content_type, suffix, _original_name(upload.name or ""), size


@transaction.atomic
def add_attachment(staff: Staff, case: Case, *, upload: UploadedFile) -> Attachment:
    """Attach a photo or PDF to the case after checking its real type and its size."""
    case = _lock(case)
    transitions.check("attach", staff, case)
    content_type, suffix, name, size = check_upload(upload)
    attachment = Attachment(
        case=case, original_name=name, content_type=content_type, size=size, uploaded_by=staff
    )
    # The stored name takes the suffix of the real type, whatever the upload was called.
    attachment.file.save(f"upload{suffix}", upload, save=False)
    attachment.save()
    _event(case, staff, Kind.ATTACHMENT, name, attachment=attachment.pk, content_type=content_type, size=size)
    _save(case)
    return attachment
