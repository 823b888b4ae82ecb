from django.urls import path

from . import views

urlpatterns = [
    path("", views.exchange_list, name="exchange_list"),
    path("exchanges/new/", views.exchange_create, name="exchange_create"),
    path("exchanges/<int:exchange_id>/", views.exchange_detail, name="exchange_detail"),
    path("exchanges/<int:exchange_id>/edit/", views.exchange_edit, name="exchange_edit"),
    path("exchanges/<int:exchange_id>/composition/", views.exchange_composition, name="exchange_composition"),
    path("exchanges/<int:exchange_id>/teams/new/", views.team_create, name="team_create"),
    path("teams/<int:team_id>/edit/", views.team_edit, name="team_edit"),
    path("exchanges/<int:exchange_id>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:meeting_id>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:meeting_id>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:meeting_id>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("me/schedule/", views.my_schedule, name="my_schedule"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("exchanges/<int:exchange_id>/series/", views.exchange_series, name="exchange_series"),
    path("meetings/<int:meeting_id>/rsvp/", views.meeting_rsvp, name="meeting_rsvp"),
    path("meetings/<int:meeting_id>/attendance/", views.meeting_attendance, name="meeting_attendance"),
]
