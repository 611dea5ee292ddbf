"""The exceptions the data layer raises; all derive from DbError."""

from __future__ import annotations


class DbError(Exception):
    """Base class of every error raised by the db package."""


class KeyringNotInstalledError(DbError):
    """Raised when encrypted data or a blind index is needed before install_keyring() was called."""


class DecryptionError(DbError):
    """Raised when a stored ciphertext cannot be decrypted: unknown key, wrong key or tampering."""


class InvalidValueError(DbError, ValueError):
    """Raised when a personal value (ID, account, phone) is empty or unusable after normalising."""


class MigrationError(DbError):
    """Raised when the schema cannot be brought to the requested revision."""


class WrongKeyError(DbError):
    """Raised at start when WUGONG_SECRET_KEY is not the key the database was written with."""
