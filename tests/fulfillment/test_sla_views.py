"""The SLA clock on the request page: due time in the viewer's time zone and the badge."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.fulfillment.choices import RequestStatus

S = RequestStatus
H = dt.timedelta(hours=1)


def sla_cell(client, sr) -> str:
    response = client.get(reverse("fulfillment:request-detail", args=[sr.number]))
    assert response.status_code == 200
    match = re.search(r'<dd class="col-7" id="request-sla">(.*?)</dd>', response.content.decode(), re.S)
    assert match, "the SLA clock is missing from the request page"
    return match.group(1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "due_in", "marks", "badge"),
    [
        (S.IN_PROGRESS, 5 * H, {}, "On track"),
        (S.NEW, 5 * H, {}, "On track"),
        (S.IN_PROGRESS, H / 2, {}, "Due soon"),
        (S.IN_PROGRESS, 2 * H, {"sla_warned_at": True}, "Due soon"),
        (S.FAILED, -H, {}, "Overdue"),
        (S.IN_PROGRESS, 2 * H, {"escalated_at": True}, "Overdue"),
        (S.ON_HOLD, None, {}, "Paused"),
        (S.AWAITING_APPROVAL, None, {}, "Paused"),
        (S.FULFILLED, -H, {}, "Stopped"),
        (S.CANCELLED, None, {}, "Stopped"),
    ],
)
def test_badge_tells_the_clock(client_for, make_sr, agent, status, due_in, marks, badge):
    now = timezone.now()
    sr = make_sr(
        status=status,
        due_at=None if due_in is None else now + due_in,
        **{name: now for name in marks},
    )
    cell = sla_cell(client_for(agent), sr)
    badges = re.findall(r'<span class="badge[^"]*"[^>]*>([^<]+)</span>', cell)
    assert badges == [badge]


@pytest.mark.django_db
def test_due_time_is_shown_in_the_viewers_time_zone(client_for, make_sr, agent):
    agent.timezone = "Europe/Paris"
    agent.save(update_fields=["timezone"])
    sr = make_sr(status=S.IN_PROGRESS, due_at=dt.datetime(2099, 1, 12, 12, 30, tzinfo=dt.UTC))
    cell = sla_cell(client_for(agent), sr)
    assert 'datetime="2099-01-12T13:30:00+01:00"' in cell
    assert "12 Jan 2099, 13:30 CET" in cell  # one format on every page, the zone named (apps.core.timetext)


@pytest.mark.django_db
# The requester's manager sees a request only when it needs (or needed) their approval (README: roles).
@pytest.mark.parametrize("who", ["owner", "agent", "admin_user"])
def test_everyone_who_sees_the_request_sees_its_clock(request, client_for, make_sr, who):
    sr = make_sr(status=S.IN_PROGRESS, due_at=timezone.now() + 5 * H)
    assert "On track" in sla_cell(client_for(request.getfixturevalue(who)), sr)


@pytest.mark.django_db
def test_status_fragment_carries_the_clock(client_for, make_sr, agent):
    """The htmx answer to a transition swaps the status card, clock included."""
    sr = make_sr(status=S.IN_PROGRESS, due_at=timezone.now() + 5 * H)
    response = client_for(agent).post(
        reverse("fulfillment:request-transition", args=[sr.number]),
        {"to": S.ON_HOLD, "version": sr.version, "comment": "Which project?"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert re.search(r'id="request-sla">\s*<span class="badge[^"]*"[^>]*>Paused</span>', html)


@pytest.mark.django_db
def test_team_admin_edits_business_hours_and_holidays(client_for, admin_user, desk_team):
    url = reverse("admin:accounts_team_change", args=[desk_team.pk])
    html = client_for(admin_user).get(url).content.decode()
    assert 'name="holidays-TOTAL_FORMS"' in html
    assert 'name="workday_start"' in html and 'name="timezone"' in html
