"""HTML pages: my requests, filing, the request page and its htmx actions, for every kind of user."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.core.selectors import audit_events_for
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import ServiceRequest
from tests.factories import CatalogItemFactory
from tests.fulfillment.factories import CommentFactory, ServiceRequestFactory

S = RequestStatus
HX = {"HTTP_HX_REQUEST": "true"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def detail_url(sr):
    return reverse("fulfillment:request-detail", args=[sr.number])


# --- who sees what ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    # The requester's manager sees only what needs their approval (README, roles table): not this request.
    [("owner", 200), ("teammate", 404), ("outsider", 404), ("agent", 200), ("manager", 404), ("admin_user", 200)],
)
def test_request_page_by_user(request, client_for, sr, who, status):
    response = client_for(request.getfixturevalue(who)).get(detail_url(sr))
    assert response.status_code == status
    if status == 200:
        assert sr.number in response.content.decode()


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client, sr):
    response = client.get(detail_url(sr))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_watching_colleague_and_requested_for_see_it(client_for, make_sr, teammate, outsider):
    sr = make_sr(requested_for=outsider)
    assert client_for(outsider).get(detail_url(sr)).status_code == 200
    sr.watchers.add(teammate)
    assert client_for(teammate).get(detail_url(sr)).status_code == 200


@pytest.mark.django_db
def test_malformed_or_unknown_numbers_are_404(client_for, owner):
    client = client_for(owner)
    assert client.get("/requests/SR-999999/").status_code == 404
    assert client.get("/requests/SR-12x/").status_code == 404


@pytest.mark.django_db
def test_page_shows_answers_timeline_internal_notes_only_to_agents(client_for, sr, owner, agent):
    CommentFactory(request=sr, author=agent, body="internal only", is_internal=True)
    CommentFactory(request=sr, author=owner, body="public words")
    owner_page = client_for(owner).get(detail_url(sr)).content.decode()
    agent_page = client_for(agent).get(detail_url(sr)).content.decode()
    assert "Need access to the build logs" in owner_page
    assert "public words" in owner_page and "internal only" not in owner_page
    assert "internal only" in agent_page
    assert 'name="to" value="cancelled"' in owner_page and 'value="in_progress"' not in owner_page
    assert 'value="in_progress"' in agent_page


# --- my requests --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_my_requests_lists_filed_for_and_watched_only(client_for, make_sr, owner, teammate, agent):
    filed = make_sr()
    for_me = make_sr(requester=teammate, requested_for=owner)
    watched = make_sr(requester=teammate)
    watched.watchers.add(owner)
    other = make_sr(requester=teammate)
    page = client_for(owner).get(reverse("fulfillment:request-mine")).content.decode()
    for sr in (filed, for_me, watched):
        assert sr.number in page
    assert other.number not in page
    # An agent's "my requests" holds their own, not the team's queue.
    assert filed.number not in client_for(agent).get(reverse("fulfillment:request-mine")).content.decode()


@pytest.mark.django_db
def test_my_requests_filters_and_htmx_fragment(client_for, make_sr, owner):
    open_sr = make_sr(status=S.IN_PROGRESS)
    closed_sr = make_sr(status=S.CLOSED)
    client = client_for(owner)
    response = client.get(reverse("fulfillment:request-mine"), {"state": "closed"}, **HX)
    body = response.content.decode()
    assert "<html" not in body and 'id="request-results"' in body
    assert closed_sr.number in body and open_sr.number not in body
    body = client.get(
        reverse("fulfillment:request-mine"), {"status": "in_progress", "item": "access-request"}
    ).content.decode()
    assert "<html" in body and open_sr.number in body and closed_sr.number not in body
    assert client.get(reverse("fulfillment:request-mine"), {"status": "bogus", "page": "x"}).status_code == 200


@pytest.mark.django_db
def test_my_requests_query_count_does_not_grow(client_for, make_sr, owner, teammate, django_assert_num_queries):
    client = client_for(owner)
    make_sr()
    # session, user with its permissions (accounts.backends), count, item filter choices, page of requests
    with django_assert_num_queries(5):
        client.get(reverse("fulfillment:request-mine"))
    for _ in range(15):
        make_sr(requester=teammate, requested_for=owner, answers={"reason": "more"})
    with django_assert_num_queries(5):
        response = client.get(reverse("fulfillment:request-mine"))
    assert response.content.decode().count('href="/requests/SR-') == 16


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["agent", "owner"])
def test_request_page_query_count_does_not_grow(request, client_for, sr, agent, owner, teammate, who):
    """The request page reads the request once (visibility, details, the viewer's team membership together),
    its watchers, its attachments, its timeline (events and comments in one query), automation runs and, for
    the team's agents, the canned replies: at most 10 queries (issue 3), whatever the request has. Pinned: the
    session, the user with its permissions (accounts.backends), then the page's own reads."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.fulfillment import services
    from apps.fulfillment.models import CannedReply

    CannedReply.objects.create(team=sr.team, title="Hello", body="Hi there")
    client = client_for(request.getfixturevalue(who))
    client.get(detail_url(sr))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(detail_url(sr))
        assert response.status_code == 200
        return len(queries)

    before = count()
    assert before == {"agent": 8, "owner": 7}[who]  # the owner gets no canned replies
    for i in range(4):
        services.comment_add(request=sr, author=owner, body=f"public {i}")
        services.comment_add(request=sr, author=agent, body=f"internal {i}", is_internal=True)
        upload = SimpleUploadedFile(f"shot{i}.png", PNG, content_type="image/png")
        services.attachment_add(request=sr, upload=upload, actor=owner)
    services.watcher_add(request=sr, watcher=teammate, actor=owner)
    services.request_transition(request=sr, to=S.IN_PROGRESS, actor=agent)
    assert count() == before
    body = client.get(detail_url(sr)).content.decode()
    assert "public 3" in body and ("internal 3" in body) == (who == "agent") and "shot3.png" in body
    assert body.count("changed the status from") == 1


# --- filing -----------------------------------------------------------------------------------------


@pytest.fixture
def form_item(desk_team):
    return CatalogItemFactory(
        slug="vpn",
        name="VPN access",
        fulfilling_team=desk_team,
        form_definition={
            "fields": [
                {"name": "reason", "label": "Reason", "type": "text", "required": True, "min_length": 5},
                {"name": "days", "label": "Days", "type": "number", "required": True, "min": 1, "max": 30},
                {"name": "external", "label": "External", "type": "boolean"},
                {
                    "name": "company",
                    "label": "Company",
                    "type": "text",
                    "required": True,
                    "show_if": {"field": "external", "equals": True},
                },
            ]
        },
    )


@pytest.mark.django_db
def test_create_page_renders_the_items_form(client_for, owner, form_item):
    page = client_for(owner).get(reverse("fulfillment:request-create", args=["vpn"])).content.decode()
    assert 'name="reason"' in page and 'name="days"' in page and 'name="sr-requested_for"' in page
    assert 'for="id_reason"' in page and "data-show-if" in page
    assert reverse("accounts:user-search") in page
    assert "business hour" in page


@pytest.mark.django_db
def test_failed_submission_keeps_what_was_typed_and_says_what_to_fix(client_for, owner, form_item):
    data = {
        "reason": "Need it",
        "days": "99",
        "external": "on",
        "company": "",
        "sr-priority": "high",
        "sr-requested_for": "nobody",
    }
    response = client_for(owner).post(reverse("fulfillment:request-create", args=["vpn"]), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="Need it"' in page and 'value="99"' in page
    assert 'id="id_days_error"' in page and 'id="id_company_error"' in page and 'id="id_sr-requested_for_error"' in page
    assert 'aria-describedby="id_days_error' in page
    assert '<option value="high" selected>' in page
    assert not ServiceRequest.objects.exists()


@pytest.mark.django_db
def test_successful_submission_redirects_to_the_request(client_for, owner, teammate, form_item):
    data = {
        "reason": "Working remotely",
        "days": "3",
        "company": "ignored: hidden",
        "sr-priority": "low",
        "sr-requested_for": "teammate",
    }
    response = client_for(owner).post(reverse("fulfillment:request-create", args=["vpn"]), data)
    sr = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(sr)
    assert sr.answers == {"reason": "Working remotely", "days": 3, "external": False}
    assert (sr.requested_for, sr.priority) == (teammate, "low")


@pytest.mark.django_db
def test_items_outside_the_audience_cannot_be_filed(client_for, owner, desk_team, other_team):
    hidden = CatalogItemFactory(slug="secret", fulfilling_team=desk_team, audience="teams")
    hidden.audience_teams.add(other_team)
    assert client_for(owner).get(reverse("fulfillment:request-create", args=["secret"])).status_code == 404


# --- transitions --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_transition_without_js_redirects(client_for, sr, agent):
    response = client_for(agent).post(
        reverse("fulfillment:request-transition", args=[sr.number]), {"to": "in_progress", "version": 1}
    )
    assert response.status_code == 302
    sr.refresh_from_db()
    assert sr.status == S.IN_PROGRESS


@pytest.mark.django_db
def test_transition_with_htmx_returns_status_and_timeline_fragments(client_for, sr, agent):
    response = client_for(agent).post(
        reverse("fulfillment:request-transition", args=[sr.number]),
        {"to": "in_progress", "version": 1, "comment": "Started"},
        **HX,
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert body.index('id="request-status"') < body.index('id="request-timeline"')
    assert body.count('hx-swap-oob="true"') == 1 and "Started" in body
    assert 'name="version" value="2"' in body


@pytest.mark.django_db
@pytest.mark.parametrize("hx", [{}, HX])
def test_stale_page_answers_409_and_changes_nothing(client_for, sr, agent, owner, hx):
    ServiceRequest.objects.filter(pk=sr.pk).update(version=2)
    response = client_for(owner).post(
        reverse("fulfillment:request-transition", args=[sr.number]), {"to": "cancelled", "version": 1}, **hx
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    sr.refresh_from_db()
    assert (sr.status, sr.version) == (S.NEW, 2)
    assert not audit_events_for(sr).exists()


@pytest.mark.django_db
def test_illegal_transition_shows_a_message_next_to_the_form(client_for, make_sr, admin_user):
    sr = make_sr(status=S.CLOSED)
    response = client_for(admin_user).post(
        reverse("fulfillment:request-transition", args=[sr.number]), {"to": "in_progress", "version": 1}, **HX
    )
    assert response.status_code == 200
    assert "cannot move" in response.content.decode()
    response = client_for(admin_user).post(
        reverse("fulfillment:request-transition", args=[sr.number]), {"to": "nonsense", "version": "x"}
    )
    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "status"), [("teammate", 404), ("outsider", 404), ("manager", 404), ("owner", 403)])
def test_transition_refused_for_others(request, client_for, sr, who, status):
    response = client_for(request.getfixturevalue(who)).post(
        reverse("fulfillment:request-transition", args=[sr.number]), {"to": "in_progress", "version": 1}
    )
    assert response.status_code == status
    sr.refresh_from_db()
    assert sr.status == S.NEW


@pytest.mark.django_db
def test_agent_sets_priority_and_assignee(client_for, sr, agent, owner):
    url = reverse("fulfillment:request-work", args=[sr.number])
    response = client_for(agent).post(url, {"priority": "high", "assignee": "agent", "version": 1}, **HX)
    assert response.status_code == 200
    sr.refresh_from_db()
    assert (sr.priority, sr.assignee) == ("high", agent)
    assert client_for(owner).post(url, {"priority": "low", "assignee": "", "version": sr.version}).status_code == 403
    assert client_for(agent).post(url, {"priority": "low", "assignee": "", "version": 1}).status_code == 409


# --- comments, attachments, watchers ------------------------------------------------------------------


@pytest.mark.django_db
def test_comment_with_htmx_and_without(client_for, sr, owner):
    client = client_for(owner)
    url = reverse("fulfillment:comment-create", args=[sr.number])
    response = client.post(url, {"body": "Any news?"}, **HX)
    body = response.content.decode()
    assert (
        response.status_code == 200 and "<html" not in body and 'id="request-comments"' in body and "Any news?" in body
    )
    assert client.post(url, {"body": "Second"}).status_code == 302
    response = client.post(url, {"body": ""}, **HX)
    assert response.status_code == 200 and 'id="id_body_error"' in response.content.decode()
    assert sr.comments.count() == 2


@pytest.mark.django_db
def test_requester_cannot_post_internal_notes(client_for, sr, owner):
    client_for(owner).post(reverse("fulfillment:comment-create", args=[sr.number]), {"body": "x", "is_internal": "on"})
    assert not sr.comments.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "status"), [("teammate", 404), ("outsider", 404)])
