"""providers/, provider-rounds/, provider-evaluations/ under /api/v1/cities/<city_code>/."""

from rest_framework.routers import SimpleRouter

from providers.api import EvaluationViewSet, RoundViewSet, SelectionViewSet

router = SimpleRouter()
router.register("providers", SelectionViewSet, basename="provider-selection")
router.register("provider-rounds", RoundViewSet, basename="provider-round")
router.register("provider-evaluations", EvaluationViewSet, basename="provider-evaluation")

urlpatterns = router.urls
