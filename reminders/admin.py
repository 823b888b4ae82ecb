"""Admin for reminder rows and offsets: for looking, and for retrying a failure by hand."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Reminder, ReminderOffset, ReminderPlan


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "kind",
        "exchange",
        "member",
        "invitation",
        "meeting",
        "due_at",
        "state",
        "attempts",
        "sent_at",
    ]
    list_filter = ["kind", "state"]
    search_fields = ["member__display_name", "invitation__email", "last_error"]
    raw_id_fields = ["exchange", "member", "invitation", "meeting", "session", "commitment"]
    readonly_fields = ["anchor_at", "claimed_at", "sent_at", "created_at"]
    list_select_related = ["exchange", "member", "invitation", "meeting"]
    actions = ["retry"]

    @admin.action(description="Send again at the next scan (failed rows only)")
    def retry(self, request: HttpRequest, queryset: QuerySet[Reminder]) -> None:
        n = queryset.filter(state=Reminder.State.FAILED).update(
            state=Reminder.State.PENDING, attempts=0, next_attempt_at=None
        )
        self.message_user(request, f"{n} failed message(s) will be tried again.")


@admin.register(ReminderOffset)
class ReminderOffsetAdmin(admin.ModelAdmin):
    list_display = ["meeting", "minutes_before", "custom_text"]
    raw_id_fields = ["meeting"]


@admin.register(ReminderPlan)
class ReminderPlanAdmin(admin.ModelAdmin):
    list_display = ["meeting", "customised_at"]
    raw_id_fields = ["meeting"]
