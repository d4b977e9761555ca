"""A project's contract and evidence are readable by everyone who sees the project: its
enterprise, its provider, the district and the city (`policy.project_scope`)."""

from django.db.models import Q

from enterprises.projects.models import Project
from enterprises.projects.services import PURPOSE
from pilot_portal.documents.access import document_reader
from pilot_portal.tenancy import policy


@document_reader(PURPOSE)
def project_document(user, city, document) -> bool:
    attached = (
        Q(contract=document)
        | Q(investments__evidence=document)
        | Q(milestones__evidence=document)
        | Q(worklogs__attachment=document)
    )
    projects = Project.objects.for_city(city).filter(policy.project_scope(user, city))
    return projects.filter(attached).exists()
