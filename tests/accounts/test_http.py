"""accounts.http.signed_in_user: the typed user of a view behind login."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject

from apps.accounts.http import signed_in_user


@pytest.mark.django_db
def test_the_signed_in_user_is_returned_as_is(owner):
    request = RequestFactory().get("/")
    request.user = SimpleLazyObject(lambda: owner)  # as AuthenticationMiddleware sets it
    assert signed_in_user(request).pk == owner.pk


def test_an_anonymous_caller_is_refused():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with pytest.raises(PermissionDenied):
        signed_in_user(request)
