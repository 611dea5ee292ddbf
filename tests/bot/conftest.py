"""Dialog fixtures: the engine over a migrated database, a registry, and a chat user."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from bot.engine import Conversations
from bot.messages import Incoming, Reply
from db.enums import Channel, HouseholdType
from db.models import Household
from db.queries import upsert_person

TODAY = date(2025, 12, 1)
VILLAGE = "140581100200"  # a village of 高平市
OTHER_VILLAGE = "140581100300"

# Registry people: valid check digits, invented people (docs/domain.md §5).
WORKER_ID = "140581199003151232"
WORKER_PHONE = "13800001111"
NEIGHBOUR_ID = "140427196801012467"


@pytest.fixture
def conversations(session_factory) -> Conversations:
    return Conversations(session_factory, today=lambda: TODAY)


@pytest.fixture
def registry(session_factory) -> dict[str, int]:
    """Given a 脱贫户 worker of VILLAGE with a phone and card, and a neighbour elsewhere."""
    with session_factory.begin() as session:
        household = Household(
            household_number="1405811002000001",
            region_code=VILLAGE,
            household_type=HouseholdType.POVERTY_ALLEVIATED,
        )
        other = Household(
            household_number="1405811003000001",
            region_code=OTHER_VILLAGE,
            household_type=HouseholdType.POVERTY_ALLEVIATED,
        )
        session.add_all([household, other])
        session.flush()
        worker = upsert_person(
            session,
            id_number=WORKER_ID,
            name="张三",
            household_id=household.id,
            phone=WORKER_PHONE,
            bank_account="6217000010002000305",
            bank_name="高平农商银行",
            region_code=VILLAGE,
        ).person
        neighbour = upsert_person(
            session,
            id_number=NEIGHBOUR_ID,
            name="李四",
            household_id=other.id,
            region_code=OTHER_VILLAGE,
        ).person
        return {"worker": worker.id, "neighbour": neighbour.id}


# The quick check as a 脱贫户 worker answers it: Jiangsu, March to November 2025, one employer,
# 4000 a month, registered in 高平, born March 1990.
QUICK_CHECK = [
    ("tap", "menu:check"),
    ("say", "江苏"),
    ("say", "2025-03"),
    ("say", "2025-11"),
    ("tap", "employer:one"),
    ("say", "4000"),
    ("tap", "hh:poverty_alleviated"),
    ("say", "高平"),
    ("say", "1990-03"),
]


def run(chat: Any, script: list[tuple[str, str]]) -> None:
    """Play a script of ("say", text) and ("tap", button value) on a chat."""
    for action, value in script:
        getattr(chat, action)(value)


class Chat:
    """One user talking to the engine; remembers the last replies."""

    def __init__(self, conversations: Conversations, channel: Channel, user: str) -> None:
        self.conversations = conversations
        self.channel = channel
        self.user = user
        self.replies: list[Reply] = []
        self.update_id = 0

    def send(self, **message) -> list[Reply]:
        self.update_id += 1
        message.setdefault("update_id", self.update_id)
        self.replies = self.conversations.handle(
            Incoming(channel=self.channel, user=self.user, **message)
        )
        assert self.replies, f"no reply to {message}"
        return self.replies

    def say(self, text: str) -> list[Reply]:
        return self.send(text=text)

    def identify(self, id_number: str) -> list[Reply]:
        """At “Apply”: type the ID number, then the code sent by SMS to the records' phone."""
        from common.sms import installed_sms_provider

        self.say(id_number)
        if "verify:nocode" not in self.buttons:
            return self.replies  # already verified as this person, or refused
        sent = installed_sms_provider().sent  # type: ignore[attr-defined]
        assert sent, "no code was sent"
        return self.say(sent[-1][1])

    def tap(self, value: str) -> list[Reply]:
        offered = self.buttons
        # Menu buttons work from anywhere, also before the first reply.
        if not value.startswith("menu:"):
            assert value in offered, f"{value} not offered; buttons: {offered}"
        return self.send(button=value)

    @property
    def text(self) -> str:
        return "\n".join(reply.text for reply in self.replies)

    @property
    def buttons(self) -> list[str]:
        return [button.value for reply in self.replies for button in reply.buttons]


@pytest.fixture
def chat(conversations) -> Callable[..., Chat]:
    def make(user: str = "user-1", channel: Channel = Channel.WEB) -> Chat:
        return Chat(conversations, channel, user)

    return make
