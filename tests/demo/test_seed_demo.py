"""seed_demo: the demo organisation, catalog and request history, idempotent and refused in production."""

import random
import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

from apps.accounts.models import ApiToken, Membership, Team, User
from apps.catalog.formdefs import clean_answers
from apps.catalog.models import CatalogItem, Category, FormVersion, Service
from apps.changes.models import Change, ChangeApproval, PolicyRule, RiskPolicy, StandardChangeTemplate, Window
from apps.core.models import AuditEvent
from apps.demo import data
from apps.demo.answers import AnswerPools, sample_answers
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import Comment, ServiceRequest

MODELS = [
    Team,
    User,
    Membership,
    Group,
    Category,
    Service,
    CatalogItem,
    FormVersion,
    ServiceRequest,
    Comment,
    AuditEvent,
    ApiToken,
    RiskPolicy,
    PolicyRule,
    Window,
    StandardChangeTemplate,
    Change,
    ChangeApproval,
]


def snapshot() -> dict[str, object]:
    counts: dict[str, object] = {model.__name__: model.objects.count() for model in MODELS}
    counts["passwords"] = sorted(User.objects.values_list("username", "password"))
    counts["items"] = sorted(CatalogItem.objects.values_list("slug", "updated_at", "current_form_id"))
    return counts


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing_and_covers_every_status(settings):
    # The defaults are 300 and 200; fewer keep the test quick and still cover all. The CI token file written by
    # the first run still holds a valid token, so the second run keeps it (tests/demo/test_seed_changes.py).
    call_command("seed_demo", requests=80, changes=40)
    first = snapshot()
    call_command("seed_demo", requests=80, changes=40)

    assert snapshot() == first
    assert ServiceRequest.objects.count() == 80
    statuses = set(ServiceRequest.objects.values_list("status", flat=True))
    assert statuses == set(RequestStatus.values)
    assert Comment.objects.exists()
    assert ServiceRequest.objects.filter(requester__username="requester").count() >= len(RequestStatus.values)


@pytest.mark.django_db
def test_seed_demo_creates_the_raci_teams_and_a_joinable_guild():
    call_command("seed_demo", requests=0, changes=0)

    teams = {team.slug: team for team in Team.objects.all()}
    assert {"product-teams", "sre", "platform", "service-desk", "platform-guild"} <= set(teams)
    assert [slug for slug, team in teams.items() if team.joinable] == ["platform-guild"]
    assert teams["service-desk"].timezone == "Europe/Paris"
    assert teams["product-teams"].manager.username == "manager"


@pytest.mark.django_db
@pytest.mark.parametrize("username", data.DEMO_LOGINS)
def test_demo_users_log_in_with_the_demo_password(settings, username):
    settings.STEWARD_DEMO_PASSWORD = "demo-pass-for-tests"
    call_command("seed_demo", requests=0, changes=0)

    assert Client().login(username=username, password="demo-pass-for-tests")


@pytest.mark.django_db
def test_demo_people_have_their_roles_and_teams():
    call_command("seed_demo", requests=0, changes=0)

    requester, agent, manager, admin = (User.objects.get(username=name) for name in data.DEMO_LOGINS)
    assert requester.primary_team.slug == "product-teams"
    assert requester.groups.filter(name="End users").exists()
    assert set(agent.teams.values_list("slug", flat=True)) == {"service-desk", "platform"}
    assert agent.has_perm("fulfillment.work_servicerequest")
    assert manager.has_perm("fulfillment.approve_servicerequest")
    assert set(manager.managed_teams.values_list("slug", flat=True)) >= {"product-teams", "service-desk"}
    assert admin.is_superuser and admin.is_staff and admin.groups.filter(name="Administrators").exists()
    robot = User.objects.get(username="ci-pipeline")
    assert robot.is_service_account and robot.owner_team.slug == "platform" and not robot.has_usable_password()
    assert User.objects.filter(is_service_account=False).count() >= 20


@pytest.mark.django_db
def test_join_team_asks_for_one_joinable_team():
    call_command("seed_demo", requests=0, changes=0)

    item = CatalogItem.objects.get(slug="join-team")
    fields = item.current_form.definition["fields"]
    assert [(f["name"], f["type"], f["required"], f.get("joinable_only")) for f in fields] == [
        ("team", "team", True, True)
    ]
    assert item.fulfilment_mode == "automated" and item.automation_action == "join-team"
    assert item.status == "published"


@pytest.mark.django_db
def test_catalog_covers_every_field_type_approval_rule_and_audience():
    call_command("seed_demo", requests=0, changes=0)

    items = list(CatalogItem.objects.select_related("current_form"))
    specs = [spec for item in items for spec in item.current_form.definition["fields"]]
    assert {spec["type"] for spec in specs} == {
        "text", "long_text", "choice", "multi_choice", "date", "number", "boolean", "user", "team"
    }  # fmt: skip
    vpn = CatalogItem.objects.get(slug="vpn-access")
    assert any("show_if" in spec for spec in vpn.current_form.definition["fields"])
    assert {item.approval_rule for item in items} == {"none", "requester_manager", "team"}
    assert {item.status for item in items} == {"published", "draft"}
    assert sum(item.audience == "teams" for item in items) >= 2
    assert len(items) >= 20 and Service.objects.count() >= 8


@pytest.mark.django_db
def test_sample_answers_fit_every_form():
    call_command("seed_demo", requests=0, changes=0)
    pools = AnswerPools(
        usernames=["requester", "agent"], team_slugs=["sre", "platform"], joinable_slugs=["platform-guild"]
    )
    rng = random.Random(5)

    for item in CatalogItem.objects.select_related("current_form"):
        for _ in range(25):
            definition = item.current_form.definition
            assert clean_answers(definition, sample_answers(definition, rng, pools))


def test_examples_match_their_fields_regex():
    for item in data.ITEMS.values():
        for spec in item["form"]:
            if "regex" in spec:
                examples = data.TEXT_EXAMPLES[spec["name"]]
                assert all(re.fullmatch(spec["regex"], example) for example in examples), spec["name"]


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_refused_when_debug_is_off_unless_forced():
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")
    assert not Team.objects.filter(slug="platform-guild").exists()

    call_command("seed_demo", "--force", requests=0, changes=0)
    assert Team.objects.filter(slug="platform-guild").exists()


@pytest.mark.django_db
def test_seed_demo_gives_the_desk_holidays_and_canned_replies_once():
    from apps.accounts.models import TeamHoliday
    from apps.fulfillment.models import CannedReply

    call_command("seed_demo", requests=0, changes=0)
    call_command("seed_demo", requests=0, changes=0)

    assert TeamHoliday.objects.filter(team__slug="service-desk", name="Christmas Day").count() == 1
    assert CannedReply.objects.filter(team__slug="service-desk").count() == 3
