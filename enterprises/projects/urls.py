"""Pages for projects."""

urlpatterns = []
