from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from providers.models import Provider


@admin.register(Provider)
class ProviderAdmin(SimpleHistoryAdmin):
    list_display = ["uscc", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["uscc", "name"]
