"""Evidence files of an assessment are readable by everyone who sees the assessment
(`selectors.assessment_scope`): the city, the district, the enterprise, its assessor."""

from assessments.models import Assessment
from assessments.selectors import assessment_scope
from pilot_portal.documents.access import document_reader

PURPOSE = "assessment_evidence"


@document_reader(PURPOSE)
def assessment_document(user, city, document) -> bool:
    return (
        Assessment.objects.for_city(city)
        .filter(assessment_scope(user, city), evidence__document=document)
        .exists()
    )
