"""Repeated wrong passwords at the admin login lock that username and address out for a while."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
ATTACKER = "203.0.113.9"


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_superuser("editor", "editor@example.org", "right-password")


def log_in(password, username="editor", address=ATTACKER):
    client = Client(REMOTE_ADDR=address)
    response = client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})
    return client, response


def is_logged_in(client):
    return client.get("/admin/").status_code == 200


def fail_five_times():
    for attempt in range(1, 5):
        _, response = log_in("wrong")
        assert response.status_code == 200, attempt  # the form again, with its error
        assert "and password didn&#x27;t match" in response.content.decode()
    _, response = log_in("wrong")
    return response


def test_fifth_wrong_password_locks_out_even_the_right_password(editor):
    fifth = fail_five_times()
    assert fifth.status_code == 429
    client, sixth = log_in("right-password")
    assert sixth.status_code == 429
    html = sixth.content.decode()
    assert "Too many failed logins" in html and "“editor”" in html and "15 minutes" in html
    assert not is_logged_in(client)


def test_lockout_touches_neither_another_user_nor_another_address(editor):
    get_user_model().objects.create_superuser("colleague", "colleague@example.org", "her-password")
    fail_five_times()
    client, response = log_in("her-password", username="colleague")
    assert response.status_code == 302 and is_logged_in(client)
    client, response = log_in("right-password", address="198.51.100.4")
    assert response.status_code == 302 and is_logged_in(client)


def test_login_works_again_once_the_lockout_has_expired(editor):
    fail_five_times()
    assert log_in("right-password")[1].status_code == 429
    # Sixteen minutes on: the stored failures are older than the fifteen-minute lockout.
    attempt = AccessAttempt.objects.get(username="editor", ip_address=ATTACKER)
    attempt.attempt_time -= timedelta(minutes=16)
    attempt.save()
    client, response = log_in("right-password")
    assert response.status_code == 302 and is_logged_in(client)


def test_axes_reset_lifts_the_lockout_at_once(editor):
    fail_five_times()
    call_command("axes_reset")
    client, response = log_in("right-password")
    assert response.status_code == 302 and is_logged_in(client)
    assert not AccessAttempt.objects.exists()


def test_a_successful_login_forgets_earlier_failures(editor):
    for _ in range(4):
        log_in("wrong")
    assert log_in("right-password")[1].status_code == 302
    for _ in range(4):
        assert log_in("wrong")[1].status_code == 200
