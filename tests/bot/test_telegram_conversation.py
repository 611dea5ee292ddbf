"""Whole conversations through Telegram: the quick check, a language switch, hostile input."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.i18n import translate
from tests.fakes.telegram_api import serve_fake
from tests.fakes.telegram_harness import asgi_bot, uvicorn_bot

USER = 777001

# The quick check as a worker would answer it: (how, what) where how is "press" or "type".
QUICK_CHECK = [
    ("press", "menu:check"),
    ("type", "江苏"),
    ("type", "2025-03"),
    ("type", "2025-11"),
    ("press", "employer:one"),
    ("type", "4000"),
    ("press", "hh:poverty_alleviated"),
    ("type", "高平"),
    ("type", "1990-03"),
]


@pytest.fixture(scope="module")
def fake_api():
    with serve_fake() as fake:
        yield fake


@pytest.fixture
def fake(fake_api):
    fake_api.reset()
    yield fake_api
    fake_api.reset()


@pytest.fixture
async def bot(fake, engine, session_factory):
    async with asgi_bot(fake, engine, session_factory) as harness:
        yield harness


async def test_quick_check_by_buttons_and_typing_ends_with_the_amounts(bot):
    """Given a worker from 高平 (脱贫户) who worked in 江苏 from 2025-03 to 2025-11 for one
    employer at 4000 yuan a month, when they answer the quick check, the last reply names the
    transport subsidy (1500) and the stable-employment subsidy (1200)."""
    turn = await bot.say(USER, "/start")
    for how, what in QUICK_CHECK:
        if how == "press":
            # Only buttons the bot actually offered are pressed (menu buttons stay valid).
            assert what in turn.buttons or what.startswith("menu:"), (what, turn.buttons)
            turn = await bot.press(USER, what)
        else:
            turn = await bot.say(USER, what)
        assert turn.status == 200
        assert turn.texts, f"no reply to {what}"
    assert "1500" in turn.texts[-1]
    assert "1200" in turn.texts[-1]
    assert "menu:apply" in turn.buttons


def labels(turn) -> list[str]:
    return [
        key["text"]
        for call in turn.calls
        if call.method in ("sendMessage", "editMessageReplyMarkup")
        for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
        for key in row
    ]


async def test_switching_to_english_changes_the_replies(bot):
    """Given a user whose Telegram is in Chinese, when they send /lang and press English, the
    menu comes in English from then on, whatever their Telegram language says."""
    chinese = await bot.say(USER, "/start")
    assert translate("zh_CN", "Check my subsidies") in labels(chinese)
    offer = await bot.say(USER, "/lang")
    assert "lang:en" in offer.buttons
    switched = await bot.press(USER, "lang:en")
    assert switched.texts
    after = await bot.say(USER, "/start", language="zh-hans")
    assert "Check my subsidies" in labels(after)


HOSTILE_TEXTS = st.one_of(
    st.text(min_size=1, max_size=60),
    st.sampled_from(
        [
            "'; DROP TABLE chat_identity; --",
            "1 OR 1=1",
            "<script>alert(1)</script>",
            "<b>粗体</b> &amp; &lt;",
            "😀🎉👍🏽‍♀️",
            "\u202etxet desrever",
            "菜单",
            "/start 不存在的邀请码",
            "/unknown",
            "   ",
            "9" * 40,
            "2025-13",
            "-1",
        ]
    ),
    st.just("长" * 4000),
    st.just("x" * 4096),
)

ACTION = st.one_of(
    st.tuples(st.just("text"), HOSTILE_TEXTS),
    st.tuples(st.just("press"), st.none()),  # one of the buttons just offered
    st.tuples(st.just("press"), st.text(min_size=1, max_size=20)),  # a forged callback
    st.tuples(st.sampled_from(["sticker", "photo", "voice", "location", "document"]), st.none()),
)


def test_hostile_input_always_gets_an_answer(fake, engine, session_factory):
    """Whatever a user sends, at whatever step (random text with emoji, SQL and HTML, 4,000
    characters, stickers, photos, forged button data), every update gets at least one
    message back and no exception escapes."""
    users = itertools.count(880_000)
    with uvicorn_bot(fake, engine, session_factory) as bot:

        @settings(
            max_examples=25,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        @given(
            start=st.sampled_from(["/start", "menu:check"]), actions=st.lists(ACTION, max_size=8)
        )
        def sweep(start: str, actions: list[tuple[str, str | None]]) -> None:
            user = next(users)
            updates = bot.updates
            if start.startswith("/"):
                turn = bot.post_sync(updates.text(user, start))
            else:
                turn = bot.post_sync(updates.button(user, start))
            assert turn.status == 200 and turn.texts
            for kind, value in actions:
                if kind == "text":
                    update = updates.text(user, value)
                elif kind == "press":
                    offered = turn.buttons or ["menu:main"]
                    data = value if value is not None else offered[len(turn.calls) % len(offered)]
                    update = updates.button(user, data.encode()[:64].decode(errors="ignore") or "x")
                else:
                    update = getattr(updates, kind)(user)
                turn = bot.post_sync(update)
                assert turn.status == 200, (kind, value)
                assert turn.texts, f"no answer to {kind} {value!r}"
                assert all(text.strip() for text in turn.texts)

        sweep()
