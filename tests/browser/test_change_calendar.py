"""The change calendar in headless Chromium: drag a change into a freeze (refused, the reason shown) and to a free
day (saved, its approval withdrawn); build a weekly freeze and see it drawn."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.changes.models import Change, Environment
from apps.changes.services import ChangeData, change_create, change_decide
from tests.changes.factories import PolicyRuleFactory, RiskPolicyFactory, WindowFactory
from tests.factories import PASSWORD, ServiceFactory, TeamFactory, UserFactory

UTC = dt.UTC
HOUR = dt.timedelta(hours=1)


def login(page: Page, live_server, username: str, path: str) -> None:
    page.goto(f"{live_server.url}{path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture
def world(transactional_db):
    team = TeamFactory(slug="platform", name="Platform team")
    policy = RiskPolicyFactory(version=1, medium_from=30, high_from=60)
    PolicyRuleFactory(policy=policy, name="production", expression="is_production", weight=30)
    production = Environment.objects.create(name="Production", slug="production", is_production=True)
    service = ServiceFactory(slug="payments", name="Payments", owner_team=team)
    owner = UserFactory(username="owner", member_of=[team])
    peer = UserFactory(username="peer", member_of=[team])
    UserFactory(username="boss", roles=["Managers"])
    return {"team": team, "production": production, "service": service, "owner": owner, "peer": peer}


def day_cell(page: Page, day: dt.date):
    return page.locator(f'[data-date="{day.isoformat()}"]').first


def drag(page: Page, source, target) -> None:
    source.scroll_into_view_if_needed()
    box, to = source.bounding_box(), target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 5, box["y"] + box["height"] / 2 + 5, steps=5)
    page.mouse.move(to["x"] + to["width"] / 2, to["y"] + 30, steps=15)
    page.mouse.up()


def test_a_drag_into_a_freeze_is_refused_and_to_a_free_day_saved(page: Page, live_server, world):
    monday = timezone.now().astimezone(UTC).date() + dt.timedelta(days=14)
    monday -= dt.timedelta(days=monday.weekday())  # a Monday two weeks ahead: its week is in one month view
    start = dt.datetime.combine(monday, dt.time(10, 0), tzinfo=UTC)
    change = change_create(requester=world["owner"], data=ChangeData(
        title="Deploy payments", services=[world["service"]], environment=world["production"],
        planned_start=start, planned_end=start + dt.timedelta(hours=1), rollback_plan="Redeploy",
    ))  # fmt: skip
    change = change_decide(change=change, actor=world["peer"], decision="approved")
    assert change.status == "approved"
    wednesday = monday + dt.timedelta(days=2)
    on_wednesday = start + dt.timedelta(days=2)
    WindowFactory(kind="freeze", title="Mid-week freeze", reason="Sale", starts_at=on_wednesday - 10 * HOUR,
                  ends_at=on_wednesday + 12 * HOUR)  # fmt: skip

    login(page, live_server, "owner", f"/changes/calendar/?date={monday.isoformat()}")
    event = page.locator(f'[data-change="{change.number}"]').first
    expect(event).to_be_visible()
    drag(page, event, day_cell(page, wednesday))
    status = page.locator("#calendar-status")
    expect(status).to_contain_text("Not moved")
    expect(status).to_contain_text("Mid-week freeze")
    assert Change.objects.get(pk=change.pk).planned_start == start

    tuesday = monday + dt.timedelta(days=1)
    page.mouse.move(0, 0)
    page.wait_for_timeout(500)  # let FullCalendar finish the revert's re-render before the next drag
    drag(page, page.locator(f'[data-change="{change.number}"]').first, day_cell(page, tuesday))
    expect(status).to_contain_text("approvals were withdrawn")
    moved = Change.objects.get(pk=change.pk)
    assert moved.planned_start == start + dt.timedelta(days=1)
    assert moved.status == "awaiting_approval" and moved.approval_round == 2


def test_a_manager_builds_a_weekly_freeze_and_sees_it_drawn(page: Page, live_server, world):
    friday = timezone.now().astimezone(UTC).date() + dt.timedelta(days=7)
    friday += dt.timedelta(days=(4 - friday.weekday()) % 7)
    login(page, live_server, "boss", "/changes/calendar/windows/new/")
    page.get_by_label("Kind").select_option("freeze")
    page.get_by_label("Title").fill("Friday release freeze")
    page.get_by_label("All services").check()
    page.get_by_label("Time zone").fill("Europe/Amsterdam")
    page.get_by_label("Starts").fill(f"{friday.isoformat()}T16:00")
    page.get_by_label("Ends").first.fill(f"{friday.isoformat()}T20:00")
    page.get_by_label("Repeat").select_option("weekly")
    page.get_by_label("Friday").check()
    expect(page.locator("#window-rrule")).to_have_text("FREQ=WEEKLY;BYDAY=FR")
    expect(page.locator("#window-occurrences li")).to_have_count(10)
    page.get_by_role("button", name="Save the window").click()
    expect(page.get_by_text("The window “Friday release freeze” is saved.")).to_be_visible()
    page.goto(f"{live_server.url}/changes/calendar/?date={friday.isoformat()}")
    bands = page.locator('#calendar .win-freeze[title^="Freeze: Friday release freeze"]')
    expect(bands.nth(3)).to_be_attached()  # a band on every Friday of the month view (at least four)
    assert "(Europe/Amsterdam)" in bands.first.get_attribute("title")  # the window's own zone, on hover
