"""Admin for people: accounts by email, memberships, invitations, RSVPs and attendance.

People's words (commitments, check-ins, like contributions) are not here: they
are read only through pages that ask the visibility policy.

Rights follow the person: changing or deleting an account or a membership
here closes that person's open live-room sockets once the change has
committed (``participants.access``), as the people pages do, so a socket
never keeps the rights it was opened with.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .access import member_access_changed
from .invitations import InvitationState, invitation_state, invitation_state_expression
from .models import RSVP, Attendance, Invitation, Member, User


class EmailUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class EmailUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0
    fields = ("exchange", "display_name", "team", "exchange_role", "stakeholder_role", "time_zone", "consented_at")
    raw_id_fields = ("exchange",)
    show_change_link = True


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """People sign in with their email address; there is no username."""

    form = EmailUserChangeForm
    add_form = EmailUserCreationForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_active", "is_staff", "last_login", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("email", "first_name", "last_name", "memberships__display_name")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Name"), {"fields": ("first_name", "last_name")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def get_inlines(self, request, obj):
        # A new account has no memberships yet: people join exchanges by invitation.
        return [MemberInline] if obj is not None else []

    @staticmethod
    def _memberships_changed(users) -> None:
        member_access_changed(member_ids=Member.objects.filter(user__in=users).values_list("pk", flat=True))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            # Deactivated, made staff or not, memberships edited inline: reconnect with what is true now.
            self._memberships_changed([obj.pk])

    def delete_model(self, request, obj):
        with transaction.atomic():
            self._memberships_changed([obj.pk])
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            self._memberships_changed(list(queryset.values_list("pk", flat=True)))
            super().delete_queryset(request, queryset)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            # A new password ends the account's other sessions; end its sockets too.
            self._memberships_changed([id])
        return response


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("display_name", "exchange", "team", "stakeholder_role", "exchange_role", "time_zone", "consented")
    list_filter = ("exchange", "exchange_role", "stakeholder_role", "reminders_enabled")
    search_fields = ("display_name", "user__email", "team__community_name", "exchange__title")
    list_select_related = ("exchange", "team")
    raw_id_fields = ("user",)
    readonly_fields = ("joined_at",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            member_access_changed(member_ids=[obj.pk])

    def delete_model(self, request, obj):
        with transaction.atomic():
            member_access_changed(member_ids=[obj.pk])
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            member_access_changed(member_ids=list(queryset.values_list("pk", flat=True)))
            super().delete_queryset(request, queryset)

    @admin.display(boolean=True, description=_("Agreed to recording terms"), ordering="consented_at")
    def consented(self, obj):
        return obj.consented_at is not None


class InvitationStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return InvitationState.CHOICES

    def queryset(self, request, queryset):
        if self.value():
            return queryset.annotate(current_state=invitation_state_expression()).filter(current_state=self.value())
        return queryset


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "exchange", "team", "exchange_role", "state", "sent_at", "expires_at")
    list_filter = (InvitationStateFilter, "exchange", "exchange_role", "stakeholder_role")
    search_fields = ("name", "email", "exchange__title", "team__community_name")
    list_select_related = ("exchange", "team")
    raw_id_fields = ("invited_by", "member")
    readonly_fields = ("nonce", "created_at", "sent_at", "accepted_at")
    date_hierarchy = "created_at"

    @admin.display(description=_("State"))
    def state(self, obj):
        return InvitationState.LABELS[invitation_state(obj, now=timezone.now())]


@admin.register(RSVP)
class RSVPAdmin(admin.ModelAdmin):
    list_display = ("member", "meeting", "response", "note", "updated_at")
    list_filter = ("response", "meeting__exchange")
    search_fields = ("member__display_name", "member__user__email", "meeting__title", "note")
    list_select_related = ("member", "meeting")
    raw_id_fields = ("member", "meeting")


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ("member", "meeting", "source", "recorded_at", "recorded_by")
    list_filter = ("source", "meeting__exchange")
    search_fields = ("member__display_name", "member__user__email", "meeting__title")
    list_select_related = ("member", "meeting", "recorded_by")
    raw_id_fields = ("member", "meeting", "recorded_by")
