"""apps.core.context_processors.navigation: base.html's links, reversed once per URL prefix."""

import pytest
from django.test import RequestFactory
from django.urls import reverse, set_script_prefix

from apps.core.context_processors import NAV_URL_NAMES, navigation


@pytest.mark.django_db
def test_the_navbar_links_are_the_reversed_url_names(client_for, admin_user):
    body = client_for(admin_user).get(reverse("fulfillment:request-mine")).content.decode()
    for name in NAV_URL_NAMES.values():
        assert f'"{reverse(name)}"' in body, name


def test_each_script_prefix_gets_its_own_links():
    request = RequestFactory().get("/")
    try:
        set_script_prefix("/steward/")
        prefixed = dict(navigation(request)["nav_urls"])
    finally:
        set_script_prefix("/")
    plain = dict(navigation(request)["nav_urls"])
    assert plain["mine"] == reverse("fulfillment:request-mine") and prefixed["mine"] == "/steward" + plain["mine"]
