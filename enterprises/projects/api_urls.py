"""API for projects."""

urlpatterns = []
