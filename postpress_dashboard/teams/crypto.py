"""Authenticated encryption of team API keys, under FIELD_ENCRYPTION_KEYS (newest first).

Independent of SECRET_KEY, so rotating one never locks the other out. MultiFernet encrypts
with the first key and decrypts with any of them; `rotate` re-encrypts under the first.
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class UnreadableSecret(Exception):
    """The ciphertext was made under a key that is no longer configured, or was altered."""


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in settings.FIELD_ENCRYPTION_KEYS])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise UnreadableSecret from None


def rotate(ciphertext: str) -> str:
    try:
        return _fernet().rotate(ciphertext.encode()).decode()
    except InvalidToken:
        raise UnreadableSecret from None


def generate_key() -> str:
    return Fernet.generate_key().decode()
