"""apps.core.precompiled: SQL compiled once, bound per use, refusing what would make it wrong."""

import pytest
from django.db.models.expressions import RawSQL

from apps.accounts.models import Membership, User
from apps.core.precompiled import Precompiled, PrecompileError
from apps.fulfillment.selectors.requests import request_detail_get_for
from tests.fulfillment.factories import ServiceRequestFactory


def _usernames(key, *, user_id, other_id):
    users = User.objects.filter(pk__in=[user_id, *([other_id] if other_id is not None else [])])
    return users.order_by("username") if key == "by-name" else users.order_by("-username")


@pytest.mark.django_db
def test_each_use_binds_its_own_ids_into_the_sql_built_once(owner, teammate, outsider, django_assert_num_queries):
    builds = []
    read = Precompiled(lambda key, **ids: builds.append(key) or _usernames(key, **ids))
    with django_assert_num_queries(1):
        assert [u.username for u in read("by-name", user_id=owner.pk, other_id=teammate.pk)] == ["owner", "teammate"]
    with django_assert_num_queries(1):
        assert [u.username for u in read("by-name", user_id=outsider.pk, other_id=owner.pk)] == ["outsider", "owner"]
    assert builds == ["by-name"]
    # The key and an id given as None are shapes of their own.
    assert [u.username for u in read("by-name-desc", user_id=owner.pk, other_id=teammate.pk)] == ["teammate", "owner"]
    assert [u.username for u in read("by-name", user_id=teammate.pk, other_id=None)] == ["teammate"]
    assert builds == ["by-name", "by-name-desc", "by-name"]


@pytest.mark.django_db
def test_a_shape_that_matches_nothing_reads_nothing(owner, django_assert_num_queries):
    read = Precompiled(lambda key, *, user_id: User.objects.filter(pk=user_id, username__in=[]))
    with django_assert_num_queries(0):
        assert list(read(None, user_id=owner.pk)) == []


@pytest.mark.django_db
def test_a_precompiled_queryset_refuses_to_be_refined(owner):
    read = Precompiled(_usernames)
    with pytest.raises(TypeError, match="cannot be refined"):
        read("by-name", user_id=owner.pk, other_id=None).filter(is_staff=True)


@pytest.mark.django_db
def test_a_build_that_runs_a_query_or_writes_an_id_into_the_sql_is_refused(owner):
    def queries(key, *, user_id):
        teams = list(Membership.objects.filter(user_id=user_id).values_list("team_id", flat=True))
        return User.objects.filter(memberships__team_id__in=teams)

    def inlines(key, *, user_id):
        return User.objects.annotate(me=RawSQL(f"SELECT {user_id}", ()))  # noqa: S611  # the mistake under test

    with pytest.raises(PrecompileError, match="must not run queries"):
        list(Precompiled(queries)(None, user_id=owner.pk))
    with pytest.raises(PrecompileError, match="written into the SQL"):
        list(Precompiled(inlines)(None, user_id=owner.pk))


@pytest.mark.django_db
def test_request_detail_read_keeps_each_users_visibility(owner, teammate, agent, item, admin_user):
    mine = ServiceRequestFactory(requester=owner, item=item)
    theirs = ServiceRequestFactory(requester=teammate, item=item)
    # owner and teammate share the compiled SQL (same permissions); each sees only their own request.
    assert request_detail_get_for(owner, mine.pk) == mine
    assert request_detail_get_for(teammate, mine.pk) is None
    assert request_detail_get_for(teammate, theirs.pk) == theirs
    assert request_detail_get_for(owner, theirs.pk) is None
    # The fulfilling team's agent and a superuser see both, with the agent's membership read in the same query.
    agent_view = request_detail_get_for(agent, mine.pk)
    assert agent_view == mine and agent_view.__dict__["_viewer_in_team"] is True
    assert request_detail_get_for(admin_user, theirs.pk) == theirs


@pytest.mark.django_db
def test_inlined_constants_leave_only_the_ids_as_parameters_on_postgresql(owner, teammate, django_assert_num_queries):
    """The build's constants (a status, a text with a quote and a percent sign) become SQL literals; the ids stay
    parameters, and the rows are those of the same query compiled as usual."""
    from django.db import connection

    def build(key, *, user_id):
        odd = "it's 100% odd"
        return User.objects.filter(pk=user_id, is_active=True).exclude(username=odd).exclude(username__startswith="%")

    inlined, plain = Precompiled(build, inline_constants=True), Precompiled(build)
    for user in (owner, teammate):
        with django_assert_num_queries(1) as captured:
            assert [u.username for u in inlined(None, user_id=user.pk)] == [user.username]
        assert [u.username for u in plain(None, user_id=user.pk)] == [user.username]
    sql = captured.captured_queries[0]["sql"]
    compiled = next(iter(inlined._compiled.values()))
    if connection.vendor == "postgresql":
        assert "'it''s 100% odd'" in sql and "LIKE '\\%%'" in sql  # LIKE: an escaped % then the wildcard
        assert len(compiled.params) == 1  # the id alone
    else:  # SQLite prepares nothing: its SQL keeps every parameter
        assert len(compiled.params) > 1
