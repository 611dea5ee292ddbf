"""One-time codes: issued to a chat for one person, checked with limited tries, kept hashed.

The limits on how often codes are sent (per phone, per chat) are the caller's
(`common.limits`); here each code lives `CODE_LIFETIME`, takes `CODE_TRIES` tries, and a new
code for a chat spends the one before.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.crypto import keyring
from db.models import ChatIdentity, OneTimeCode, Person

CODE_LIFETIME = timedelta(minutes=5)
CODE_TRIES = 5
CODE_DIGITS = 6


class CodeCheck(StrEnum):
    RIGHT = "right"
    WRONG = "wrong"  # a try is used up; others may be left
    SPENT = "spent"  # no live code: expired, used, out of tries or never sent


def _context(identity_id: int, person_id: int) -> str:
    return f"{identity_id}:{person_id}"


def new_code() -> str:
    """Six digits from the operating system's secure random source."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def issue_code(session: Session, identity: ChatIdentity, person: Person, now: datetime) -> str:
    """A new code for `identity` to prove it is `person`; the chat's earlier codes are spent.
    The code itself is returned to be sent, never stored."""
    session.execute(
        sa.update(OneTimeCode)
        .where(OneTimeCode.chat_identity_id == identity.id, OneTimeCode.spent_at.is_(None))
        .values(spent_at=now)
    )
    code = new_code()
    session.add(
        OneTimeCode(
            chat_identity_id=identity.id,
            person_id=person.id,
            code_mac=keyring().code_mac(_context(identity.id, person.id), code),
            expires_at=now + CODE_LIFETIME,
            tries_left=CODE_TRIES,
            created_at=now,
        )
    )
    session.flush()
    return code


def check_code(
    session: Session, identity: ChatIdentity, person_id: int, typed: str, now: datetime
) -> CodeCheck:
    """Whether `typed` is the live code of `identity` for the person; a right code is spent,
    a wrong one uses up a try (the last spends the code)."""
    live = session.scalars(
        sa.select(OneTimeCode)
        .where(
            OneTimeCode.chat_identity_id == identity.id,
            OneTimeCode.person_id == person_id,
            OneTimeCode.spent_at.is_(None),
            OneTimeCode.expires_at > now,
        )
        .order_by(OneTimeCode.id.desc())
        .with_for_update()
    ).first()
    if live is None:
        return CodeCheck.SPENT
    expected = keyring().code_mac(_context(identity.id, person_id), typed.strip())
    if hmac.compare_digest(expected, live.code_mac):
        live.spent_at = now
        return CodeCheck.RIGHT
    live.tries_left -= 1
    if live.tries_left <= 0:
        live.spent_at = now
    return CodeCheck.WRONG
