"""Errors of the crypto package; messages are one line and never carry key or plain bytes."""

from __future__ import annotations


class CryptoError(Exception):
    """Base of every error raised by ``partner_contact.crypto``."""


class KeyringError(CryptoError):
    """The key file is missing, unsafe, malformed, or lacks a key that was asked for."""


class DecryptionError(CryptoError):
    """A ciphertext or wrapped key failed authentication or is not in a known format."""


class DataKeyNotFound(CryptoError):
    """No data key row has the given id."""


class DataKeyDestroyed(CryptoError):
    """The data key was crypto-shredded: what it protected can never be read again."""
