"""Storing documents: job outputs, and uploads checked for size and type first."""

import hashlib
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from pilot_portal.documents.models import Document
from pilot_portal.errors import InvalidInput

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Extension -> (content type, how the file's first bytes must start). A file whose content
# does not match its extension (an .exe renamed .pdf) is refused.
UPLOAD_TYPES = {
    ".pdf": ("application/pdf", b"%PDF-"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    ".xlsx": (XLSX, b"PK\x03\x04"),
    ".docx": (DOCX, b"PK\x03\x04"),
}
EVIDENCE = (".pdf", ".jpg", ".jpeg", ".png", ".docx", ".xlsx")


def _human_size(nbytes: int) -> str:
    if nbytes < 1024 * 1024:
        return f"{nbytes / 1024:.1f} KB"
    return f"{nbytes / 1024 / 1024:.1f} MB"


@transaction.atomic
def document_create(
    *, city, name: str, content: bytes, content_type: str, actor, purpose: str = ""
) -> Document:
    """Store `content` for `city` and record it; the file is reachable only through the policy."""
    document = Document(
        city=city,
        name=name,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        purpose=purpose,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    document.file.save(name, ContentFile(content), save=False)
    document.save()
    return document


def document_upload(
    *, city, upload, actor, purpose: str, accept: tuple[str, ...] = EVIDENCE
) -> Document:
    """Store an uploaded file after checking its size, extension and content."""
    if upload.size > settings.MAX_UPLOAD_SIZE:
        size, limit = _human_size(upload.size), _human_size(settings.MAX_UPLOAD_SIZE)
        raise InvalidInput(
            f"文件过大：{size}，上限 {limit} / file too large: {size}, at most {limit}",
            field="file",
        )
    extension = Path(upload.name).suffix.lower()
    if extension not in accept:
        allowed = "、".join(accept)
        raise InvalidInput(
            f"不支持的文件类型 {extension or '（无扩展名）'}，可上传 {allowed} / "
            f"file type {extension or '(none)'} not accepted; accepted: {', '.join(accept)}",
            field="file",
        )
    content_type, magic = UPLOAD_TYPES[extension]
    content = upload.read()
    if not content.startswith(magic):
        raise InvalidInput(
            f"文件内容与扩展名 {extension} 不符 / the file's content is not a real {extension}",
            field="file",
        )
    return document_create(
        city=city,
        name=Path(upload.name).name,
        content=content,
        content_type=content_type,
        actor=actor,
        purpose=purpose,
    )
