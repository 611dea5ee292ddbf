"""Field encryption and blind indexes."""

from __future__ import annotations

import base64

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from db import crypto
from db.crypto import Keyring, blind_index, install_keyring
from db.errors import DecryptionError, InvalidValueError, KeyringNotInstalledError
from db.models import Person
from db.queries import upsert_person

ID = "140581199003151232"
OTHER_SECRET = b"another-deployment-secret-abcdefghijklmnopqrstuvwxyz"
OLD_SECRET = b"last-years-secret-before-rotation-0123456789abcdef"


def test_encryption_round_trips(keyring: Keyring) -> None:
    token = keyring.encrypt(ID)
    assert keyring.decrypt(token) == ID
    assert token.startswith(f"v1:{keyring.key_id}:")
    assert ID not in token


def test_the_same_plaintext_encrypts_differently_but_indexes_the_same(keyring: Keyring) -> None:
    assert keyring.encrypt(ID) != keyring.encrypt(ID)
    assert blind_index("id", ID) == blind_index("id", "１４０５８１ 19900315 1232")
    assert blind_index("id", "11010519491231002x") == blind_index("id", "11010519491231002X")


def test_blind_indexes_are_separated_by_kind(keyring: Keyring) -> None:
    digits = "6217000010001234"
    assert blind_index("account", digits) != blind_index("phone", digits)
    assert blind_index("account", digits) != blind_index("id", digits)
    with pytest.raises(InvalidValueError):
        keyring.blind_index("passport", digits)  # type: ignore[arg-type]


def test_blind_indexes_depend_on_the_secret(keyring: Keyring) -> None:
    other = Keyring.from_secret(OTHER_SECRET)
    assert other.blind_index("id", ID) != keyring.blind_index("id", ID)


def test_a_different_secret_cannot_decrypt(keyring: Keyring) -> None:
    token = keyring.encrypt(ID)
    with pytest.raises(DecryptionError, match=r"not in the keyring.*WUGONG_SECRET_KEY"):
        Keyring.from_secret(OTHER_SECRET).decrypt(token)


def test_a_wrong_key_under_the_same_key_id_fails_authentication(keyring: Keyring) -> None:
    token = keyring.encrypt(ID)
    impostor = Keyring({keyring.key_id: bytes(32)}, keyring.key_id, bytes(32))
    with pytest.raises(DecryptionError, match="failed authentication"):
        impostor.decrypt(token)


def test_a_tampered_ciphertext_fails_authentication(keyring: Keyring) -> None:
    header, body = keyring.encrypt(ID).rsplit(":", 1)
    raw = bytearray(base64.b64decode(body))
    raw[-1] ^= 0x01
    with pytest.raises(DecryptionError, match="failed authentication"):
        keyring.decrypt(f"{header}:{base64.b64encode(bytes(raw)).decode()}")
    with pytest.raises(DecryptionError, match="not a wugong ciphertext"):
        keyring.decrypt(ID)


def test_a_rotated_keyring_reads_old_data_and_writes_with_the_new_key() -> None:
    old = Keyring.from_secret(OLD_SECRET)
    old_token = old.encrypt(ID)
    rotated = Keyring.from_secret(OTHER_SECRET, previous=[OLD_SECRET])
    assert rotated.decrypt(old_token) == ID
    assert rotated.key_id != old.key_id
    assert rotated.encrypt(ID).startswith(f"v1:{rotated.key_id}:")


def test_short_secrets_are_refused() -> None:
    with pytest.raises(InvalidValueError, match="at least 32 bytes"):
        Keyring.from_secret(b"too short")


def test_without_a_keyring_the_error_says_what_to_do() -> None:
    install_keyring(None)
    with pytest.raises(KeyringNotInstalledError, match="install_keyring"):
        crypto.keyring()
    with pytest.raises(KeyringNotInstalledError):
        blind_index("id", ID)


def test_encrypted_columns_hold_ciphertext_and_read_back_plaintext(session: Session) -> None:
    person, _ = upsert_person(
        session, id_number=ID, name="张三", bank_account="6217000010001234567"
    )
    session.commit()
    raw = session.execute(
        sa.text("SELECT id_number, bank_account, id_index FROM person WHERE id = :id"),
        {"id": person.id},
    ).one()
    assert raw.id_number.startswith("v1:") and ID not in raw.id_number
    assert raw.bank_account.startswith("v1:") and "6217000010001234567" not in raw.bank_account
    assert raw.id_index == blind_index("id", ID)
    session.expunge_all()
    loaded = session.get(Person, person.id)
    assert loaded is not None
    assert loaded.id_number == ID
    assert loaded.bank_account == "6217000010001234567"


def test_encrypted_columns_refuse_sql_comparison(keyring: Keyring) -> None:
    with pytest.raises(TypeError, match="blind index"):
        sa.select(Person).where(Person.id_number == ID)
    # Comparing with NULL stays possible.
    sa.select(Person).where(Person.phone.is_(None), Person.bank_account != None)  # noqa: E711


def test_blind_indexes_stay_what_they_were_for_a_secret() -> None:
    # Stored rows are found by these values: a change would lose every person and card.
    keys = Keyring.from_secret(b"x" * 40)
    assert keys.blind_index("id", "140581196001010001") == (
        "4ff6ef88bd8c10b3cf9ee8bfb3510704242e4a4dd7d41d413a89c78c704f6503"
    )
    assert keys.blind_index("id_tail", "140581196001010001") == (
        "63d6fe161fc7209fa0b47789981506743bdfddd78aa528c7cd5f4c4c52faca30"
    )
