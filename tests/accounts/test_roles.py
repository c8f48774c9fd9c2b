import pytest
from django.contrib.auth.models import Group, Permission

from apps.accounts.choices import Role
from tests.factories import UserFactory


def _codenames(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


@pytest.mark.django_db
def test_migration_creates_the_four_role_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {role.value for role in Role}


@pytest.mark.django_db
def test_end_users_have_no_permissions():
    assert _codenames(Role.END_USER) == set()


@pytest.mark.django_db
def test_agents_work_requests_and_view_catalog_and_fulfillment():
    perms = _codenames(Role.AGENT)
    assert "fulfillment.work_servicerequest" in perms
    assert "fulfillment.approve_servicerequest" not in perms
    assert {"fulfillment.view_servicerequest", "catalog.view_catalogitem", "catalog.view_service"} <= perms
    assert not any(p.split(".")[1].startswith(("add_", "change_", "delete_")) for p in perms)


@pytest.mark.django_db
def test_managers_approve_and_share_the_agents_view_permissions():
    perms = _codenames(Role.MANAGER)
    assert "fulfillment.approve_servicerequest" in perms
    assert "fulfillment.work_servicerequest" not in perms
    views = {p for p in _codenames(Role.AGENT) if ".view_" in p}
    assert views <= perms


@pytest.mark.django_db
def test_administrators_have_every_permission():
    assert Group.objects.get(name=Role.ADMINISTRATOR).permissions.count() == Permission.objects.count()


@pytest.mark.django_db
def test_role_membership_grants_the_permission():
    agent = UserFactory(roles=["Agents"])
    manager = UserFactory(roles=["Managers"])
    assert agent.has_perm("fulfillment.work_servicerequest")
    assert manager.has_perm("fulfillment.approve_servicerequest")
    assert not agent.has_perm("fulfillment.approve_servicerequest")
