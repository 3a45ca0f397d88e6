"""Sign-in, and the headers every page carries."""

from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.test import Client


def test_it_sends_anonymous_visitors_to_the_login_page(client: Client, db: None) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_login_form_has_labelled_fields_and_a_log_in_button(client: Client, db: None) -> None:
    page = client.get("/login/").content.decode()
    assert '<label for="id_username">Username</label>' in page
    assert '<label for="id_password">Password</label>' in page
    assert '<button type="submit" class="primary">Log in</button>' in page


def test_it_signs_in_with_a_username_and_password(client: Client, alice: User) -> None:
    response = client.post(
        "/login/", {"username": "alice", "password": "alice-password-1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    assert "Welcome, alice" in response.content.decode()


def test_a_wrong_password_keeps_the_username_and_says_why(client: Client, alice: User) -> None:
    response = client.post("/login/", {"username": "alice", "password": "nope"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="alice"' in page
    assert "correct username and password" in page


def test_every_page_carries_a_strict_content_security_policy(client: Client, db: None) -> None:
    policy = client.get("/login/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_htmx_is_served_from_the_npm_package(alice_client: Client) -> None:
    page = alice_client.get("/").content.decode()
    assert "/static/vendor/htmx/htmx.min.js" in page
    assert finders.find("vendor/htmx/htmx.min.js") is not None
    assert 'hx-headers=\'{"x-csrftoken": "' in page