def test_hidden_requests_take_no_comments(request, client_for, sr, who, status):
    url = reverse("fulfillment:comment-create", args=[sr.number])
    assert client_for(request.getfixturevalue(who)).post(url, {"body": "hi"}).status_code == status


@pytest.mark.django_db
def test_upload_and_download_access(client_for, sr, owner, agent, teammate, outsider, settings):
    url = reverse("fulfillment:attachment-create", args=[sr.number])
    response = client_for(owner).post(
        url, {"file": SimpleUploadedFile("shot.png", PNG, content_type="image/png")}, **HX
    )
    assert response.status_code == 200 and 'id="request-attachments"' in response.content.decode()
    attachment = sr.attachments.get()
    download = reverse("fulfillment:attachment-download", args=[sr.number, attachment.pk])
    for user in (owner, agent):
        response = client_for(user).get(download)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith('attachment; filename="shot.png"')
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == PNG
    for user in (teammate, outsider):
        assert client_for(user).get(download).status_code == 404
    other = ServiceRequestFactory(requester=owner, item=sr.item)
    wrong_request = reverse("fulfillment:attachment-download", args=[other.number, attachment.pk])
    assert client_for(owner).get(wrong_request).status_code == 404


@pytest.mark.django_db
def test_bad_upload_shows_the_error(client_for, sr, owner, teammate):
    url = reverse("fulfillment:attachment-create", args=[sr.number])
    response = client_for(owner).post(url, {"file": SimpleUploadedFile("x.html", b"<b>", content_type="text/html")})
    assert response.status_code == 200 and "not accepted" in response.content.decode()
    sr.watchers.add(teammate)
    response = client_for(teammate).post(url, {"file": SimpleUploadedFile("a.txt", b"x", content_type="text/plain")})
    assert response.status_code == 403
    assert not sr.attachments.exists()


