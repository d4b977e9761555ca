from django.http import Http404

from pilot_portal.documents.access import may_read
from pilot_portal.documents.models import Document
from pilot_portal.tenancy import policy


def get_document_for(user, city, document_id) -> Document:
    """The city's document if this user may download it; 404 for missing and forbidden alike."""
    document = Document.objects.for_city(city).filter(pk=document_id).first()
    if document is None or not (
        policy.can(user, "document.download", city=city, obj=document)
        or may_read(user, city, document)
    ):
        raise Http404("文件不存在 / no such document")
    return document
