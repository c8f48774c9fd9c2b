import datetime as dt

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory, override_settings
from django.utils import timezone

from apps.accounts.models import LoginFailure
from apps.accounts.throttling import LoginThrottled, client_ip, login_throttle_check

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("throttle_limits"),
]

IP = "192.0.2.10"


@pytest.fixture
def throttle_limits():
    with override_settings(STEWARD_LOGIN_WINDOW_SECONDS=900, STEWARD_LOGIN_SOFT_LIMIT=3, STEWARD_LOGIN_HARD_LIMIT=5):
        yield


def fail(username: str, ip: str = IP, *, seconds_ago: float = 0) -> None:
    failure = LoginFailure.objects.create(username=username, ip_address=ip)
    if seconds_ago:
        LoginFailure.objects.filter(pk=failure.pk).update(created_at=timezone.now() - dt.timedelta(seconds=seconds_ago))


def attempt(username: str, password: str, ip: str = IP):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR=ip)
    return authenticate(request, username=username, password=password)


def test_below_the_soft_limit_nothing_waits():
    for _ in range(2):
        fail("owner")
    login_throttle_check(username="owner", ip_address=IP)


def test_at_the_soft_limit_the_next_attempt_waits_one_second():
    for _ in range(3):
        fail("owner")
    with pytest.raises(LoginThrottled) as exc:
        login_throttle_check(username="owner", ip_address=None)
    assert exc.value.retry_after == 1
    assert "Try again in 1 second." in exc.value.message


def test_each_failure_past_the_soft_limit_doubles_the_wait():
    for _ in range(4):
        fail("owner")
    with pytest.raises(LoginThrottled) as exc:
        login_throttle_check(username="owner", ip_address=None)
    assert exc.value.retry_after == 2


def test_after_the_wait_the_attempt_is_allowed():
    for _ in range(4):
        fail("owner", seconds_ago=3)
    login_throttle_check(username="owner", ip_address=None)


def test_at_the_hard_limit_attempts_are_refused_until_failures_leave_the_window():
    for age in (800, 700, 600, 500, 400):
        fail("owner", seconds_ago=age)
    with pytest.raises(LoginThrottled) as exc:
        login_throttle_check(username="owner", ip_address=None)
    # The oldest failure (800 s ago) leaves the 900 s window in 100 s.
    assert 99 <= exc.value.retry_after <= 101
    later = timezone.now() + dt.timedelta(seconds=101)
    with pytest.raises(LoginThrottled):  # 4 left in the window: soft wait of 2 s is long over
        login_throttle_check(username="owner", ip_address=None, now=later - dt.timedelta(seconds=99))
    login_throttle_check(username="owner", ip_address=None, now=later)


def test_failures_outside_the_window_do_not_count():
    for _ in range(6):
        fail("owner", seconds_ago=1000)
    login_throttle_check(username="owner", ip_address=IP)


def test_user_names_are_counted_case_insensitively():
    for _ in range(5):
        fail("owner")
    with pytest.raises(LoginThrottled):
        login_throttle_check(username="OWNER", ip_address=None)


def test_one_address_guessing_many_user_names_is_throttled():
    for n in range(5):
        fail(f"victim{n}", ip="198.51.100.7")
    with pytest.raises(LoginThrottled):
        login_throttle_check(username="someone-new", ip_address="198.51.100.7")
    login_throttle_check(username="someone-new", ip_address=IP)


def test_backend_records_each_failure_by_user_name_and_address(owner):
    for _ in range(2):
        assert attempt("owner", "wrong") is None
    assert list(LoginFailure.objects.values_list("username", "ip_address")) == [("owner", IP)] * 2


def test_backend_slows_then_refuses_even_the_right_password(owner, password):
    for _ in range(3):
        assert attempt("owner", "wrong") is None
    assert attempt("owner", password) is None  # within the 1 s wait after the soft limit
    for _ in range(2):
        fail("owner", seconds_ago=60)
    assert attempt("owner", password) is None  # hard limit
    assert LoginFailure.objects.filter(username="owner").count() == 5  # refused attempts are not counted


def test_success_clears_the_user_names_failures_but_not_the_addresses(owner, password):
    attempt("owner", "wrong")
    fail("someone-else")
    assert attempt("owner", password) == owner
    assert not LoginFailure.objects.filter(username="owner").exists()
    assert LoginFailure.objects.filter(ip_address=IP).count() == 1


def test_service_account_cannot_log_in_with_a_password(owner_team):
    from apps.accounts.models import User

    robot = User.objects.create(username="robot", is_service_account=True, owner_team=owner_team)
    robot.set_password("anything-at-all")  # even a password set by hand must not work
    User.objects.filter(pk=robot.pk).update(password=robot.password)
    assert attempt("robot", "anything-at-all") is None
    robot.refresh_from_db()
    robot.save()
    assert not robot.has_usable_password()


@pytest.mark.parametrize(
    ("remote_addr", "expected"),
    [("203.0.113.5", "203.0.113.5"), ("::1", "::1"), ("", None), ("not-an-ip", None)],
)
def test_client_ip_comes_from_remote_addr(remote_addr, expected):
    request = RequestFactory().get("/", REMOTE_ADDR=remote_addr, HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == expected
