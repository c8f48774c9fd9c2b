"""accounts.selectors.team_ids_for: the one reader (and cache) of a user's team ids."""

import pytest
from django.contrib.auth.models import AnonymousUser

from apps.accounts.models import Membership, User
from apps.accounts.selectors import NO_TEAMS, team_ids_for
from tests.factories import TeamFactory


@pytest.mark.django_db
def test_members_and_managers_teams_come_in_one_query(manager, owner_team, other_team, django_assert_num_queries):
    led = TeamFactory(name="Led only", slug="led-only", manager=manager)
    with django_assert_num_queries(1):
        ids = team_ids_for(manager)
    assert ids.member == {owner_team.pk}
    assert ids.managed == {owner_team.pk, led.pk}  # the manager fixture both leads and belongs to owner_team
    assert other_team.pk not in ids.member | ids.managed


@pytest.mark.django_db
def test_the_answer_is_kept_on_that_user_object_only(owner, other_team, django_assert_num_queries):
    first = team_ids_for(owner)
    Membership.objects.create(user=owner, team=other_team)
    with django_assert_num_queries(0):
        assert team_ids_for(owner) == first  # same request, same object: read once
    fresh = User.objects.get(pk=owner.pk)  # the next request loads a new user object
    assert other_team.pk in team_ids_for(fresh).member


@pytest.mark.django_db
def test_anonymous_and_unsaved_users_have_no_teams_without_a_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert team_ids_for(AnonymousUser()) == NO_TEAMS
        assert team_ids_for(User(username="unsaved")) == NO_TEAMS
