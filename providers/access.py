"""Application documents are readable by those who review the application: the city's staff
and overseers, the round's experts, and the applying provider (not by everyone who sees the
pool)."""

from django.db.models import Q

from pilot_portal.documents.access import document_reader
from pilot_portal.tenancy import policy
from providers.models import SelectionDocument

PURPOSE = "provider-application"


@document_reader(PURPOSE)
def application_document(user, city, document) -> bool:
    attached = SelectionDocument.objects.filter(city=city, document=document)
    if policy.roles_in(user, city) & policy.SELECTION_READERS:
        return attached.exists()
    own = policy.provider_ids_in(user, city)
    return attached.filter(
        Q(selection__round__experts=user) | Q(selection__provider_id__in=own)
    ).exists()
