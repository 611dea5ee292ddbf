"""Shared steps of the verify track's security tests: a claim typed to the end as a stranger."""

from __future__ import annotations

import pytest

from tests.bot.conftest import QUICK_CHECK, Chat, run

__all__ = ["IMPOSTOR_CARD", "QUICK_CHECK", "draft_to_the_end", "run"]

IMPOSTOR_CARD = "6222020200112233446"  # the impostor's own card


def draft_to_the_end(chat: Chat, id_number: str, card: str = IMPOSTOR_CARD) -> list[list]:
    """A stranger's claim: ID, “I did not get a code”, the card, the pledge. The replies of
    every step, to compare."""
    seen = []
    for action, value in [
        ("tap", "menu:apply"),
        ("say", id_number),
        ("say", "123456"),  # a guessed code
        ("tap", "verify:nocode"),
        ("say", card),
        ("tap", "bankname:0"),
        ("tap", "done"),
        ("tap", "confirm"),
        ("tap", "pledge:accept"),
        ("tap", "menu:status"),
    ]:
        getattr(chat, action)(value)
        seen.append([(r.text, [(b.label, b.value) for b in r.buttons]) for r in chat.replies])
    return seen


class LimitsClock:
    """The clock of the guessing limits, moved by hand (seconds since the epoch)."""

    def __init__(self) -> None:
        self.now = 1_800_057_600.0  # a whole day: every window starts here

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def limits_clock() -> LimitsClock:
    """Guessing limits in memory on a clock the test moves."""
    from bot.dialogs.verify import install_limits
    from common.limits import MemoryLimits

    clock = LimitsClock()
    install_limits(MemoryLimits(clock=clock))
    return clock
