from django.urls import path

from . import views

urlpatterns = [
    path("", views.exchange_list, name="exchange_list"),
    path("exchanges/new/", views.exchange_create, name="exchange_create"),
    path("exchanges/<int:exchange_id>/", views.exchange_detail, name="exchange_detail"),
]
