import hashlib

from django.core.files.base import ContentFile
from django.db import transaction

from pilot_portal.documents.models import Document


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
