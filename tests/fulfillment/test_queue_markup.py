"""The queue's markup comes from templates (Jinja2 rows and widgets, autoescaped): hostile text in any column or
filter value is shown as text, and each row carries the same links and buttons the page always had."""

import re
from html.parser import HTMLParser

import pytest
from django import forms
from django.forms import renderers
from django.http import QueryDict
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from apps.core.renderers import JINJA_WIDGETS
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.filters import RequestFilterSet
from tests.factories import CatalogItemFactory, UserFactory
from tests.fulfillment.factories import ServiceRequestFactory

QUEUE = "/requests/queue/"
PAYLOAD = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>"


class Rows(HTMLParser):
    """Each <tbody> row as {"link", "checkbox", "take" (formaction or None), "hx_take", "cells"}."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict] = []
        self.in_body = False
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append({"link": None, "checkbox": None, "take": None, "hx_take": None, "cells": []})
        elif self.in_body and tag == "td":
            self.cell = []
        elif self.in_body and tag == "a" and self.rows[-1]["link"] is None:
            self.rows[-1]["link"] = a.get("href")
        elif self.in_body and tag == "input" and a.get("type") == "checkbox":
            self.rows[-1]["checkbox"] = a.get("value")
        elif self.in_body and tag == "button":
            self.rows[-1]["take"], self.rows[-1]["hx_take"] = a.get("formaction"), a.get("hx-post")

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self.in_body = False
        elif tag == "td" and self.cell is not None:
            self.rows[-1]["cells"].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def parse_rows(html: str) -> list[dict]:
    parser = Rows()
    parser.feed(html)
    return parser.rows


@pytest.mark.django_db
def test_hostile_text_in_every_column_is_escaped(client_for, agent, desk_team):
    requester = UserFactory(username="evil", first_name=PAYLOAD, last_name="X")
    assignee = UserFactory(username="agent-x", roles=["Agents"], member_of=[desk_team])
    item = CatalogItemFactory(slug="evil-item", name=PAYLOAD, fulfilling_team=desk_team)
    ServiceRequestFactory(requester=requester, item=item, subject=PAYLOAD)
    ServiceRequestFactory(requester=requester, item=item, subject="plain", assignee=assignee)

    html = client_for(agent).get(QUEUE).content.decode()

    assert "<script>alert(1)" not in html and "<img src=x" not in html
    rows = parse_rows(html)
    assert len(rows) == 2
    subjects = {row["cells"][2] for row in rows}
    assert PAYLOAD in subjects  # shown as the text typed, not as markup
    assert all(row["cells"][3] == PAYLOAD for row in rows)
    assert all(row["cells"][4] == f"{PAYLOAD} X" for row in rows)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["q", "status", "priority", "item", "service", "assignee", "created_after", "view"])
def test_hostile_filter_values_are_escaped(client_for, agent, item, owner, name):
    ServiceRequestFactory(requester=owner, item=item)

    response = client_for(agent).get(QUEUE, {name: PAYLOAD})

    assert response.status_code in (200, 400)
    html = response.content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html


@pytest.mark.django_db
def test_rows_keep_their_links_checkboxes_and_take_buttons(client_for, agent, owner, item, desk_team):
    """The rows the template writes: a link to each request, its id.version checkbox, Take for the others'."""
    mine = ServiceRequestFactory(requester=owner, item=item, assignee=agent, subject="mine")
    others = ServiceRequestFactory(requester=owner, item=item, subject="unassigned")
    held = ServiceRequestFactory(requester=owner, item=item, subject="held", status=RequestStatus.ON_HOLD)

    rows = {row["link"]: row for row in parse_rows(client_for(agent).get(QUEUE).content.decode())}

    assert set(rows) == {f"/requests/{sr.number}/" for sr in (mine, others, held)}
    for sr in (mine, others, held):
        row = rows[f"/requests/{sr.number}/"]
        assert row["checkbox"] == f"{sr.pk}.{sr.version}"
        assert row["cells"][1] == sr.number and row["cells"][2] == sr.subject
    assert rows[f"/requests/{mine.number}/"]["take"] is None  # already theirs
    take = reverse("fulfillment:request-assign-me", args=[others.number])
    assert rows[f"/requests/{others.number}/"]["take"] == take == rows[f"/requests/{others.number}/"]["hx_take"]
    assert rows[f"/requests/{mine.number}/"]["cells"][5] == agent.username
    assert rows[f"/requests/{others.number}/"]["cells"][5] == "Unassigned"


