"""apps.automation.redaction: what agents read of errors and outputs loses every secret-looking value."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.automation.redaction import MASK, redact, redact_data


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        ("https://hooks.example.com/a/b?token=abc123&x=1 answered 500", "https://hooks.example.com/a/b?", "abc123"),
        ("https://user:pa55w0rd@host.example/x answered 401", "host.example/x", "pa55w0rd"),
        ("Authorization: Bearer abcdef123456 was refused", "was refused", "abcdef123456"),
        ("authorization=Basic dXNlcjpwYXNz", "authorization", "dXNlcjpwYXNz"),
        ("sent with bearer qwertyuiop1234", "sent with", "qwertyuiop1234"),
        ('{"password": "hunter2", "ticket": "EXT-1"}', '"ticket": "EXT-1"', "hunter2"),
        ("api_key=k-123&team=guild", "team=guild", "k-123"),
        ("X-Api-Key: abc.def", "X-Api-Key", "abc.def"),
        ("client_secret='xyz-42' rejected", "rejected", "xyz-42"),
        ("sig 0123456789abcdef0123456789abcdef01234567", "sig", "0123456789abcdef0123456789abcdef01234567"),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl here", "here", "eyJhbGciOiJIUzI1NiJ9"),
        ("token ghp_abcdefghijklmnopqrstuvwxyz0123 leaked", "leaked", "ghp_abcdefghijklmnopqrstuvwxyz0123"),
        ("aws AKIAABCDEFGHIJKLMNOP id", "aws", "AKIAABCDEFGHIJKLMNOP"),
        ("key Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MEFCQ0RFRg== used", "used", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MEFCQ0RFRg"),
        ("https://hooks.slack.com/services/T0A1B2C3/B0A1B2C3/aB3dE5fG7hJ9kL1mN3pQ5rS7", "hooks.slack.com", "aB3dE5fG"),
    ],
)
def test_known_secret_patterns_are_masked(text, kept, gone):
    redacted = redact(text)
    assert gone not in redacted and kept in redacted and MASK in redacted


@pytest.mark.parametrize(
    "text",
    [
        "Calling hooks.example.com failed: [Errno 111] Connection refused",
        "https://example.com/api/v1/Requests/SR-000301/ answered 404: not found",
        "No team 'platform-guild'.",
        "owner is a member of Guild.",
        "The assignee passed the design review",
    ],
)
def test_ordinary_text_is_left_readable(text):
    assert redact(text) == text


def test_the_given_secrets_are_masked_wherever_they_appear():
    assert redact("echo: s3cret-value!", secrets=["s3cret-value"]) == f"echo: {MASK}!"
    assert redact("short ab", secrets=["ab", ""]) == "short ab"  # too short to be a secret worth masking


def test_masking_twice_changes_nothing():
    once = redact("Authorization: Bearer abcdef123456 and https://a.example/?t=1 and password=x")
    assert redact(once) == once


def test_json_values_are_masked_by_key_and_by_content():
    data = {
        "status": 200,
        "url": "https://a.example/hook?sig=1",
        "response": {"token": "x", "nested": ["Bearer abcdefghijkl"], "assignee": "bob", "count": 3},
        "Api-Key": "k",
    }
    assert redact_data(data, secrets=[]) == {
        "status": 200,
        "url": f"https://a.example/hook?{MASK}",
        "response": {"token": MASK, "nested": [f"Bearer {MASK}"], "assignee": "bob", "count": 3},
        "Api-Key": MASK,
    }


@given(secret=st.text(alphabet=st.characters(categories=["L", "N", "P"]), min_size=4, max_size=40), noise=st.text())
def test_a_given_secret_never_survives(secret, noise):
    assert secret not in redact(f"{noise}{secret}{noise}", secrets=[secret]) or secret in MASK
