"""Archive pages and exports, for a session and for a whole exchange."""

from django.urls import path

from . import views

urlpatterns = [
    path("sessions/<int:session_id>/archive/", views.archive_transcript, name="archive_transcript"),
    path("sessions/<int:session_id>/archive/review/", views.archive_review, name="archive_review"),
    path("sessions/<int:session_id>/archive/publish/", views.archive_publish, name="archive_publish"),
    path("sessions/<int:session_id>/archive/equity/", views.archive_equity, name="archive_equity"),
    path("sessions/<int:session_id>/archive/export.<str:fmt>", views.archive_export, name="archive_export"),
    path("exchanges/<int:exchange_id>/archive/", views.archive_exchange, name="archive_exchange"),
    path("exchanges/<int:exchange_id>/archive/export.<str:fmt>", views.archive_export, name="archive_export"),
    path("exchanges/<int:exchange_id>/archive/themes/", views.archive_themes, name="archive_themes"),
    path("archive/themes/<int:theme_id>/", views.archive_theme, name="archive_theme"),
    path("exchanges/<int:exchange_id>/archive/equity/", views.archive_exchange_equity, name="archive_exchange_equity"),
    path(
        "exchanges/<int:exchange_id>/archive/follow-through/",
        views.archive_followthrough,
        name="archive_followthrough",
    ),
    path("exchanges/<int:exchange_id>/archive/access-log/", views.archive_access_log, name="archive_access_log"),
]