@pytest.mark.django_db
def test_watchers_add_and_remove_themselves(client_for, sr, owner, teammate):
    add = reverse("fulfillment:watcher-add", args=[sr.number])
    response = client_for(owner).post(add, {"username": "teammate"}, **HX)
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert list(sr.watchers.all()) == [teammate]
    response = client_for(owner).post(add, {"username": "ghost"}, **HX)
    assert 'id="id_username_error"' in response.content.decode()
    remove = reverse("fulfillment:watcher-remove", args=[sr.number, teammate.pk])
    response = client_for(teammate).post(remove, **HX)
    assert response["HX-Redirect"] == reverse("fulfillment:request-mine")
    assert not sr.watchers.exists()
    assert client_for(teammate).get(detail_url(sr)).status_code == 404


@pytest.mark.django_db
def test_nul_bytes_and_junk_never_give_500(client_for, sr, owner, item):
    client = client_for(owner)
    assert client.get(reverse("fulfillment:request-mine"), {"item": "a\x00b", "status": "\x00"}).status_code == 200
    data = {"reason": "a\x00b", "sr-requested_for": "x\x00", "sr-priority": "normal"}
    assert client.post(reverse("fulfillment:request-create", args=["access-request"]), data).status_code == 200
    url = reverse("fulfillment:request-transition", args=[sr.number])
    response = client.post(url, {"to": "cancelled", "version": "1", "comment": "a\x00"})
    assert response.status_code == 400 and "comment" in response.content.decode()
    assert client.post(reverse("fulfillment:comment-create", args=[sr.number]), {"body": "\x00"}).status_code == 200
    assert not ServiceRequest.objects.exclude(pk=sr.pk).exists() and not sr.comments.exists()
