"""The profile form says what is wrong with a too-long email address, instead of failing at save."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_too_long_email_address_says_so_and_keeps_the_rest(client_for, owner):
    address = "a" * 250 + "@example.com"
    response = client_for(owner).post(
        reverse("accounts:profile"), {"first_name": "Olga", "email": address, "timezone": "UTC"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "An email address has at most 254 characters (this one has 262)." in body
    assert 'value="Olga"' in body and "has-error" in body
    owner.refresh_from_db()
    assert owner.email != address
