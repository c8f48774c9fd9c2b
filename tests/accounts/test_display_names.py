"""People are shown through one display-name helper (apps.accounts.display): the ``|person`` filter in pages
(display name, username on hover), ``|person_text`` in emails and plain text, ``person(...)`` in the queue's
Jinja2 rows. This reads every template and refuses a person printed any other way."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines

from apps.accounts.display import name_of, person_html
from tests.factories import UserFactory

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# A variable whose last part names one of these is a person.
PERSON_WORDS = {
    "requester", "requested_for", "assignee", "actor", "author", "watcher", "approver", "decided_by",
    "created_by", "owner", "user", "person", "ci_actor", "manager",
}  # fmt: skip
HELPERS = ("person", "person_text", "person_named")
EXPRESSION = re.compile(r"\{\{\s*([\w.\"\[\]]+)\s*((?:\|[^}]*)?)\}\}")
HAND_MADE = re.compile(r"get_full_name|first_name|last_name")
# Templates of apps other helpers own, still to convert (the lead's list; it only shrinks).
PENDING: set[str] = set()
# Legitimately a username, not a name shown to people: the login name in the password-reset email.
USERNAME_ONLY = {"registration/password_reset_email.txt"}


def template_files() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in {".html", ".txt"})


def offences(path: Path) -> list[str]:
    text = path.read_text()
    found = []
    for match in EXPRESSION.finditer(text):
        variable, filters = match.group(1), match.group(2)
        last = re.split(r"[.\[\]\"]+", variable.strip(']"'))[-1]
        is_form_field = "form" in variable.split(".")[0]  # {{ bulk_form.assignee }} renders an input
        if last in PERSON_WORDS and not is_form_field and not filters.lstrip("|").startswith(HELPERS):
            found.append(match.group(0))
    if path.parts[-3:-1] != ("jinja2", "fulfillment") or "queue_rows" not in path.name:
        found += [m.group(0) for m in HAND_MADE.finditer(text)]
    return found


def test_every_template_shows_people_through_the_display_name_helper():
    bad = {}
    for path in template_files():
        name = str(path.relative_to(TEMPLATES))
        if name in PENDING or name in USERNAME_ONLY:
            continue
        if found := offences(path):
            bad[name] = found
    assert not bad, f"print people with |person (pages) or |person_text (emails): {bad}"


def test_the_pending_list_only_names_templates_that_still_need_it():
    for name in PENDING:
        path = TEMPLATES / name
        assert path.exists() and offences(path), f"{name} is converted: remove it from PENDING"


def test_the_check_catches_a_person_printed_directly(tmp_path):
    sample = tmp_path / "sample.html"
    sample.write_text('{{ sr.assignee|default:"nobody" }} {{ entry.actor|person }} {{ u.get_full_name }}')
    assert offences(sample) == ['{{ sr.assignee|default:"nobody" }}', "get_full_name"]


@pytest.mark.django_db
def test_the_filter_shows_the_display_name_with_the_username_on_hover():
    ada = UserFactory(username="ada", first_name="Ada", last_name="Lovelace <3")
    html = (
        engines["django"]
        .from_string("{{ u|person }}|{{ nobody|person:'Steward' }}|{{ u|person_text }}")
        .render({"u": ada, "nobody": None})
    )
    assert html == '<span class="person" title="ada">Ada Lovelace &lt;3</span>|Steward|Ada Lovelace &lt;3'
    assert name_of("bob", "", "") == "bob" and str(person_html("bob")) == '<span class="person" title="bob">bob</span>'
