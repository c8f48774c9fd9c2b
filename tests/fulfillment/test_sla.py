"""SLA clocks driven through the real lifecycle services, with the clock of Django under test control."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from apps.accounts.models import TeamHoliday
from apps.core.selectors import audit_events_for
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import ServiceRequest
from apps.fulfillment.selectors.sla import calendar_for_team
from apps.fulfillment.services import comment_add, request_create, request_transition
from apps.fulfillment.services.sla import request_sla_refresh, request_sla_status
from tests.factories import UserFactory

S = RequestStatus
PARIS = ZoneInfo("Europe/Paris")
H = dt.timedelta(hours=1)


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


class Clock:
    """``clock.at(moment)``: what django.utils.timezone.now (auto_now_add included) returns from then on."""

    def __init__(self, mocker):
        self.now = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
        mocker.patch("django.utils.timezone.now", side_effect=lambda: self.now)

    def at(self, moment: dt.datetime) -> None:
        self.now = moment.astimezone(dt.UTC)


@pytest.fixture
def clock(mocker):
    return Clock(mocker)


@pytest.fixture
def paris_team(desk_team):
    """Monday–Friday 09:00–17:00 Europe/Paris, Monday 11 January 2027 off."""
    desk_team.timezone = "Europe/Paris"
    desk_team.workday_start, desk_team.workday_end = dt.time(9), dt.time(17)
    desk_team.working_days = [0, 1, 2, 3, 4]
    desk_team.save()
    TeamHoliday.objects.create(team=desk_team, date=dt.date(2027, 1, 11), name="Company day")
    return desk_team


@pytest.fixture
def four_hour_item(item, paris_team):
    item.delivery_target_hours = 4
    item.save(update_fields=["delivery_target_hours"])
    return item


def file_request(item, owner, clock, moment):
    clock.at(moment)
    return request_create(item=item, requester=owner, answers={"reason": "Build logs"})


def due_in_paris(sr) -> dt.datetime:
    sr.refresh_from_db()
    assert sr.due_at is not None
    return sr.due_at.astimezone(PARIS)


# --- The acceptance example of the issue --------------------------------------------------------------


@pytest.mark.django_db
def test_hold_until_the_requesters_tuesday_reply_moves_due_to_tuesday_1330(four_hour_item, owner, agent, clock):
    friday, holiday, tuesday = dt.date(2027, 1, 8), dt.date(2027, 1, 11), dt.date(2027, 1, 12)
    assert (friday.weekday(), holiday.weekday(), tuesday.weekday()) == (4, 0, 1)

    sr = file_request(four_hour_item, owner, clock, paris(2027, 1, 8, 16))
    assert due_in_paris(sr) == paris(2027, 1, 12, 12)  # no hold: 1 h on Friday, 3 h from Tuesday 09:00
    clock.at(paris(2027, 1, 8, 16, 10))
    request_transition(request=sr, to=S.IN_PROGRESS, actor=agent)
    clock.at(paris(2027, 1, 8, 16, 30))
    request_transition(request=sr, to=S.ON_HOLD, actor=agent, comment="Which project?")
    sr.refresh_from_db()
    assert sr.due_at is None  # paused: the queue shows "paused"

    clock.at(paris(2027, 1, 12, 10))
    comment_add(request=sr, author=owner, body="Project Apollo, please.")

    sr.refresh_from_db()
    assert sr.status == S.IN_PROGRESS
    assert due_in_paris(sr) == paris(2027, 1, 12, 13, 30)  # 0.5 h used on Friday, 3.5 h from Tuesday 10:00
    resumed = audit_events_for(sr).filter(verb="status_changed").last()
    assert resumed is not None
    assert resumed.actor is None and resumed.data == {
        "from": "on_hold",
        "to": "in_progress",
        "comment": "The requester replied.",
    }
    assert resumed.created_at == paris(2027, 1, 12, 10)


@pytest.mark.django_db
def test_without_the_hold_it_is_due_tuesday_noon(four_hour_item, owner, agent, clock):
    sr = file_request(four_hour_item, owner, clock, paris(2027, 1, 8, 16))
    clock.at(paris(2027, 1, 8, 16, 10))
    request_transition(request=sr, to=S.IN_PROGRESS, actor=agent)
    assert due_in_paris(sr) == paris(2027, 1, 12, 12)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filed", "due"),
    [
        (paris(2027, 3, 26, 16), paris(2027, 3, 29, 12)),  # clocks go forward on Sunday 28 March 2027
        (paris(2027, 10, 29, 16), paris(2027, 11, 1, 12)),  # clocks go back on Sunday 31 October 2027
    ],
)
def test_across_a_dst_change_due_stays_at_local_noon(four_hour_item, owner, clock, filed, due):
    sr = file_request(four_hour_item, owner, clock, filed)
    local = due_in_paris(sr)
    assert local == due
    assert (local.hour, local.minute) == (12, 0)


# --- What pauses, what stops, and that history wins ---------------------------------------------------


@pytest.mark.django_db
def test_no_edit_can_lose_paused_time(four_hour_item, owner, agent, clock):
    sr = file_request(four_hour_item, owner, clock, paris(2027, 1, 8, 16))
    clock.at(paris(2027, 1, 8, 16, 10))
    request_transition(request=sr, to=S.IN_PROGRESS, actor=agent)
    clock.at(paris(2027, 1, 8, 16, 30))
    request_transition(request=sr, to=S.ON_HOLD, actor=agent)
    clock.at(paris(2027, 1, 12, 10))
    request_transition(request=sr, to=S.IN_PROGRESS, actor=agent)
    ServiceRequest.objects.filter(pk=sr.pk).update(due_at=paris(2027, 1, 8, 20))  # a stray write

    sr.refresh_from_db()
    request_sla_refresh(request=sr)

    assert due_in_paris(sr) == paris(2027, 1, 12, 13, 30)


@pytest.mark.django_db
def test_second_hold_is_subtracted_too(four_hour_item, owner, agent, clock):
    sr = file_request(four_hour_item, owner, clock, paris(2027, 1, 12, 9))
    for moment, to in [
        (paris(2027, 1, 12, 9), S.IN_PROGRESS),
        (paris(2027, 1, 12, 10), S.ON_HOLD),  # 1 h used
        (paris(2027, 1, 12, 11), S.IN_PROGRESS),
        (paris(2027, 1, 12, 12), S.ON_HOLD),  # 2 h used
        (paris(2027, 1, 13, 15), S.IN_PROGRESS),  # 2 h left from Wednesday 15:00
    ]:
        clock.at(moment)
        request_transition(request=sr, to=to, actor=agent)
    assert due_in_paris(sr) == paris(2027, 1, 13, 17)


@pytest.mark.django_db
def test_awaiting_approval_pauses_the_clock(manager_item, owner, manager, paris_team, clock):
    manager_item.delivery_target_hours = 4
    manager_item.save(update_fields=["delivery_target_hours"])
    sr = file_request(manager_item, owner, clock, paris(2027, 1, 12, 9))
    sr.refresh_from_db()
    assert sr.status == S.AWAITING_APPROVAL and sr.due_at is None

    clock.at(paris(2027, 1, 13, 14))
    request_transition(request=sr, to=S.APPROVED, actor=manager)

    assert due_in_paris(sr) == paris(2027, 1, 14, 10)  # 3 h on Wednesday from 14:00, 1 h on Thursday


@pytest.mark.django_db
def test_fulfilment_stops_the_clock_and_keeps_due_for_reports(four_hour_item, owner, agent, clock):
    sr = file_request(four_hour_item, owner, clock, paris(2027, 1, 12, 9))
    clock.at(paris(2027, 1, 12, 9, 30))
    request_transition(request=sr, to=S.IN_PROGRESS, actor=agent)
    clock.at(paris(2027, 1, 12, 11))
    request_transition(request=sr, to=S.FULFILLED, actor=agent)

    assert due_in_paris(sr) == paris(2027, 1, 12, 13)
    status = request_sla_status(sr, now=paris(2027, 1, 20, 9))
    assert (status.state, status.met) == ("stopped", True)


@pytest.mark.django_db
def test_reopen_continues_with_the_budget_left(four_hour_item, owner, agent, clock):
    sr = file_request(four_hour_item, owner, clock, paris(2027, 1, 12, 9))
    clock.at(paris(2027, 1, 12, 9))
    request_transition(request=sr, to=S.IN_PROGRESS, actor=agent)
    clock.at(paris(2027, 1, 12, 12))  # 3 h used
    request_transition(request=sr, to=S.FULFILLED, actor=agent)
    clock.at(paris(2027, 1, 13, 16))
    request_transition(request=sr, to=S.IN_PROGRESS, actor=owner)  # the requester reopens

    assert due_in_paris(sr) == paris(2027, 1, 13, 17)


@pytest.mark.django_db
def test_resume_clears_the_warning_and_escalation_marks(four_hour_item, owner, agent, clock):
    sr = file_request(four_hour_item, owner, clock, paris(2027, 1, 12, 9))
    clock.at(paris(2027, 1, 12, 9))
    request_transition(request=sr, to=S.IN_PROGRESS, actor=agent)
    clock.at(paris(2027, 1, 12, 10))
    marks = {"sla_warned_at": paris(2027, 1, 12, 10), "escalated_at": paris(2027, 1, 12, 10)}
    ServiceRequest.objects.filter(pk=sr.pk).update(**marks)
    sr.refresh_from_db()
    request_transition(request=sr, to=S.ON_HOLD, actor=agent)
    sr.refresh_from_db()
    assert sr.sla_warned_at is not None  # kept while paused
    clock.at(paris(2027, 1, 13, 9))
    comment_add(request=sr, author=owner, body="Here it is.")

    sr.refresh_from_db()  # 3 h left from Wednesday 09:00: beyond the warning horizon again
    assert sr.due_at == paris(2027, 1, 13, 12) and sr.sla_warned_at is None and sr.escalated_at is None


@pytest.mark.django_db
def test_resume_close_to_due_keeps_the_warning(four_hour_item, owner, agent, clock):
    sr = file_request(four_hour_item, owner, clock, paris(2027, 1, 12, 9))
    request_transition(request=sr, to=S.IN_PROGRESS, actor=agent)
    clock.at(paris(2027, 1, 12, 12, 30))
    ServiceRequest.objects.filter(pk=sr.pk).update(sla_warned_at=paris(2027, 1, 12, 12, 30))
    sr.refresh_from_db()
    request_transition(request=sr, to=S.ON_HOLD, actor=agent)
    clock.at(paris(2027, 1, 13, 9))
    comment_add(request=sr, author=owner, body="Here it is.")

    sr.refresh_from_db()  # half an hour left: the warning already sent still holds
    assert sr.due_at == paris(2027, 1, 13, 9, 30) and sr.sla_warned_at is not None


@pytest.mark.django_db
def test_refresh_does_not_bump_the_version(four_hour_item, owner, clock):
    sr = file_request(four_hour_item, owner, clock, paris(2027, 1, 12, 9))
    sr.refresh_from_db()
    version = sr.version
    ServiceRequest.objects.filter(pk=sr.pk).update(due_at=None)
    sr.refresh_from_db()
    request_sla_refresh(request=sr)
    sr.refresh_from_db()
    assert sr.version == version and sr.due_at is not None


# --- A reply resumes; other comments do not -----------------------------------------------------------


@pytest.fixture
def held(four_hour_item, owner, agent, clock):
    sr = file_request(four_hour_item, owner, clock, paris(2027, 1, 12, 9))
    request_transition(request=sr, to=S.IN_PROGRESS, actor=agent)
    clock.at(paris(2027, 1, 12, 10))
    return request_transition(request=sr, to=S.ON_HOLD, actor=agent)


@pytest.mark.django_db
def test_reply_of_the_person_it_is_for_resumes(four_hour_item, owner, agent, clock):
    colleague = UserFactory(username="colleague")
    clock.at(paris(2027, 1, 12, 9))
    sr = request_create(item=four_hour_item, requester=owner, answers={"reason": "x"}, requested_for=colleague)
    request_transition(request=sr, to=S.IN_PROGRESS, actor=agent)
    request_transition(request=sr, to=S.ON_HOLD, actor=agent)
    comment_add(request=sr, author=colleague, body="Done on my side.")
    sr.refresh_from_db()
    assert sr.status == S.IN_PROGRESS


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "internal"), [("agent", False), ("agent", True), ("teammate", False)])
def test_other_comments_leave_the_clock_paused(request, held, who, internal):
    author = request.getfixturevalue(who)
    if who == "teammate":
        held.watchers.add(author)
    comment_add(request=held, author=author, body="Any news?", is_internal=internal)
    held.refresh_from_db()
    assert held.status == S.ON_HOLD and held.due_at is None


@pytest.mark.django_db
def test_requester_comment_while_running_changes_nothing(four_hour_item, owner, agent, clock):
    sr = file_request(four_hour_item, owner, clock, paris(2027, 1, 12, 9))
    request_transition(request=sr, to=S.IN_PROGRESS, actor=agent)
    events = audit_events_for(sr).count()
    comment_add(request=sr, author=owner, body="Thanks!")
    assert audit_events_for(sr).count() == events + 1  # the comment only


@pytest.mark.django_db
def test_reply_from_the_request_page_resumes(client_for, held, owner):
    response = client_for(owner).post(
        f"/requests/{held.number}/comments/", {"body": "Project Apollo."}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    held.refresh_from_db()
    assert held.status == S.IN_PROGRESS and held.due_at is not None


# --- Status for display, and the team's calendar ------------------------------------------------------


@pytest.mark.django_db
def test_status_running_breached_and_paused(four_hour_item, owner, agent, clock):
    sr = file_request(four_hour_item, owner, clock, paris(2027, 1, 12, 9))
    request_transition(request=sr, to=S.IN_PROGRESS, actor=agent)

    running = request_sla_status(sr, now=paris(2027, 1, 12, 10))
    assert (running.state, running.remaining) == ("running", 3 * H)
    assert running.due_at == paris(2027, 1, 12, 13)
    late = request_sla_status(sr, now=paris(2027, 1, 13, 10))
    assert (late.state, late.overdue) == ("breached", 5 * H)  # 4 h on Tuesday, 1 h on Wednesday

    clock.at(paris(2027, 1, 12, 11))
    request_transition(request=sr, to=S.ON_HOLD, actor=agent)
    paused = request_sla_status(sr, now=paris(2027, 1, 13, 10))
    assert (paused.state, paused.due_at, paused.remaining) == ("paused", None, 2 * H)


@pytest.mark.django_db
def test_calendar_for_team_reads_hours_and_holidays(paris_team):
    calendar = calendar_for_team(paris_team)
    assert calendar.tz == "Europe/Paris"
    assert calendar.holidays == frozenset({dt.date(2027, 1, 11)})
    assert calendar.working_days == frozenset({0, 1, 2, 3, 4})


@pytest.mark.django_db
def test_calendar_for_team_survives_bad_working_days(paris_team):
    paris_team.working_days = ["monday", 9]
    assert calendar_for_team(paris_team).working_days == frozenset({0, 1, 2, 3, 4})
