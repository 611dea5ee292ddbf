"""One-time codes (issue 13, point 3): 6 digits, kept only as an HMAC, 5 minutes, 5 tries, a
new one spends the last; sent at most 1 a minute, 5 an hour and 10 a day per phone and per
chat, with the time to wait; a provider failure is one line and the cadre path stays open."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from bot.engine import Conversations
from db.enums import Channel
from db.models import ChatIdentity, OneTimeCode, Person
from db.queries.codes import CodeCheck, check_code, issue_code, new_code
from db.types import utcnow
from tests.bot.conftest import TODAY, WORKER_ID, Chat

UNREGISTERED_ID = "140524196208150136"


def _identity(session) -> ChatIdentity:
    identity = ChatIdentity(channel=Channel.WEB, external_id="code-user", state={})
    session.add(identity)
    session.flush()
    return identity


def test_codes_are_six_digits_and_kept_only_as_an_hmac(session, registry) -> None:
    codes = {new_code() for _ in range(200)}
    assert all(len(code) == 6 and code.isdigit() for code in codes)
    assert len(codes) > 150  # random, not a counter
    identity = _identity(session)
    person = session.get(Person, registry["worker"])
    code = issue_code(session, identity, person, utcnow())
    row = session.scalars(sa.select(OneTimeCode)).one()
    assert code not in row.code_mac and len(row.code_mac) == 64
    import hashlib

    assert row.code_mac != hashlib.sha256(code.encode()).hexdigest()  # not a plain hash


def test_a_code_expires_after_five_minutes(session, registry) -> None:
    identity, now = _identity(session), utcnow()
    code = issue_code(session, identity, session.get(Person, registry["worker"]), now)
    late = now + timedelta(minutes=5, seconds=1)
    assert check_code(session, identity, registry["worker"], code, late) == CodeCheck.SPENT
    code = issue_code(session, identity, session.get(Person, registry["worker"]), now)
    soon = now + timedelta(minutes=4)
    assert check_code(session, identity, registry["worker"], code, soon) == CodeCheck.RIGHT
    assert check_code(session, identity, registry["worker"], code, soon) == CodeCheck.SPENT


def test_five_wrong_tries_spend_the_code(session, registry) -> None:
    identity, now = _identity(session), utcnow()
    code = issue_code(session, identity, session.get(Person, registry["worker"]), now)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        assert check_code(session, identity, registry["worker"], wrong, now) == CodeCheck.WRONG
    assert check_code(session, identity, registry["worker"], code, now) == CodeCheck.SPENT


def test_a_new_code_supersedes_the_last(session, registry) -> None:
    identity, now = _identity(session), utcnow()
    person = session.get(Person, registry["worker"])
    first = issue_code(session, identity, person, now)
    second = issue_code(session, identity, person, now)
    if first != second:
        assert check_code(session, identity, person.id, first, now) != CodeCheck.RIGHT
    assert check_code(session, identity, person.id, second, now) == CodeCheck.RIGHT


def test_the_dialog_takes_the_right_code_and_counts_tries(chat, registry, sms) -> None:
    user = chat("coder")
    user.tap("menu:apply")
    user.say(WORKER_ID)
    [(_, code)] = sms.sent
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    user.say(wrong)
    assert "还可以试4次" in user.text
    user.say(code)
    assert "已核实您是张*" in user.text


def test_codes_sent_are_limited_per_chat_and_per_phone(chat, registry, sms, limits_clock) -> None:
    user = chat("impatient")
    user.tap("menu:apply")
    user.say(WORKER_ID)
    user.tap("verify:resend")  # within the minute: the time to wait, no text message
    assert "1分钟后" in user.text and len(sms.sent) == 1
    # Another chat, the same phone, within the minute: nothing more is sent (and it is told
    # what anyone typing a valid ID number is told).
    other = chat("other")
    other.tap("menu:apply")
    other.say(WORKER_ID)
    assert len(sms.sent) == 1
    for _ in range(4):
        limits_clock.advance(61)
        user.tap("verify:resend")
    assert len(sms.sent) == 5
    limits_clock.advance(61)
    user.tap("verify:resend")  # the sixth in the hour
    assert len(sms.sent) == 5 and "分钟后再要新的验证码" in user.text
    # A day: at most 10, per chat, whatever the ID number.
    for _ in range(12):
        limits_clock.advance(3600)
        user.tap("verify:resend")
    assert len(sms.sent) == 10


def test_per_chat_limits_count_unregistered_ids_too(chat, registry, sms, limits_clock) -> None:
    user = chat("prober")
    user.tap("menu:apply")
    user.say(UNREGISTERED_ID)
    user.tap("verify:resend")
    assert "1分钟后" in user.text and sms.sent == []


def test_a_provider_failure_is_one_line_and_the_cadre_path_stays(chat, registry, sms) -> None:
    sms.fail = True
    user = chat("unlucky")
    user.tap("menu:apply")
    user.say(WORKER_ID)
    assert "短信暂时发不出去" in user.text
    assert "verify:nocode" in user.buttons


def test_the_code_is_texted_only_once_the_turn_has_committed_it(
    chat, registry, sms, session_factory
) -> None:
    """The provider may take seconds: the turn does not hold its transaction (the chat's row,
    a database connection) meanwhile, and the code texted is one the database keeps."""
    committed: list[int] = []
    send_code = sms.send_code

    def send_and_look(phone: str, code: str) -> None:
        with session_factory() as other:  # another connection sees only what is committed
            committed.append(len(other.scalars(sa.select(OneTimeCode)).all()))
        send_code(phone, code)

    sms.send_code = send_and_look
    user = chat("patient")
    user.tap("menu:apply")
    user.say(WORKER_ID)
    assert committed == [1] and len(sms.sent) == 1
    user.say(sms.sent[0][1])
    with session_factory() as session:
        identity = session.scalars(
            sa.select(ChatIdentity).where(ChatIdentity.external_id == "patient")
        ).one()
        assert identity.phone_verified


def test_a_turn_that_fails_after_issuing_a_code_texts_nothing(
    chat, registry, sms, monkeypatch
) -> None:
    """A code rolled back with its turn is not texted: it could only be answered “wrong”."""
    from bot.dialogs import verify

    def broken_ask(turn) -> None:
        raise RuntimeError("a bug after the code was issued")

    user = chat("unlucky-turn")
    user.tap("menu:apply")
    monkeypatch.setitem(verify.dialog._ask, verify.Step.CODE, broken_ask)
    user.say(WORKER_ID)
    assert sms.sent == []
    assert "抱歉，我们这边出了点问题" in user.text


def test_expiry_in_the_dialog_follows_the_injected_clock(session_factory, registry, sms) -> None:
    moments = [utcnow()]
    conversations = Conversations(session_factory, today=lambda: TODAY, now=lambda: moments[0])
    user = Chat(conversations, Channel.WEB, "slow")
    user.tap("menu:apply")
    user.say(WORKER_ID)
    moments[0] += timedelta(minutes=6)
    user.say(sms.sent[-1][1])
    assert "已不能用" in user.text
    with session_factory() as session:
        identity = session.scalars(
            sa.select(ChatIdentity).where(ChatIdentity.external_id == "slow")
        ).one()
        assert not identity.phone_verified
