"""A person's own data: included from ``config/urls.py`` with
``path("", include("data_rights.urls"))``."""

from django.urls import path

from . import views

urlpatterns = [
    path("me/data/", views.my_data, name="my_data"),
    path("me/data/export.json", views.my_data_export, name="my_data_export"),
    path("me/delete/", views.my_account_delete, name="my_account_delete"),
]
