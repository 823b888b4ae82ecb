from django.urls import path

from . import views

urlpatterns = [
    path("me/schedule/", views.my_schedule, name="my_schedule"),
]