@pytest.mark.django_db
def test_times_are_time_elements_in_the_viewers_zone(client_for, agent, owner, item):
    sr = ServiceRequestFactory(requester=owner, item=item)

    html = client_for(agent).get(QUEUE).content.decode()

    stamps = re.findall(r'<time datetime="([^"]+)">([^<]+)</time>', html)
    assert stamps, "the Updated column shows a <time> element"
    assert any(timezone.localtime(sr.updated_at).isoformat() == iso for iso, _ in stamps)


@pytest.mark.django_db
def test_filter_widgets_render_from_templates(client_for, agent, item, owner):
    ServiceRequestFactory(requester=owner, item=item)

    html = client_for(agent).get(QUEUE, {"q": "needle", "priority": "high"}).content.decode()

    assert re.search(r'<input type="search" name="q" value="needle"[^>]*data-live[^>]*>', html)
    assert re.search(r'<input type="checkbox" name="priority" value="high"[^>]*checked[^>]*>', html)  # a chip
    assert re.search(r'<input type="date" name="created_after"[^>]*>-<input type="date" name="created_before"', html)


class FieldKinds(forms.Form):
    """One field of each kind templates/includes/field.html distinguishes."""

    name = forms.CharField(help_text="Help <b>text</b>", max_length=5)
    agree = forms.BooleanField(label="I <agree>")
    colour = forms.ChoiceField(choices=[("r", "Red"), ("Warm", [("o", "Orange"), ("y", "Yellow")])], required=False)
    tags = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B"), ("c", "C")], required=False)


def squeeze(html: str) -> str:
    """Whitespace collapsed, and Django's spelling of escaped quotes written as markupsafe's (same characters)."""
    html = html.replace("&#x27;", "&#39;").replace("&quot;", "&#34;")
    return re.sub(r"\s+", " ", html).replace("> <", "><").strip()


@pytest.mark.parametrize("data", [None, {"name": "far too long", "colour": "o", "tags": ["a", "c"]}])
def test_jinja_select_writes_djangos_markup(data):
    """templates/jinja2/django/forms/widgets/select.html (options inline) against Django's own Jinja2 templates."""
    ours, djangos = FieldKinds(data, renderer=JINJA_WIDGETS), FieldKinds(data, renderer=renderers.Jinja2())
    for name in ("colour", "tags"):
        assert str(ours[name]) == str(djangos[name])


@pytest.mark.django_db
@pytest.mark.parametrize("data", [None, {"name": PAYLOAD, "status": PAYLOAD}])
def test_jinja_field_rows_match_the_django_include(agent, data):
    """templates/jinja2/includes/field.html (the queue's filters) against templates/includes/field.html."""
    request = RequestFactory().get(QUEUE)
    request.user = agent
    queue_form = RequestFilterSet(QueryDict(mutable=True) if data is None else _query(data), request=request).form
    django_row = engines["django"].from_string('{% include "includes/field.html" %}')
    macro = engines["jinja2"].env.from_string('{% from "includes/field.html" import field_row %}{{ field_row(f) }}')
    for form in (queue_form, FieldKinds(data)):
        form.renderer = JINJA_WIDGETS
        for field in form:
            assert squeeze(macro.render(f=field)) == squeeze(django_row.render({"field": field})), field.name


def _query(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    query.update(data)
    return query


@pytest.mark.django_db
def test_cached_filter_markup_is_each_viewers_own(client_for, agent, desk_team, item, owner):
    """views.queue.filters_html keeps the filters' markup by query, item choices and language: a second agent
    with other item choices gets their own, and asking again gives the same markup (values still escaped)."""
    from apps.catalog.choices import Audience

    hidden = CatalogItemFactory(slug="desk-only", name="Desk only", audience=Audience.TEAMS)
    hidden.audience_teams.add(desk_team)
    other_agent = UserFactory(username="agent-elsewhere", roles=["Agents"])
    ServiceRequestFactory(requester=owner, item=item)

    first = client_for(agent).get(QUEUE, {"q": PAYLOAD}).content.decode()
    again = client_for(agent).get(QUEUE, {"q": PAYLOAD}).content.decode()
    elsewhere = client_for(other_agent).get(QUEUE, {"q": PAYLOAD}).content.decode()

    def filters(html: str) -> str:
        return html[html.index('<form id="queue-filters"') : html.index("</form>", html.index('id="queue-filters"'))]

    assert filters(first) == filters(again)
    assert '<option value="desk-only">Desk only</option>' in filters(first)
    assert "desk-only" not in filters(elsewhere)
    assert "<script>alert(1)" not in again and "&lt;script&gt;alert(1)" in filters(again)
