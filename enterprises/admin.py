from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from enterprises.models import Enterprise


@admin.register(Enterprise)
class EnterpriseAdmin(SimpleHistoryAdmin):
    list_display = ["uscc", "name", "city", "district", "sector", "size", "srdi", "current_level"]
    list_filter = ["city", "size", "srdi"]
    search_fields = ["uscc", "name"]
    list_select_related = ["city", "district", "sector"]
