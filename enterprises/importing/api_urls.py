"""Import endpoints under /api/v1/cities/<city>/enterprises/import/ (filled by the import work)."""

urlpatterns = []
