"""Button payloads: one codec writes and reads them; an unreadable one is re-asked, not a crash."""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from enum import StrEnum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.dialogs import REGISTRY
from bot.messages import Incoming
from common.payloads import (
    ClaimYear,
    Pattern,
    Payload,
    Range,
    Review,
    ReviewAction,
    StaleButton,
)
from common.sending import MAX_BUTTON_VALUE_BYTES
from db.enums import Channel

STALE_ZH = "这个按钮已经失效了"


def _example(kind: type[Payload], big: bool = False) -> Payload:
    """A valid payload of `kind` (its largest values when `big`)."""
    values = {}
    hints = typing.get_type_hints(kind, include_extras=True)
    for field in dataclasses.fields(kind):  # type: ignore[arg-type]
        annotation = hints[field.name]
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if typing.get_origin(annotation) in (typing.Union, types.UnionType):
            annotation = args[0]
        base, *extras = typing.get_args(annotation) or (annotation,)
        if isinstance(base, type) and issubclass(base, StrEnum):
            values[field.name] = max(base, key=len) if big else next(iter(base))
        elif base is int:
            bounds = next(e for e in extras if isinstance(e, Range))
            values[field.name] = bounds.high if big else bounds.low
        else:
            shape = next(e for e in extras if isinstance(e, Pattern)).regex
            candidates = ["14058110020000000000", "1405811002", "zh_CN", "en"]
            values[field.name] = next(c for c in candidates if re.fullmatch(shape, c))
    return kind(**values)


@pytest.mark.parametrize("kind", list(Payload.kinds.values()), ids=lambda k: k.prefix)
def test_every_kind_reads_back_what_it_wrote_within_the_size_limit(kind):
    for big in (False, True):
        payload = _example(kind, big)
        packed = payload.pack()
        assert len(packed.encode()) <= MAX_BUTTON_VALUE_BYTES
        assert kind.unpack(packed) == payload
        assert Payload.kind_of(packed) is kind


@pytest.mark.parametrize(
    "value",
    [
        "review:approve:" + "9" * 20,  # beyond any id: the OverflowError of old
        "review:approve:2147483648",  # one past PostgreSQL's integer
        "review:approve:0",
        "review:approve:-1",
        "review:approve:１２",  # full-width digits
        "review:approve:1e3",
        "review:approve:1:2",
        "review:approve:",
        "review:frobnicate:1",
        "review:approve:" + "1" * 5000,
        "review",  # the action is not optional
    ],
)
def test_malformed_or_out_of_range_payloads_are_stale(value):
    with pytest.raises(StaleButton):
        Review.unpack(value)


def test_the_last_field_may_be_left_out_when_it_is_optional():
    assert Review.unpack("review:post") == Review(ReviewAction.POST)
    assert Review(ReviewAction.POST).pack() == "review:post"


def test_a_year_outside_its_range_cannot_be_written():
    with pytest.raises(ValueError):
        ClaimYear(1850).pack()


@given(st.text(max_size=80))
def test_unpacking_any_text_is_a_payload_or_stale(value):
    for kind in Payload.kinds.values():
        try:
            payload = kind.unpack(value)
        except StaleButton:
            continue
        assert payload.pack() == value


@pytest.mark.parametrize("kind", list(REGISTRY.buttons), ids=lambda k: k.prefix)
def test_a_forged_button_of_every_kind_gets_the_stale_answer(conversations, kind):
    # Given a user anywhere, When they send a button of a kind the bot answers from any step
    # but with a 20-digit number or a word no longer offered, Then they are told the button no
    # longer works and asked again: not an error, not "something went wrong"
    forged = f"{kind.prefix}:{'9' * 20}:{'9' * 20}"
    replies = conversations.handle(Incoming(channel=Channel.WEB, user="forger", button=forged))
    text = "\n".join(reply.text for reply in replies)
    assert STALE_ZH in text
    assert "出错" not in text and "Sorry" not in text
