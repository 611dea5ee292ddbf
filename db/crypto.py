"""Field encryption (AES-256-GCM) and keyed blind indexes, both derived from one master secret.

Two keys come out of the master secret through HKDF-SHA256 with different ``info`` labels: one
encrypts personal fields, the other computes blind indexes (HMAC-SHA256 of the normalised value),
which is what equality lookups and cross-check joins use instead of the plaintext.

The index key must never be stored in the database, its backups or its dumps. A resident ID has
little entropy: a region code, a birth date, a 3-digit sequence and a derived check character make
about 10^10-10^11 candidates, which a laptop enumerates in hours. Whoever holds the index key and
an ``id_index`` column can therefore recover every ID number by brute force, encryption or not;
whoever holds only the database learns nothing but which rows share a number.

Ciphertexts are text: ``v1:<key id>:<base64(nonce || ciphertext || tag)>``. The key id is a
fingerprint derived from the secret (it reveals nothing about the key), so a keyring built with
``previous`` secrets decrypts data written before a rotation while new data uses the current key.
Rotating the secret also changes the index key: every blind index must be recomputed then.
Files (attachments people send) are sealed the same way as bytes: ``wgf1<key id>`` and then
nonce, ciphertext and tag (`encrypt_bytes`).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
from collections.abc import Callable, Iterable
from hashlib import sha256
from typing import Any, Literal

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.sql import operators

from db.errors import DecryptionError, InvalidValueError, KeyringNotInstalledError
from db.pii import normalize_account, normalize_id, normalize_id_tail, normalize_phone

FORMAT_VERSION = "v1"
MIN_SECRET_BYTES = 32
_NONCE_BYTES = 12  # 96 bits, the size AES-GCM is designed for; random per encryption
_SALT = b"wugong"
_ENCRYPTION_INFO = b"wugong/v1/field-encryption/aes-256-gcm"
_INDEX_INFO = b"wugong/v1/blind-index/hmac-sha256"
_KEY_ID_INFO = b"wugong/v1/key-id"
_KEY_CHECK_INFO = b"wugong/v1/key-check"
_KEY_CHECK_MESSAGE = b"wugong: the secret key this database is written with"
_FILE_MAGIC = b"wgf1"
_FILE_HEADER = len(_FILE_MAGIC) + 8  # and the key id: 4 bytes as 8 hex digits

IndexKind = Literal["id", "id_tail", "account", "phone"]
_NORMALIZERS: dict[str, Callable[[str], str]] = {
    "id": normalize_id,
    "id_tail": normalize_id_tail,
    "account": normalize_account,
    "phone": normalize_phone,
}


def _derive(secret: bytes, info: bytes, length: int = 32) -> bytes:
    return HKDF(algorithm=SHA256(), length=length, salt=_SALT, info=info).derive(secret)


class Keyring:
    """The encryption keys (current and previous) and the blind-index key of one deployment."""

    def __init__(self, encryption_keys: dict[str, bytes], current_key_id: str, index_key: bytes):
        self._ciphers = {key_id: AESGCM(key) for key_id, key in encryption_keys.items()}
        self._current_key_id = current_key_id
        self._index_key = index_key
        # The key's HMAC state, copied for each blind index (an import makes 200,000 a million
        # rows: the key's two hash blocks are not computed again for each).
        self._index_mac = hmac.new(index_key, digestmod=sha256)
        self._fingerprint: str | None = None

    @classmethod
    def from_secret(cls, secret: bytes, *, previous: Iterable[bytes] = ()) -> Keyring:
        """Derive the keys from the master secret; ``previous`` secrets only decrypt old data."""
        keys: dict[str, bytes] = {}
        for candidate in (secret, *previous):
            if len(candidate) < MIN_SECRET_BYTES:
                raise InvalidValueError(
                    f"the master secret must be at least {MIN_SECRET_BYTES} bytes long"
                )
            key_id = _derive(candidate, _KEY_ID_INFO, 4).hex()
            keys.setdefault(key_id, _derive(candidate, _ENCRYPTION_INFO))
        current = _derive(secret, _KEY_ID_INFO, 4).hex()
        keys_ = cls(keys, current, _derive(secret, _INDEX_INFO))
        check_key = _derive(secret, _KEY_CHECK_INFO)
        keys_._fingerprint = hmac.new(check_key, _KEY_CHECK_MESSAGE, sha256).hexdigest()
        return keys_

    def fingerprint(self) -> str:
        """An HMAC of a constant under a key derived from the current secret (its own HKDF
        label): equal for equal secrets, and it reveals nothing about the secret or its keys."""
        if self._fingerprint is None:
            raise KeyringNotInstalledError("this keyring was not derived from a secret")
        return self._fingerprint

    @property
    def key_id(self) -> str:
        """The id of the key new ciphertexts are written with."""
        return self._current_key_id

    def encrypt(self, plaintext: str) -> str:
        """A fresh ciphertext (random nonce): the same plaintext never encrypts the same twice."""
        header = f"{FORMAT_VERSION}:{self._current_key_id}"
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._ciphers[self._current_key_id].encrypt(
            nonce, plaintext.encode(), header.encode()
        )
        return f"{header}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def decrypt(self, token: str) -> str:
        """The plaintext of a ciphertext written by ``encrypt`` under any key of this keyring."""
        version, _, rest = token.partition(":")
        key_id, _, body = rest.partition(":")
        if version != FORMAT_VERSION or not key_id or not body:
            raise DecryptionError(
                f"not a wugong ciphertext (expected '{FORMAT_VERSION}:<key id>:<base64>')"
            )
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise DecryptionError(
                f"the value was encrypted under key {key_id}, which is not in the keyring "
                f"(current key {self._current_key_id}): is WUGONG_SECRET_KEY the secret the "
                "data was written with?"
            )
        try:
            raw = base64.b64decode(body, validate=True)
        except binascii.Error as error:
            raise DecryptionError(f"the value under key {key_id} is not valid base64") from error
        nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
        try:
            plaintext = cipher.decrypt(nonce, sealed, f"{version}:{key_id}".encode())
        except InvalidTag as error:
            raise DecryptionError(
                f"the value under key {key_id} failed authentication: it was altered"
            ) from error
        return plaintext.decode()

    def encrypt_bytes(self, plaintext: bytes) -> bytes:
        """A file's bytes sealed under the current key: ``wgf1`` and the key id, then the
        nonce, the ciphertext and its tag (the header is authenticated too)."""
        header = _FILE_MAGIC + self._current_key_id.encode("ascii")
        nonce = os.urandom(_NONCE_BYTES)
        return (
            header + nonce + self._ciphers[self._current_key_id].encrypt(nonce, plaintext, header)
        )

    def decrypt_bytes(self, sealed: bytes) -> bytes:
        """The bytes sealed by ``encrypt_bytes`` under any key of this keyring."""
        if not sealed.startswith(_FILE_MAGIC) or len(sealed) < _FILE_HEADER + _NONCE_BYTES:
            raise DecryptionError("not a file encrypted by wugong (no 'wgf1' header)")
        header = sealed[:_FILE_HEADER]
        key_id = header[len(_FILE_MAGIC) :].decode("ascii", errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise DecryptionError(
                f"the file was encrypted under key {key_id}, which is not in the keyring "
                f"(current key {self._current_key_id}): is WUGONG_SECRET_KEY the secret the "
                "file was written with?"
            )
        nonce = sealed[_FILE_HEADER : _FILE_HEADER + _NONCE_BYTES]
        try:
            return cipher.decrypt(nonce, sealed[_FILE_HEADER + _NONCE_BYTES :], header)
        except InvalidTag as error:
            raise DecryptionError(
                f"the file under key {key_id} failed authentication: it was altered"
            ) from error

    def blind_index(self, kind: IndexKind, value: str) -> str:
        """HMAC-SHA256 (hex) of the normalised value, domain-separated by kind.

        Kinds: 'id' (normalize_id), 'id_tail' (its last 4 characters, normalize_id_tail),
        'account' (digits only), 'phone' (digits, no +86).
        """
        normalizer = _NORMALIZERS.get(kind)
        if normalizer is None:
            raise InvalidValueError(f"unknown blind-index kind {kind!r}")
        message = kind.encode() + b"\x00" + normalizer(value).encode()
        mac = self._index_mac.copy()
        mac.update(message)
        return mac.hexdigest()

    def code_mac(self, context: str, code: str) -> str:
        """HMAC-SHA256 (hex) of a one-time code bound to its context (the code's owner), under
        the blind-index key: without the key, a stored value does not give the code away."""
        message = b"one-time code\x00" + context.encode() + b"\x00" + code.encode()
        return hmac.new(self._index_key, message, sha256).hexdigest()


_installed: Keyring | None = None


def install_keyring(keys: Keyring | None) -> None:
    """Make ``keys`` the process-wide keyring (``None`` removes it); done once at start-up."""
    global _installed
    _installed = keys


def keyring() -> Keyring:
    """The installed keyring; raises KeyringNotInstalledError when there is none."""
    if _installed is None:
        raise KeyringNotInstalledError(
            "no keyring installed: call db.crypto.install_keyring(Keyring.from_secret(secret)) "
            "before reading or writing personal data"
        )
    return _installed


def blind_index(kind: IndexKind, value: str) -> str:
    """The blind index of ``value`` under the installed keyring."""
    return keyring().blind_index(kind, value)


class EncryptedString(sa.TypeDecorator[str]):
    """A string stored encrypted (as text) with the installed keyring.

    Equality in SQL is meaningless on such a column (every encryption differs), so comparisons
    other than with NULL raise: look rows up through their blind index instead.
    """

    impl = sa.Text
    cache_ok = True

    class comparator_factory(sa.TypeDecorator.Comparator[str]):
        def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
            null_test = op in (operators.is_, operators.is_not) or (
                op in (operators.eq, operators.ne) and other == (None,)
            )
            if not null_test:
                raise TypeError(
                    "encrypted columns cannot be compared in SQL; use the blind index column"
                )
            return super().operate(op, *other, **kwargs)

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> str | None:
        return None if value is None else keyring().encrypt(value)

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> str | None:
        return None if value is None else keyring().decrypt(value)
