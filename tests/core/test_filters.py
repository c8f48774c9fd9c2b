"""apps.core.filters.FormOnceFilterSet: the filter form's class is built once, and choices that depend on the
request (the catalog items a user may see) are still each request's own."""

import pytest
from django.http import QueryDict
from django.test import RequestFactory

from apps.catalog.choices import Audience
from apps.fulfillment.filters import RequestFilterSet
from apps.fulfillment.models import ServiceRequest
from tests.factories import CatalogItemFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def filterset_for(user, **params: str) -> RequestFilterSet:
    request = RequestFactory().get("/requests/mine/", params)
    request.user = user
    data = QueryDict(mutable=True)
    data.update(params)
    return RequestFilterSet(data, queryset=ServiceRequest.objects.all(), request=request)


@pytest.fixture
def insider_and_outsider():
    insiders = TeamFactory(slug="insiders")
    hidden = CatalogItemFactory(slug="hidden-item", audience=Audience.TEAMS)
    hidden.audience_teams.add(insiders)
    CatalogItemFactory(slug="public-item")
    return UserFactory(member_of=[insiders]), UserFactory()


def test_the_form_class_is_built_once_per_filterset_class(insider_and_outsider):
    insider, outsider = insider_and_outsider
    first, second = filterset_for(insider).form, filterset_for(outsider).form

    assert type(first) is type(second)
    assert first.fields["item"] is not second.fields["item"]  # each form has its own copies
    shared = type(first).base_fields["item"].queryset
    assert not shared.exists()  # the shared class keeps no user's choices


def test_item_choices_are_each_requests_own(insider_and_outsider):
    insider, outsider = insider_and_outsider
    insider_slugs = set(filterset_for(insider).form.fields["item"].queryset.values_list("slug", flat=True))
    outsider_slugs = set(filterset_for(outsider).form.fields["item"].queryset.values_list("slug", flat=True))
    insider_again = set(filterset_for(insider).form.fields["item"].queryset.values_list("slug", flat=True))

    assert {"hidden-item", "public-item"} <= insider_slugs
    assert "hidden-item" not in outsider_slugs and "public-item" in outsider_slugs
    assert insider_again == insider_slugs


def test_an_item_the_user_may_not_see_is_refused(insider_and_outsider):
    insider, outsider = insider_and_outsider
    assert filterset_for(insider, item="hidden-item").is_valid()

    refused = filterset_for(outsider, item="hidden-item")

    assert not refused.is_valid()
    assert "item" in refused.errors


def test_widget_classes_are_set_on_every_form(insider_and_outsider):
    insider, _ = insider_and_outsider
    form = filterset_for(insider).form
    assert form.fields["view"].widget.attrs["class"] == "form-select"
    assert form.fields["q"].widget.attrs["class"] == "form-control"
    assert all(sub.attrs["class"] == "form-control" for sub in form.fields["created"].widget.widgets)
