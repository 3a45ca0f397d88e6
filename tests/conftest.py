"""Shared fixtures: users and a signed-in client."""

import pytest
from django.contrib.auth.models import User
from django.test import Client


@pytest.fixture
def alice(db: None) -> User:
    return User.objects.create_user("alice", password="alice-password-1")


@pytest.fixture
def alice_client(client: Client, alice: User) -> Client:
    client.force_login(alice)
    return client
