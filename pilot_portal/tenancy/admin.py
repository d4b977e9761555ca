from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from pilot_portal.tenancy.models import Batch, City, District, Membership, Province, Sector


class DistrictInline(admin.TabularInline):
    model = District
    extra = 0


class SectorInline(admin.TabularInline):
    model = Sector
    extra = 0


class BatchInline(admin.TabularInline):
    model = Batch
    extra = 0


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(City)
class CityAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "province", "region", "tier", "batch_year", "award_cap"]
    list_filter = ["region", "tier", "batch_year"]
    search_fields = ["code", "name", "name_en"]
    inlines = [DistrictInline, SectorInline, BatchInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = [
        "user",
        "role",
        "city",
        "province",
        "district",
        "enterprise",
        "provider",
        "is_active",
    ]
    list_filter = ["role", "city", "is_active"]
    search_fields = ["user__username"]
    raw_id_fields = ["user", "enterprise", "provider", "district"]
    list_select_related = ["user", "city", "province", "district", "enterprise", "provider"]
