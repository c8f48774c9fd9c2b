"""seed_scale: many requests in bulk, with answers that fit their form version."""

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Max, Min
from django.test import override_settings

from apps.accounts.models import Team
from apps.catalog.formdefs import clean_answers
from apps.core.models import AuditEvent
from apps.fulfillment.models import ServiceRequest


@pytest.mark.django_db
def test_seed_scale_writes_requests_whose_answers_fit_their_form():
    call_command("seed_scale", requests=500, batch=200, users=60, teams=6)

    requests = list(ServiceRequest.objects.select_related("form_version", "item"))
    assert len(requests) == 500
    for sr in requests:
        assert sr.form_version.item_id == sr.item_id
        assert clean_answers(sr.form_version.definition, sr.answers) == sr.answers
        assert sr.team_id == sr.item.fulfilling_team_id
    assert len({sr.status for sr in requests}) >= 6
    span = ServiceRequest.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert (span["last"] - span["first"]).days > 365
    assert not AuditEvent.objects.filter(target_type="fulfillment.servicerequest").exists()


@pytest.mark.django_db
def test_busiest_team_holds_about_a_tenth():
    call_command("seed_scale", requests=2000, users=80, teams=40)

    busiest = ServiceRequest.objects.values("team").annotate(n=Count("id")).order_by("-n").first()
    assert Team.objects.get(pk=busiest["team"]).slug == "service-desk"
    assert 0.07 <= busiest["n"] / 2000 <= 0.14


@pytest.mark.django_db
def test_a_second_run_adds_requests_but_no_people_or_teams():
    call_command("seed_scale", requests=10, users=30, teams=3)
    teams = Team.objects.count()
    call_command("seed_scale", requests=10, users=30, teams=3)

    assert ServiceRequest.objects.count() == 20
    assert Team.objects.count() == teams


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_seed_scale_is_refused_when_debug_is_off():
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_scale", requests=5)


@pytest.mark.django_db
def test_seed_demo_after_seed_scale_still_files_its_history():
    call_command("seed_scale", requests=50, users=30, teams=3)
    call_command("seed_demo", requests=15)

    assert ServiceRequest.objects.count() == 65
