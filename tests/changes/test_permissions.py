"""apps.changes.permissions.team_ids: the teams a user acts for, read through accounts.selectors.team_ids_for."""

import pytest
from django.contrib.auth.models import AnonymousUser

from apps.accounts.models import User
from apps.accounts.selectors import team_ids_for
from apps.changes.models import Change
from apps.changes.permissions import can_see_change, team_ids
from tests.factories import TeamFactory, UserFactory


@pytest.mark.django_db
def test_team_ids_are_the_teams_a_person_belongs_to(owner, owner_team, other_team):
    assert team_ids(owner) == {owner_team.pk}


@pytest.mark.django_db
def test_a_service_account_acts_for_its_owner_team(pipeline, owner_team):
    assert team_ids(pipeline) == {owner_team.pk}


@pytest.mark.django_db
def test_anonymous_has_no_teams():
    assert team_ids(AnonymousUser()) == frozenset()


@pytest.mark.django_db
def test_a_team_only_managed_does_not_count_as_in_visible_to(make_change, other_service, outsider):
    lead = UserFactory(username="lead-only", roles=["End users"])
    other_service.owner_team.manager = lead
    other_service.owner_team.save(update_fields=["manager"])
    change = make_change(services=[other_service], requester=outsider)

    assert other_service.owner_team_id not in team_ids(lead)
    assert not Change.objects.visible_to(lead).filter(pk=change.pk).exists()
    assert not can_see_change(lead, Change.objects.prefetch_related("services").get(pk=change.pk))


@pytest.mark.django_db
def test_team_ids_share_the_accounts_read_of_the_request(owner, other_team, django_assert_num_queries):
    team_ids_for(owner)  # e.g. the fulfilment queue read them earlier in the same request
    with django_assert_num_queries(0):
        assert team_ids(owner) == team_ids_for(owner).member
    fresh = User.objects.get(pk=owner.pk)
    TeamFactory(slug="joined", name="Joined").memberships.create(user=fresh)
    assert len(team_ids(fresh)) == 2  # the next request (a new user object) reads again
