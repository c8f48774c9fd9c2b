import pytest
from django.db.utils import OperationalError

from apps.core import views


@pytest.mark.django_db
def test_healthz_reports_database_and_broker_up(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "broker": True}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_broker_is_down(client, settings):
    from portal.celery import app

    original = app.conf.broker_write_url
    app.conf.broker_write_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_write_url = original

    assert response.status_code == 503
    assert response.json()["broker"] is False
    assert response.json()["database"] is True


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_is_down(client, mocker):
    cursor = mocker.patch.object(views.connection, "cursor", side_effect=OperationalError("gone"))

    response = client.get("/healthz")

    assert cursor.called
    assert response.status_code == 503
    assert response.json()["database"] is False


def test_healthz_needs_no_login_and_refuses_post(client, db):
    assert client.post("/healthz").status_code == 405
