"""The health endpoint reports the database and Redis honestly."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_health_is_ok_when_database_answers(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.redis
@pytest.mark.django_db
def test_health_checks_redis_on_the_real_stack(client):
    response = client.get(reverse("healthz"))
    assert response.json()["checks"]["redis"] == "ok"


@pytest.mark.django_db
def test_health_reports_unreachable_redis_as_unavailable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("error")


@pytest.mark.django_db
def test_health_refuses_writes(client):
    assert client.post(reverse("healthz")).status_code == 405
