"""Pages of the live room and of scheduling a session; the websocket routes live in ``routing.py``."""

from django.urls import path

from . import views

urlpatterns = [
    path("sessions/<int:session_id>/room/", views.session_room, name="session_room"),
    path("sessions/<int:session_id>/console/", views.session_console, name="session_console"),
    path("sessions/<int:session_id>/projector/", views.session_projector, name="session_projector"),
    path("meetings/<int:meeting_id>/sessions/new/", views.session_create, name="session_create"),
    path("meetings/<int:meeting_id>/sessions/<int:session_id>/edit/", views.session_edit, name="session_edit"),
]
