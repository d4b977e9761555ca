"""Public showcase pages."""

urlpatterns = []
