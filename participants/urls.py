from django.urls import path

from . import views

urlpatterns = [
    path("me/language/", views.language_set, name="language_set"),
    path("me/calendar/reset/", views.calendar_token_reset, name="calendar_token_reset"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("exchanges/<int:exchange_id>/people/", views.member_list, name="member_list"),
    path("exchanges/<int:exchange_id>/people/invite/", views.invitation_create, name="invitation_create"),
    path("exchanges/<int:exchange_id>/people/invite-many/", views.invitations_bulk, name="invitations_bulk"),
    path(
        "exchanges/<int:exchange_id>/people/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "exchanges/<int:exchange_id>/people/invitations/<int:invitation_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path("exchanges/<int:exchange_id>/people/<int:member_id>/edit/", views.member_edit, name="member_edit"),
    path("exchanges/<int:exchange_id>/me/", views.member_edit_self, name="member_edit_self"),
]
