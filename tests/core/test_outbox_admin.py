"""Operators see the outbox in the admin (status, attempts, last error) and cannot edit it."""

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def stuck():
    return Notification.objects.create(
        event_key="fulfillment.status:1",
        recipient="ann@example.com",
        subject="[SR-000001] In progress: VPN",
        body="Body",
        status="pending",
        attempts=3,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
        available_at=timezone.now(),
    )


def test_admin_lists_status_attempts_and_last_error(client_for, admin_user, stuck):
    page = client_for(admin_user).get(reverse("admin:core_notification_changelist") + "?status=pending")
    text = page.content.decode()
    assert page.status_code == 200
    assert "ann@example.com" in text and "SMTPServerDisconnected" in text and "Pending" in text


def test_the_outbox_is_read_only(client_for, admin_user, stuck):
    client = client_for(admin_user)
    change = reverse("admin:core_notification_change", args=[stuck.pk])
    assert client.get(reverse("admin:core_notification_add")).status_code == 403
    assert client.get(change).status_code == 200  # view only
    assert client.post(change, {"status": "sent"}).status_code == 403
    assert client.post(reverse("admin:core_notification_delete", args=[stuck.pk]), {"post": "yes"}).status_code == 403
    stuck.refresh_from_db()
    assert stuck.status == "pending"


def test_people_without_staff_rights_do_not_see_it(client_for, agent, stuck):
    response = client_for(agent).get(reverse("admin:core_notification_changelist"))
    assert response.status_code == 302 and "/login/" in response["Location"]
