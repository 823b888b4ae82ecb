"""The project's URLs, plus the data-rights pages until ``config/urls.py``
includes them, so the matrix always covers them."""

from django.urls import get_resolver, include, path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = list(project_urlpatterns)
if "my_data" not in get_resolver("config.urls").reverse_dict:
    urlpatterns.append(path("", include("data_rights.urls")))
