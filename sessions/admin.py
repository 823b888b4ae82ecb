"""Admin for scheduled dialogue sessions and their agenda phases."""

from django.contrib import admin

from .models import DialogueSession, Phase


class PhaseInline(admin.TabularInline):
    model = Phase
    fields = ["order", "title", "planned_minutes"]
    extra = 0
    ordering = ["order"]


@admin.register(DialogueSession)
class DialogueSessionAdmin(admin.ModelAdmin):
    list_display = ["title", "meeting", "planned_start", "state", "attribution_default"]
    list_filter = ["state", "attribution_default", "meeting__exchange"]
    search_fields = ["title", "question", "meeting__title", "meeting__exchange__title"]
    list_select_related = ["meeting__exchange"]
    date_hierarchy = "planned_start"
    autocomplete_fields = ["meeting"]
    # The room's state and the default consent change only through the room:
    # re-opening a closed session here would hand its words back to the live room.
    readonly_fields = ["state", "attribution_default", "opened_at", "closed_at"]
    inlines = [PhaseInline]
