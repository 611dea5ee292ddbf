"""The conversation tests of Telegram and the web chat, on WeChat: switching language, typing
a button's label (or its number) as pressing it, and hostile input always answered — each
message delivered three times through POST /wechat in 安全模式, as WeChat retries."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.i18n import translate
from tests.wechat.test_conversation import WechatUser


async def test_switching_to_english_changes_the_replies(wechat, channel, sender):
    user = WechatUser(wechat, channel, sender)
    await user.say("/start")
    labels = [b.label for row in user.last.buttons for b in row]
    assert translate("zh_CN", "Check my subsidies") in labels
    await user.say("/lang")
    await user.tap("lang:en")
    await user.say("/start")
    assert "Check my subsidies" in [b.label for row in user.last.buttons for b in row]


async def test_typing_a_label_or_its_number_is_pressing_it(wechat, channel, sender):
    pressed = WechatUser(wechat, channel, sender, "oPressed000000000000000001")
    typed = WechatUser(wechat, channel, sender, "oTyped00000000000000000001")
    numbered = WechatUser(wechat, channel, sender, "oNumbered0000000000000001")
    for user in (pressed, typed, numbered):
        await user.say("/start")
    await pressed.tap("menu:check")
    label = next(b.label for row in typed.last.buttons for b in row if b.value == "menu:check")
    await typed.say(label)
    position = [b.value for row in numbered.last.buttons for b in row].index("menu:check") + 1
    await numbered.say(str(position))
    assert pressed.last.text == typed.last.text == numbered.last.text
    assert "务工" in pressed.last.text


HOSTILE = st.one_of(
    # What WeChat can carry in XML: no control characters or surrogates.
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=60).filter(
        lambda s: s.strip() and "]]>" not in s
    ),
    st.sampled_from(
        [
            "'; DROP TABLE chat_identity; --",
            "<script>alert(1)</script>",
            "<xml><a>1</a></xml>",
            "😀🎉👍🏽‍♀️",
            "菜单",
            "/start 不存在的邀请码",
            "99",
            "0",
            "长" * 2000,
        ]
    ),
)


async def test_hostile_input_always_gets_an_answer(wechat, channel, sender, session_factory):
    """Whatever a WeChat user types, at whatever step, every message gets exactly one merged
    reply with some text, however often it is delivered."""
    users = itertools.count(1)
    collected: list[list[str]] = []

    @settings(
        max_examples=15,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(texts=st.lists(HOSTILE, min_size=1, max_size=5))
    def plan(texts: list[str]) -> None:
        collected.append(texts)

    plan()
    for texts in collected:
        user = WechatUser(wechat, channel, sender, f"oHostile{next(users):018d}")
        await user.click("menu:check")
        for text in texts:
            reply = await user.say(text)  # asserts one reply per message
            assert reply.strip()
