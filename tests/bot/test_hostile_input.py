"""Hostile and odd input at every step: every message gets an answer, nothing crashes."""

from __future__ import annotations

import threading

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.messages import FileRef, Incoming
from db.enums import Channel
from tests.bot.conftest import QUICK_CHECK

odd_messages = st.one_of(
    st.builds(dict, text=st.text(max_size=300)),
    st.builds(dict, text=st.sampled_from(["", " ", "/", "/unknown", "/start ", "菜单", "\u200b"])),
    st.builds(dict, text=st.text(min_size=3900, max_size=4100, alphabet="9x中<'")),
    st.builds(dict, button=st.text(max_size=64)),
    st.builds(dict, unsupported=st.sampled_from(["sticker", "voice", "location", "video"])),
    st.builds(dict, file=st.builds(FileRef, kind=st.just("photo"), file_id=st.text(max_size=40))),
    st.builds(dict, contact_phone=st.text(max_size=20)),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps_done=st.integers(0, len(QUICK_CHECK)), messages=st.lists(odd_messages, max_size=4))
def test_every_message_at_every_step_gets_an_answer(conversations, steps_done, messages):
    user = f"hostile-{steps_done}-{abs(hash(str(messages))) % 10**9}"
    for action, value in QUICK_CHECK[:steps_done]:
        key = "button" if action == "tap" else "text"
        conversations.handle(Incoming(channel=Channel.WEB, user=user, **{key: value}))
    for message in messages:
        replies = conversations.handle(Incoming(channel=Channel.WEB, user=user, **message))
        assert replies, f"no answer to {message!r}"
        assert all(reply.text and "Traceback" not in reply.text for reply in replies)


def test_two_quick_taps_of_one_user_are_handled_one_after_the_other(conversations):
    """Two messages of one user at the same moment: both answered, the dialog consistent."""
    for action, value in QUICK_CHECK[:4]:
        key = "button" if action == "tap" else "text"
        conversations.handle(Incoming(channel=Channel.WEB, user="racer", **{key: value}))
    results: list[list] = []

    def tap() -> None:
        results.append(
            conversations.handle(Incoming(channel=Channel.WEB, user="racer", button="employer:one"))
        )

    threads = [threading.Thread(target=tap) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2 and all(results)
    # The first tap answered the employer question; the second is an answer to the next one
    # (the wage), which a button cannot be, so it is re-asked: never a crash, never lost.
    texts = ["\n".join(reply.text for reply in replies) for replies in results]
    assert len(set(texts)) == 2
