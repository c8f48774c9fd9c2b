import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.accounts.models import ApiToken, Membership
from apps.accounts.services import profile_update, team_join, token_create, token_revoke
from apps.core.selectors import audit_events_for
from tests.accounts.factories import make_token
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def test_token_create_audits_without_the_key(owner):
    token, key = token_create(user=owner, name=" ci ", scopes=["requests", "requests"], access="read")
    assert token.name == "ci"
    assert token.scopes == ["requests"]
    event = audit_events_for(token).get()
    assert (event.verb, event.actor) == ("token_created", owner)
    assert key not in str(event.data)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"scopes": ["nope"]}, "scopes"),
        ({"scopes": []}, "scopes"),
        ({"access": "admin"}, "access"),
        ({"name": "  "}, "name"),
        ({"expires_at": dt.datetime(2000, 1, 1, tzinfo=dt.UTC)}, "expires_at"),
    ],
)
def test_token_create_refuses_bad_input_by_field(owner, kwargs, field):
    args = {"user": owner, "name": "x", "scopes": ["requests"], "access": "read", **kwargs}
    with pytest.raises(ValidationError) as exc:
        token_create(**args)
    assert field in exc.value.message_dict
    assert not ApiToken.objects.exists()


def test_token_revoke_is_idempotent(owner):
    token, _ = make_token(owner)
    token_revoke(token=token, actor=owner)
    first = token.revoked_at
    token_revoke(token=token, actor=owner)
    assert token.revoked_at == first
    assert token.status == "revoked"
    assert audit_events_for(token).filter(verb="token_revoked").count() == 1


def test_token_status(owner):
    token, _ = make_token(owner, expires_at=timezone.now() + dt.timedelta(minutes=1))
    assert token.status == "active"
    token.expires_at = timezone.now() - dt.timedelta(seconds=1)
    assert token.status == "expired"


def test_profile_update_records_changed_fields_only(owner):
    profile_update(user=owner, actor=owner, first_name="Ada", last_name="", email=owner.email, timezone="UTC")
    event = audit_events_for(owner).get(verb="profile_updated")
    assert event.data == {"fields": ["first_name"]}
    profile_update(user=owner, actor=owner, first_name="Ada", last_name="", email=owner.email, timezone="UTC")
    assert audit_events_for(owner).filter(verb="profile_updated").count() == 1


def test_profile_update_refuses_unknown_time_zone(owner):
    with pytest.raises(ValidationError):
        profile_update(user=owner, actor=owner, first_name="", last_name="", email="", timezone="Nowhere/Land")
    owner.refresh_from_db()
    assert owner.timezone == "UTC"


def test_team_join_is_idempotent_and_audited(owner):
    guild = TeamFactory(slug="platform-guild", name="Platform guild", joinable=True)
    first = team_join(team=guild, user=owner, actor=None)
    again = team_join(team=guild, user=owner, actor=None)
    assert first.pk == again.pk
    assert Membership.objects.filter(team=guild, user=owner).count() == 1
    assert audit_events_for(guild).filter(verb="member_joined").count() == 1


def test_team_join_refuses_a_team_that_is_not_joinable(owner, other_team):
    with pytest.raises(ValidationError) as exc:
        team_join(team=other_team, user=owner, actor=owner)
    assert "team" in exc.value.message_dict
    assert not Membership.objects.filter(team=other_team, user=owner).exists()
