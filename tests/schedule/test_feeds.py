"""iCalendar feeds, parsed back with the icalendar library: UIDs, SEQUENCE, CANCELLED, RRULE + VTIMEZONE, 304,
tokens (hashed, revoked, regenerated) and who may read which feed."""

import datetime as dt

import pytest
from icalendar import Calendar

from apps.accounts.models import User
from apps.changes.services import change_transition, change_update
from apps.fulfillment.models import ServiceRequest
from apps.schedule.models import FeedToken
from apps.schedule.services import feed_token_regenerate, feed_token_revoke
from tests.changes.factories import ChangeFactory, WindowFactory
from tests.factories import CatalogItemFactory

pytestmark = pytest.mark.django_db


def parse(answer):
    assert answer.status_code == 200, answer.content
    assert answer["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(answer.content)


def vevents(calendar):
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


@pytest.fixture
def key(owner):
    return feed_token_regenerate(user=owner)[1]


def test_the_token_is_stored_hashed_and_shown_once(owner):
    token, key = feed_token_regenerate(user=owner)
    assert key.startswith("stf_") and token.digest != key and key not in token.digest
    assert token.prefix == key[:12]


def test_the_personal_feed_parses_with_changes_and_windows(client, owner, make_change, service, future, key):
    change = make_change(planned_start=future, planned_end=future + dt.timedelta(hours=1))
    WindowFactory(kind="freeze", title="Weekend", timezone="Europe/Amsterdam", starts_at=future,
                  ends_at=future + dt.timedelta(hours=3), rrule="FREQ=WEEKLY;BYDAY=FR")  # fmt: skip
    calendar = parse(client.get(f"/feeds/{key}/changes.ics"))
    found = vevents(calendar)
    event = found[f"change-{change.pk}@steward"]
    assert str(event["SUMMARY"]) == f"{change.number} {change.title}"
    assert event.decoded("DTSTART") == change.planned_start
    window = next(e for uid, e in found.items() if uid.startswith("window-"))
    assert window["RRULE"]["FREQ"] == ["WEEKLY"] and window["DTSTART"].params["TZID"] == "Europe/Amsterdam"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Amsterdam"]


def test_uids_are_stable_and_sequence_grows(client, owner, make_change, future, key):
    change = make_change(planned_start=future, planned_end=future + dt.timedelta(hours=1))
    uid = f"change-{change.pk}@steward"
    first = vevents(parse(client.get(f"/feeds/{key}/changes.ics")))[uid]
    change_update(change=change, actor=owner, title="Deploy payments, retitled")
    second = vevents(parse(client.get(f"/feeds/{key}/changes.ics")))[uid]
    assert str(second["SUMMARY"]).endswith("retitled")
    assert int(second["SEQUENCE"]) > int(first["SEQUENCE"])


def test_a_cancelled_change_stays_as_cancelled(client, owner, make_change, future, key):
    change = make_change(planned_start=future, planned_end=future + dt.timedelta(hours=1))
    change_transition(change=change, to="cancelled", actor=owner)
    event = vevents(parse(client.get(f"/feeds/{key}/changes.ics")))[f"change-{change.pk}@steward"]
    assert str(event["STATUS"]) == "CANCELLED"


def test_an_unchanged_feed_answers_304_and_a_change_makes_it_200(client, owner, make_change, future, key):
    change = make_change(planned_start=future, planned_end=future + dt.timedelta(hours=1))
    first = client.get(f"/feeds/{key}/changes.ics")
    etag = first["ETag"]
    assert first.status_code == 200 and etag and first["Last-Modified"]
    again = client.get(f"/feeds/{key}/changes.ics", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    change_update(change=change, actor=owner, title="Something else")
    moved_on = client.get(f"/feeds/{key}/changes.ics", HTTP_IF_NONE_MATCH=etag)
    assert moved_on.status_code == 200 and moved_on["ETag"] != etag


def test_links_in_the_feed_follow_site_url(client, owner, make_change, future, key, settings):
    settings.SITE_URL = "https://steward.example.org"
    change = make_change(planned_start=future, planned_end=future + dt.timedelta(hours=1))
    event = vevents(parse(client.get(f"/feeds/{key}/changes.ics")))[f"change-{change.pk}@steward"]
    assert str(event["URL"]) == f"https://steward.example.org/changes/{change.number}/"


def test_the_etag_moves_with_windows_and_deletions(client, owner, make_change, future, key):
    change = make_change(planned_start=future, planned_end=future + dt.timedelta(hours=1))
    url = f"/feeds/{key}/changes.ics"
    etag = client.get(url)["ETag"]
    WindowFactory(kind="freeze", starts_at=future, ends_at=future + dt.timedelta(hours=2))
    after_window = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert after_window.status_code == 200 and after_window["ETag"] != etag
    etag = after_window["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    change.delete()
    after_delete = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert after_delete.status_code == 200 and f"change-{change.pk}@steward" not in vevents(parse(after_delete))


def test_a_304_reads_the_same_few_queries_whatever_the_feed_holds(client, owner, make_change, future, key):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"/feeds/{key}/services/payments.ics"

    def revalidate():
        etag = client.get(url)["ETag"]
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
        return len(queries)

    make_change(planned_start=future, planned_end=future + dt.timedelta(hours=1))
    few = revalidate()  # a fresh token: its first use is written by the full answer, not by every poll after it
    for hours in range(2, 12):
        begins = future + dt.timedelta(hours=hours)
        make_change(planned_start=begins, planned_end=begins + dt.timedelta(hours=1))
    # One: the calendar's stamp, which also checks the token this process remembers; whatever the feed holds.
    assert revalidate() == few == 1


def test_polls_write_the_tokens_last_use_once_an_hour(client, owner, make_change, future, key):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"/feeds/{key}/services/payments.ics"
    make_change(planned_start=future, planned_end=future + dt.timedelta(hours=1))
    etag = client.get(url)["ETag"]
    first_use = FeedToken.objects.get(user=owner, revoked_at__isnull=True).last_used_at
    assert first_use is not None
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert not [query for query in queries if query["sql"].lstrip().upper().startswith("UPDATE")]
    assert FeedToken.objects.get(user=owner, revoked_at__isnull=True).last_used_at == first_use


@pytest.mark.parametrize("path", ["changes.ics", "services/payments.ics", "maintenance.ics"])
def test_polls_of_every_feed_answer_304_ahead_of_sessions_and_sign_in(client, owner, make_change, future, key, path):
    make_change(planned_start=future, planned_end=future + dt.timedelta(hours=1))
    url = f"/feeds/{key}/{path}"
    full = client.get(url)
    polled = client.get(url, HTTP_IF_NONE_MATCH=full["ETag"])
    assert polled.status_code == 304 and polled["ETag"] == full["ETag"]
    assert polled["Cache-Control"] == full["Cache-Control"] == "private, no-cache"
    assert polled["Last-Modified"] == full["Last-Modified"]
    assert polled["Content-Security-Policy"] == full["Content-Security-Policy"]  # the outer middleware's headers
    # apps.schedule.middleware answered: the sign-in middleware, further in, never saw the request.
    assert not hasattr(polled.wsgi_request, "user")


def test_a_poll_the_middleware_cannot_answer_goes_on_to_the_view(client, owner, make_change, future, key):
    make_change(planned_start=future, planned_end=future + dt.timedelta(hours=1))
    url = f"/feeds/{key}/changes.ics"
    etag = client.get(url)["ETag"]
    stale = client.get(url, HTTP_IF_NONE_MATCH='"not-the-current-one"')
    assert stale.status_code == 200 and stale["ETag"] == etag and hasattr(stale.wsgi_request, "user")
    unknown = client.get("/feeds/sf_not-a-key/changes.ics", HTTP_IF_NONE_MATCH=etag)
    assert unknown.status_code == 404


def test_every_process_gives_a_feed_the_same_etag(client, owner, make_change, future, key):
    """The ETag owes nothing to a process's own memory: a worker that never saw the feed, or whose cache is empty
    (each web worker's, with the default in-memory cache), answers the poll 304 too."""
    from django.core.cache import cache

    from apps.schedule.views import REMEMBERED

    make_change(planned_start=future, planned_end=future + dt.timedelta(hours=1))
    url = f"/feeds/{key}/changes.ics"
    etag = client.get(url)["ETag"]
    cache.clear()
    REMEMBERED.forget(key)
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_remembered_token_whose_user_left_gets_no_304(client, owner, make_change, future, key):
    make_change(planned_start=future, planned_end=future + dt.timedelta(hours=1))
    url = f"/feeds/{key}/services/payments.ics"
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    User.objects.filter(pk=owner.pk).update(is_active=False)
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 404


def test_a_poll_of_a_revoked_token_or_a_lost_membership_gets_no_feed(client, owner, make_change, future, key):
    change = make_change(planned_start=future, planned_end=future + dt.timedelta(hours=1))
    url = f"/feeds/{key}/services/payments.ics"
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    owner.teams.clear()  # no longer in the service's owner team: the next content gets them nothing
    change_update(change=change, actor=owner, title="Moved on")
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 403
    feed_token_revoke(user=owner)
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 404


def test_a_revoked_or_replaced_token_answers_404(client, owner, key):
    assert client.get(f"/feeds/{key}/changes.ics").status_code == 200
    new_key = feed_token_regenerate(user=owner)[1]
    assert client.get(f"/feeds/{key}/changes.ics").status_code == 404
    assert client.get(f"/feeds/{new_key}/changes.ics").status_code == 200
    assert feed_token_revoke(user=owner) == 1
    assert client.get(f"/feeds/{new_key}/changes.ics").status_code == 404
    assert client.get("/feeds/stf_made-up/changes.ics").status_code == 404
    assert FeedToken.objects.filter(user=owner, revoked_at__isnull=True).count() == 0


def test_the_calendar_page_makes_and_revokes_links(client_for, owner, service, settings):
    settings.SITE_URL = "https://steward.example.org/"
    client = client_for(owner)
    answer = client.post("/changes/calendar/feed-token/")
    html = answer.content.decode()
    assert answer.status_code == 200 and "webcal://steward.example.org/feeds/stf_" in html
    assert "https://steward.example.org/feeds/stf_" in html and "/services/payments.ics" in html
    assert "testserver" not in html  # links follow SITE_URL, not the request's Host
    assert "Make new feed links" in client.get("/changes/calendar/").content.decode()
    assert client.post("/changes/calendar/feed-token/revoke/").status_code == 200
    assert not FeedToken.objects.filter(user=owner, revoked_at__isnull=True).exists()


def test_a_service_feed_is_for_its_owner_team(client, owner, outsider, service, make_change, future):
    change = make_change(planned_start=future, planned_end=future + dt.timedelta(hours=1))
    mine = feed_token_regenerate(user=owner)[1]
    found = vevents(parse(client.get(f"/feeds/{mine}/services/payments.ics")))
    assert f"change-{change.pk}@steward" in found
    theirs = feed_token_regenerate(user=outsider)[1]
    assert client.get(f"/feeds/{theirs}/services/payments.ics").status_code == 403
    assert client.get(f"/feeds/{mine}/services/no-such-service.ics").status_code == 404


def test_the_maintenance_feed_shows_public_titles_only(client, outsider, owner, service, staging, future):
    item = CatalogItemFactory(service=service)
    ServiceRequest.objects.create(requester=outsider, item=item, form_version=item.current_form, subject="x",
                                  team=service.owner_team)  # fmt: skip  # outsider now uses the service
    hour = dt.timedelta(hours=1)
    public = ChangeFactory(services=[service], environment=staging, visible_to_end_users=True,
                           public_title="Payments down for upgrade", title="Secret internal name",
                           planned_start=future, planned_end=future + hour)  # fmt: skip
    internal = ChangeFactory(services=[service], environment=staging, planned_start=future, planned_end=future + hour)
    WindowFactory(kind="maintenance", title="Patch night", services=[service], all_services=False,
                  starts_at=future, ends_at=future + hour)  # fmt: skip
    WindowFactory(kind="freeze", title="Hidden freeze", starts_at=future, ends_at=future + hour)
    key = feed_token_regenerate(user=outsider)[1]
    answer = client.get(f"/feeds/{key}/maintenance.ics")
    found = vevents(parse(answer))
    assert str(found[f"change-{public.pk}@steward"]["SUMMARY"]) == "Payments down for upgrade"
    assert f"change-{internal.pk}@steward" not in found
    assert b"Secret internal name" not in answer.content and b"Hidden freeze" not in answer.content
    assert b"Patch night" in answer.content
