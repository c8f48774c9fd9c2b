"""Fixtures of the fulfillment tests: requests in every situation, and files kept out of var/."""

import pytest

from apps.accounts.services import token_create
from tests.factories import CatalogItemFactory, UserFactory
from tests.fulfillment.factories import ServiceRequestFactory


@pytest.fixture
def sr(owner, item):
    """A new request filed by ``owner`` against ``item`` (fulfilled by ``desk_team``)."""
    return ServiceRequestFactory(requester=owner, item=item)


@pytest.fixture
def make_sr(owner, item):
    def make(**kwargs):
        kwargs.setdefault("requester", owner)
        kwargs.setdefault("item", item)
        return ServiceRequestFactory(**kwargs)

    return make


@pytest.fixture
def manager_item(desk_team):
    """An item that needs the requester's manager's approval."""
    return CatalogItemFactory(
        slug="laptop", name="Laptop", fulfilling_team=desk_team, approval_rule="requester_manager"
    )


@pytest.fixture
def approver(desk_team):
    """A manager (approve permission) in desk_team, the approval team of ``team_item``."""
    return UserFactory(username="approver", roles=["Managers"], member_of=[desk_team])


@pytest.fixture
def team_item(desk_team):
    return CatalogItemFactory(
        slug="prod-access",
        name="Production access",
        fulfilling_team=desk_team,
        approval_rule="team",
        approval_team=desk_team,
    )


@pytest.fixture
def api_token():
    """``api_token(user, scopes=[...], access="write")``: the key of a fresh token."""

    def make(user, *, scopes=("requests",), access="write"):
        return token_create(user=user, name="test", scopes=list(scopes), access=access)[1]

    return make
