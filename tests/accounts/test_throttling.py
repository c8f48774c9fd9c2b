"""Login throttling: per (user name, address) pair and per address, counted atomically."""

import datetime as dt
import threading

import pytest
from django.contrib.auth import authenticate
from django.db import connection
from django.test import RequestFactory, override_settings
from django.utils import timezone

from apps.accounts.models import LoginThrottle
from apps.accounts.throttling import (
    LoginThrottled,
    client_ip,
    login_attempt_begin,
    login_throttle_check,
    login_throttle_purge,
)
from tests.accounts.factories import fail_logins

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("throttle_limits")]

IP = "192.0.2.10"
OTHER_IP = "198.51.100.7"


@pytest.fixture
def throttle_limits():
    with override_settings(
        STEWARD_LOGIN_WINDOW_SECONDS=900,
        STEWARD_LOGIN_SOFT_LIMIT=3,
        STEWARD_LOGIN_HARD_LIMIT=5,
        STEWARD_LOGIN_ADDRESS_SOFT_LIMIT=6,
        STEWARD_LOGIN_ADDRESS_HARD_LIMIT=8,
    ):
        yield


def attempt(username: str, password: str, ip: str = IP):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR=ip)
    return authenticate(request, username=username, password=password)


def failures(key: str) -> int:
    row = LoginThrottle.objects.filter(key=key).first()
    return row.failures if row else 0


def test_below_the_soft_limit_nothing_waits():
    fail_logins("owner", IP, 2)
    login_throttle_check(username="owner", ip_address=IP)


def test_at_the_soft_limit_the_next_attempt_waits_one_second():
    fail_logins("owner", IP, 3)
    with pytest.raises(LoginThrottled) as exc:
        login_throttle_check(username="owner", ip_address=IP)
    assert exc.value.retry_after == 1
    assert "Try again in 1 second." in exc.value.message


def test_each_failure_past_the_soft_limit_doubles_the_wait():
    fail_logins("owner", IP, 4)
    with pytest.raises(LoginThrottled) as exc:
        login_throttle_check(username="owner", ip_address=IP)
    assert exc.value.retry_after == 2


def test_after_the_wait_the_attempt_is_allowed():
    fail_logins("owner", IP, 4, last_at=timezone.now() - dt.timedelta(seconds=3))
    login_throttle_check(username="owner", ip_address=IP)


def test_at_the_hard_limit_attempts_are_refused_until_the_window_has_passed():
    fail_logins("owner", IP, 5)  # a minute apart: the window started 4 minutes ago
    with pytest.raises(LoginThrottled) as exc:
        login_throttle_check(username="owner", ip_address=IP)
    assert 659 <= exc.value.retry_after <= 661
    later = timezone.now() + dt.timedelta(seconds=661)
    login_throttle_check(username="owner", ip_address=IP, now=later)
    login_attempt_begin(username="owner", ip_address=IP, now=later)  # a new window, counting from 1
    assert failures(f"pair:{IP}:owner") == 1


def test_a_flood_from_one_address_does_not_lock_the_user_out_elsewhere(owner, password):
    fail_logins("owner", OTHER_IP, 5)
    with pytest.raises(LoginThrottled):
        login_throttle_check(username="owner", ip_address=OTHER_IP)
    assert attempt("owner", password, ip=IP) == owner


def test_user_names_are_counted_case_insensitively():
    fail_logins("owner", IP, 5)
    with pytest.raises(LoginThrottled):
        login_throttle_check(username="OWNER", ip_address=IP)


def test_one_address_guessing_many_user_names_meets_the_higher_address_limit():
    start = timezone.now() - dt.timedelta(minutes=10)
    for n in range(8):  # one guess per user name: no pair reaches its limit
        fail_logins(f"victim{n}", OTHER_IP, 1, last_at=start + dt.timedelta(minutes=n))
    with pytest.raises(LoginThrottled):
        login_throttle_check(username="someone-new", ip_address=OTHER_IP)
    login_throttle_check(username="someone-new", ip_address=IP)


def test_address_limits_are_higher_than_a_pairs():
    start = timezone.now() - dt.timedelta(minutes=10)
    for n in range(5):
        fail_logins(f"victim{n}", OTHER_IP, 1, last_at=start + dt.timedelta(minutes=n))
    login_throttle_check(username="someone-new", ip_address=OTHER_IP)  # 5 reach a pair's hard limit, not this


def test_backend_counts_each_failure_per_pair_and_address(owner):
    for _ in range(2):
        assert attempt("owner", "wrong") is None
    assert failures(f"pair:{IP}:owner") == 2
    assert failures(f"addr:{IP}") == 2


def test_backend_slows_then_refuses_even_the_right_password(owner, password):
    for _ in range(3):
        assert attempt("owner", "wrong") is None
    assert attempt("owner", password) is None  # within the 1 s wait after the soft limit
    assert failures(f"pair:{IP}:owner") == 3  # refused attempts are not counted


def test_success_clears_the_pair_and_gives_the_address_its_slot_back(owner, password):
    attempt("owner", "wrong")
    attempt("someone-else", "wrong")
    assert attempt("owner", password) == owner
    assert not LoginThrottle.objects.filter(key=f"pair:{IP}:owner").exists()
    assert failures(f"addr:{IP}") == 2  # the two wrong passwords, not the right one


def test_no_address_counts_the_user_name_alone():
    fail_logins("owner", None, 5)
    with pytest.raises(LoginThrottled):
        login_throttle_check(username="owner", ip_address=None)
    assert list(LoginThrottle.objects.values_list("key", flat=True)) == ["pair:-:owner"]


def test_purge_drops_only_counters_whose_window_is_over():
    fail_logins("old", IP, 1, last_at=timezone.now() - dt.timedelta(seconds=1000))
    fail_logins("recent", OTHER_IP, 1)
    assert login_throttle_purge(now=timezone.now() + dt.timedelta(seconds=1000)) == 2  # the recent ones, later
    assert not LoginThrottle.objects.exists()


def test_each_attempt_purges_counters_whose_window_is_over():
    fail_logins("old", IP, 1, last_at=timezone.now() - dt.timedelta(seconds=1000))
    fail_logins("recent", OTHER_IP, 1)
    keys = sorted(LoginThrottle.objects.values_list("key", flat=True))
    assert keys == [f"addr:{OTHER_IP}", f"pair:{OTHER_IP}:recent"]


@pytest.mark.django_db(transaction=True)
@override_settings(STEWARD_LOGIN_SOFT_LIMIT=5, STEWARD_LOGIN_HARD_LIMIT=5)
def test_concurrent_attempts_cannot_pass_one_check_together():
    # Without the lock from check to write, all of them read "4 failures" and go on to the password.
    fail_logins("owner", IP, 4)
    allowed: list[bool] = []
    barrier = threading.Barrier(8)

    def guess() -> None:
        barrier.wait()
        try:
            login_attempt_begin(username="owner", ip_address=IP)
            allowed.append(True)
        except LoginThrottled:
            allowed.append(False)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 1
    assert failures(f"pair:{IP}:owner") == 5


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
