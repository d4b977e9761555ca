"""API: filled by the providers issue."""

urlpatterns = []
