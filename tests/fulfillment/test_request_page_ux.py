"""The request page as people meet it: buttons that say the action, moves that lose work confirmed with a
reason (required to reject), the requester's "We need your answer" with the page's one comment box, and a
breadcrumb back to where the user came from."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.core.selectors import audit_events_for
from apps.fulfillment import services
from apps.fulfillment.choices import RequestStatus, action_label
from apps.fulfillment.models import ServiceRequest

S = RequestStatus
HX = {"HTTP_HX_REQUEST": "true"}
pytestmark = pytest.mark.django_db


def transition(sr, **data):
    return reverse("fulfillment:request-transition", args=[sr.number]), {"version": sr.version, **data}


def test_buttons_say_the_action_not_the_state():
    assert action_label(S.IN_PROGRESS, S.FULFILLED) == "Mark fulfilled"
    assert action_label(S.FULFILLED, S.IN_PROGRESS) == "Reopen"
    assert action_label(S.ON_HOLD, S.IN_PROGRESS) == "Resume work"
    assert action_label(S.AWAITING_APPROVAL, S.APPROVED) == "Approve"


def test_pages_show_actions_and_confirmation_boxes(client_for, agent, owner, make_sr):
    sr = make_sr(status=S.IN_PROGRESS)
    body = client_for(agent).get(sr.get_absolute_url()).content.decode()
    assert ">Mark fulfilled</button>" in body and ">Fulfilled</button>" not in body
    assert 'id="confirm-on_hold"' in body and "What do you need from the requester?" in body
    body = client_for(owner).get(sr.get_absolute_url()).content.decode()
    assert 'id="confirm-cancelled"' in body and "Yes, cancel the request" in body
    assert "Cancel request…</summary>" in body


def test_the_requester_cancels_with_an_optional_reason(client_for, owner, sr):
    url, data = transition(sr, to=S.CANCELLED, comment="Found another way")
    response = client_for(owner).post(url, data)
    assert response.status_code == 302
    sr.refresh_from_db()
    assert sr.status == S.CANCELLED
    assert audit_events_for(sr).filter(verb="status_changed").get().data["comment"] == "Found another way"


def test_rejecting_without_a_reason_is_refused_and_the_box_stays_open(client_for, manager, make_sr, manager_item):
    sr = make_sr(item=manager_item, status=S.AWAITING_APPROVAL)
    url, data = transition(sr, to=S.REJECTED, comment=" ")
    body = client_for(manager).post(url, data, **HX).content.decode()
    assert "Give the reason for the rejection" in body
    assert 'id="confirm-rejected" open' in body
    sr.refresh_from_db()
    assert sr.status == S.AWAITING_APPROVAL


def test_a_rejection_reason_is_shown_to_the_requester(client_for, owner, manager, make_sr, manager_item):
    sr = make_sr(item=manager_item, status=S.AWAITING_APPROVAL)
    url, data = transition(sr, to=S.REJECTED, comment="No budget this quarter")
    client_for(manager).post(url, data)
    body = client_for(owner).get(sr.get_absolute_url()).content.decode()
    assert "No budget this quarter" in body


def test_bulk_rejection_needs_a_reason(agent, make_sr):
    sr = make_sr(status=S.AWAITING_APPROVAL)
    with pytest.raises(Exception, match="reason"):
        services.queue.request_bulk_transition(actor=agent, versions={sr.pk: sr.version}, to=S.REJECTED)


def test_a_request_waiting_on_its_requester_asks_at_the_top_with_one_comment_box(client_for, owner, agent, make_sr):
    sr = make_sr(status=S.IN_PROGRESS)
    services.request_transition(request=sr, to=S.ON_HOLD, actor=agent, comment="Which floor?")
    body = client_for(owner).get(sr.get_absolute_url()).content.decode()
    assert "We need your answer" in body and "Which floor?" in body
    assert body.count('name="body"') == 1
    assert body.index("We need your answer") < body.index('name="body"') < body.index("What was asked")
    # The agent sees no banner, and still one comment box.
    agent_body = client_for(agent).get(sr.get_absolute_url()).content.decode()
    assert "We need your answer" not in agent_body and agent_body.count('name="body"') == 1


def test_answering_reloads_the_page_so_the_banner_goes(client_for, owner, agent, make_sr):
    sr = make_sr(status=S.IN_PROGRESS)
    services.request_transition(request=sr, to=S.ON_HOLD, actor=agent, comment="Which floor?")
    response = client_for(owner).post(
        reverse("fulfillment:comment-create", args=[sr.number]), {"body": "Third floor"}, **HX
    )
    assert response["HX-Refresh"] == "true"
    sr.refresh_from_db()
    assert sr.status == S.IN_PROGRESS


@pytest.mark.parametrize(
    ("referer", "label", "href"),
    [
        ("/requests/queue/?q=printer&status=new", "Queue", "/requests/queue/?q=printer&amp;status=new"),
        ("/approvals/", "Approvals", "/approvals/"),
        ("/requests/", "My requests", "/requests/"),
    ],
)
def test_the_breadcrumb_follows_where_the_user_came_from(client_for, admin_user, sr, referer, label, href):
    body = client_for(admin_user).get(sr.get_absolute_url(), HTTP_REFERER=f"http://testserver{referer}").content
    assert f'<li class="breadcrumb-item"><a href="{href}">{label}</a></li>' in body.decode()


def test_without_a_referer_the_breadcrumb_is_the_viewers_list(client_for, owner, agent, sr):
    assert '<a href="/requests/queue/">Queue</a>' in client_for(agent).get(sr.get_absolute_url()).content.decode()
    assert '<a href="/requests/">My requests</a>' in client_for(owner).get(sr.get_absolute_url()).content.decode()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_filing_takes_a_description_and_attachments(client_for, owner, item):
    page = client_for(owner).get(reverse("fulfillment:request-create", args=[item.slug])).content.decode()
    assert 'enctype="multipart/form-data"' in page and "Anything else we should know?" in page
    response = client_for(owner).post(
        reverse("fulfillment:request-create", args=[item.slug]),
        {
            "reason": "Build logs",
            "sr-priority": "normal",
            "sr-description": "It broke after Monday's upgrade.",
            "sr-attachments": [SimpleUploadedFile("shot.png", PNG, content_type="image/png")],
        },
    )
    assert response.status_code == 302
    sr = ServiceRequest.objects.get(requester=owner)
    assert [a.filename for a in sr.attachments.all()] == ["shot.png"]
    assert sr.comments.get().body == "It broke after Monday's upgrade."


def test_a_bad_file_at_filing_files_nothing_and_says_which(client_for, owner, item):
    response = client_for(owner).post(
        reverse("fulfillment:request-create", args=[item.slug]),
        {
            "reason": "Build logs",
            "sr-priority": "normal",
            "sr-attachments": [SimpleUploadedFile("run.sh", b"#!/bin/sh", content_type="application/x-sh")],
        },
    )
    body = response.content.decode()
    assert response.status_code == 200 and "run.sh: This type of file is not accepted" in body
    assert not ServiceRequest.objects.filter(requester=owner).exists()
