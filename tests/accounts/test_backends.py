"""The signed-in user is read with their permissions in one query (accounts.backends.ThrottledModelBackend.get_user):
the same answers as Django's ModelBackend, never stale, and no query for the navbar's or the views' checks."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from apps.accounts.backends import ThrottledModelBackend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
WORK = "fulfillment.work_servicerequest"


def permission(codename: str) -> Permission:
    return Permission.objects.get(codename=codename)


def django_sets(user_id: int) -> tuple[set[str], set[str]]:
    """What Django's own backend reads, with its own queries, for a fresh copy of the user."""
    fresh = get_user_model().objects.get(pk=user_id)
    return ModelBackend().get_user_permissions(fresh), ModelBackend().get_group_permissions(fresh)


def test_user_and_group_permissions_match_django_in_one_query(django_assert_num_queries):
    user = UserFactory(roles=["Agents", "Managers"])
    user.user_permissions.add(permission("add_savedfilter"))
    own, groups = django_sets(user.pk)
    assert "fulfillment.add_savedfilter" in own and WORK in groups

    with django_assert_num_queries(1):
        loaded = ThrottledModelBackend().get_user(user.pk)
        assert loaded.get_user_permissions() == own
        assert loaded.get_group_permissions() == groups
        assert loaded.get_all_permissions() == own | groups
        assert loaded.has_perm(WORK) and loaded.has_module_perms("fulfillment")
        assert not loaded.has_perm("accounts.delete_user")


def test_a_user_without_permissions_has_empty_sets(django_assert_num_queries):
    user = UserFactory()
    with django_assert_num_queries(1):
        loaded = ThrottledModelBackend().get_user(user.pk)
        assert loaded.get_all_permissions() == set()
        assert not loaded.has_perm(WORK)


def test_role_changes_show_on_the_next_request(client_for):
    """Nothing is kept between requests: granting or revoking a role takes effect on the next page."""
    user = UserFactory()
    client = client_for(user)
    queue = reverse("fulfillment:queue")
    assert client.get(queue).status_code == 403

    agents = Group.objects.get(name="Agents")
    user.groups.add(agents)
    assert client.get(queue).status_code == 200

    agents.permissions.remove(permission("work_servicerequest"))
    assert client.get(queue).status_code == 403


def test_superusers_keep_djangos_answers():
    admin = UserFactory(is_superuser=True)
    loaded = ThrottledModelBackend().get_user(admin.pk)
    assert loaded.has_perm(WORK)
    assert loaded.get_all_permissions() == {
        f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.all()
    }


def test_inactive_and_unknown_users_are_not_signed_in():
    inactive = UserFactory(is_active=False)
    assert ThrottledModelBackend().get_user(inactive.pk) is None
    assert ThrottledModelBackend().get_user(inactive.pk + 1000) is None
