"""Import pages under /c/<city>/enterprises/import/ (filled by the import work)."""

urlpatterns = []
