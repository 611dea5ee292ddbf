"""Claim windows in the chat: the year assessed is said, last year's claims are offered while
their window is open, and nobody applies outside a window or is promised a past date."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from bot.engine import Conversations
from db.enums import Channel
from db.models import Application
from tests.bot.conftest import WORKER_ID, Chat

GAOPING = "140581"

WORK_IN_JIANGSU_2025 = [
    ("say", "江苏"),
    ("say", "2025-03"),
    ("say", "2025-11"),
    ("tap", "employer:one"),
    ("say", "4000"),
]


def chat_on(session_factory, day: date, user: str = "user-1") -> Chat:
    """A web-chat user talking to the engine on ``day``."""
    return Chat(Conversations(session_factory, today=lambda: day), Channel.WEB, user)


def run(chat: Chat, script) -> None:
    for action, value in script:
        getattr(chat, action)(value)


def applications(session_factory) -> list[Application]:
    with session_factory() as session:
        return list(session.scalars(sa.select(Application)))


def test_in_december_last_years_work_is_assessed_for_this_year_and_refused(session_factory):
    """Given 7 December 2026 and work in Jiangsu from March to November 2025, the quick check
    says it assessed 2026 and that work of 2025 cannot be claimed in 2026; it never promises
    a date of 2025."""
    user = chat_on(session_factory, date(2026, 12, 7))
    user.tap("menu:check")
    run(user, WORK_IN_JIANGSU_2025[:4])
    assert "2026" in user.text  # the year assessed
    assert "2025" in user.text and "menu:apply" not in user.buttons
    assert "2025-12-25" not in user.text


def test_after_the_transport_deadline_the_check_says_when_the_next_window_opens(
    session_factory,
):
    """Given 28 December 2025, a check for 2025 shows the transport subsidy closed on 12-25
    with the next window (1 January to 25 December 2026), while stable employment is still
    open, so applying is offered."""
    user = chat_on(session_factory, date(2025, 12, 28))
    user.tap("menu:check")
    run(user, WORK_IN_JIANGSU_2025)
    user.tap("hh:poverty_alleviated")
    user.say("高平")
    user.say("1990-03")
    assert "2025-12-25" in user.text and "2026-01-01" in user.text and "2026-12-25" in user.text
    assert "menu:apply" in user.buttons


def test_applying_when_no_window_is_open_is_refused_with_the_next_one(
    session_factory, registry, county_parameters
):
    """Given 高平 taking claims only from 1 to 15 November, a worker who applies on 1 June
    2025 is told no claims are taken now and when the next window is, and nothing is
    written."""
    county_parameters(
        GAOPING,
        {
            f"{program}.{name}": value
            for program in ("transport", "stable_employment", "workshop_employment")
            for name, value in (("window_opens", "11-01"), ("deadline", "11-15"))
        },
    )
    user = chat_on(session_factory, date(2025, 6, 1))
    user.tap("menu:apply")
    user.identify(WORKER_ID)
    assert "2025-11-01" in user.text and "2025-11-15" in user.text
    assert user.buttons == ["menu:main"]
    assert applications(session_factory) == []


def applying_in_january(session_factory, county_parameters) -> Chat:
    """The worker applies on 10 January 2026 in 高平, which takes stable-employment claims
    from November until 31 January (so the 2025 window is still open)."""
    county_parameters(
        GAOPING,
        {"stable_employment.window_opens": "11-01", "stable_employment.deadline": "01-31"},
    )
    user = chat_on(session_factory, date(2026, 1, 10))
    user.tap("menu:apply")
    user.identify(WORKER_ID)
    return user


def test_last_years_claims_are_offered_while_their_window_is_open(
    session_factory, registry, county_parameters
):
    """Given 高平 taking stable-employment claims from November until 31 January, on
    10 January 2026 the application asks which year's work it is, and "3月到11月" read as
    2025 gives a 2025 claim, accepted until 2026-01-31."""
    user = applying_in_january(session_factory, county_parameters)
    assert "2026-01-31" in user.text
    assert {"year:2025", "year:2026"} <= set(user.buttons)
    user.tap("year:2025")
    user.say("江苏")
    user.say("3月到11月")
    user.tap("employer:one")
    user.say("4000")
    # Transport's 2025 window closed on 2025-12-25: only stable employment is claimed.
    assert "2025-12-25" in user.text
    user.tap("bank:file")
    user.tap("done")
    user.tap("confirm")
    user.tap("pledge:accept")
    claims = applications(session_factory)
    assert [(a.program.value, a.year) for a in claims] == [("stable_employment", 2025)]
    assert "2025-12" not in user.text  # the confirmation promises no past date


@pytest.mark.parametrize("typed", ["去年", "2025"])
def test_the_year_can_be_typed(session_factory, registry, county_parameters, typed):
    user = applying_in_january(session_factory, county_parameters)
    user.say(typed)
    assert "Where did you work in 2025" in user.text or "2025年您在哪里务工" in user.text
