"""Admin for conveners' staff: find an exchange, its teams and meetings at a glance.

Day-to-day scheduling happens on the exchange pages, where the rules (local
times, numbering, place or link) are checked; the admin is for looking things
up and for repairs.
"""

from django.contrib import admin

from .models import Exchange, Meeting, Team


class TeamInline(admin.TabularInline):
    model = Team
    fields = ["community_name", "state_region", "locale_type"]
    extra = 0
    show_change_link = True


class MeetingInline(admin.TabularInline):
    model = Meeting
    fields = ["number", "title", "starts_at", "ends_at", "time_zone", "mode", "status"]
    readonly_fields = ["starts_at", "ends_at"]
    extra = 0
    show_change_link = True
    ordering = ["number"]


@admin.register(Exchange)
class ExchangeAdmin(admin.ModelAdmin):
    list_display = ["title", "convening_organisation", "status", "time_zone", "created_at"]
    list_filter = ["status", "convening_organisation"]
    search_fields = ["title", "convening_organisation", "purpose"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_by", "created_at"]
    inlines = [TeamInline, MeetingInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["community_name", "state_region", "locale_type", "exchange"]
    list_filter = ["locale_type", "state_region", "exchange"]
    search_fields = ["community_name", "state_region", "exchange__title"]
    list_select_related = ["exchange"]
    autocomplete_fields = ["exchange"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "exchange", "starts_at", "time_zone", "mode", "status"]
    list_filter = ["status", "mode", "exchange"]
    search_fields = ["title", "place", "exchange__title"]
    list_select_related = ["exchange"]
    date_hierarchy = "starts_at"
    ordering = ["exchange", "number"]
    autocomplete_fields = ["exchange"]
    readonly_fields = ["updated_at"]
