"""Between meetings: outbox, reminder offsets, check-ins, unsubscribe."""

from django.urls import path

from . import views

urlpatterns = [
    path("exchanges/<int:exchange_id>/outbox/", views.exchange_outbox, name="exchange_outbox"),
    path("exchanges/<int:exchange_id>/checkins/", views.exchange_checkins, name="exchange_checkins"),
    path("meetings/<int:meeting_id>/reminders/", views.meeting_reminders, name="meeting_reminders"),
    path("reminders/unsubscribe/<str:token>/", views.reminders_unsubscribe, name="reminders_unsubscribe"),
    path("checkins/answer/<str:token>/", views.checkin_answer, name="checkin_answer"),
    path("commitments/<int:commitment_id>/checkin/", views.commitment_checkin, name="commitment_checkin"),
]
