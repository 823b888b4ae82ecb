"""A person's own data: included from ``config/urls.py`` with
``path("", include("participants.data_rights_urls"))``."""

from django.urls import path

from . import data_rights_views as views

urlpatterns = [
    path("me/data/", views.my_data, name="my_data"),
    path("me/data/export.json", views.my_data_export, name="my_data_export"),
    path("me/delete/", views.my_account_delete, name="my_account_delete"),
]
