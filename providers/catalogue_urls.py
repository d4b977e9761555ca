"""Pages: filled by the providers issue."""

urlpatterns = []
