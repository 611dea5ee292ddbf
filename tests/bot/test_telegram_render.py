"""Rendering replies as Telegram messages, and reading updates as messages: no network."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update

from bot.channels.telegram.channel import file_base_url
from bot.channels.telegram.convert import convert
from bot.channels.telegram.render import MAX_TEXT, SHARE_PHONE, render, split_text
from bot.messages import Button, FileRef, Reply
from common.i18n import translate
from tests.fakes.telegram_api import Updates

YES_NO = (Button("是", "yes"), Button("否", "no"))
LONG = (
    Button("Lifted out of poverty (脱贫户)", "hh:poverty_alleviated"),
    Button("Neither", "hh:none"),
)


def rows(markup: InlineKeyboardMarkup) -> list[list[str]]:
    return [[key.callback_data for key in row] for row in markup.inline_keyboard]


def test_short_labels_go_two_to_a_row_and_long_ones_one():
    (short,), _ = render([Reply("?", YES_NO + YES_NO[:1])], "zh_CN", keyboard_shown=False)
    (long,), _ = render([Reply("?", LONG)], "zh_CN", keyboard_shown=False)
    assert rows(short.markup) == [["yes", "no"], ["yes"]]
    assert rows(long.markup) == [["hh:poverty_alleviated"], ["hh:none"]]


def test_replies_without_buttons_are_joined_to_the_next_one():
    """Three replies, the middle one with buttons, become two messages."""
    messages, _ = render(
        [Reply("Got it."), Reply("Which?", YES_NO), Reply("Or type it.")],
        "en",
        keyboard_shown=False,
    )
    assert [m.text for m in messages] == ["Got it.\n\nWhich?", "Or type it."]
    assert isinstance(messages[0].markup, InlineKeyboardMarkup)
    assert isinstance(messages[1].markup, ReplyKeyboardRemove)


def test_the_phone_keyboard_offers_the_contact_key_and_the_buttons():
    (message,), shown = render(
        [Reply("Share?", (Button("Skip", "skip"),), request_contact=True)],
        "en",
        keyboard_shown=False,
    )
    assert shown
    assert isinstance(message.markup, ReplyKeyboardMarkup)
    (contact,), (skip,) = message.markup.keyboard
    assert contact.text == translate("en", SHARE_PHONE) and contact.request_contact
    assert skip.text == "Skip" and not skip.request_contact
    assert message.markup.one_time_keyboard


def test_after_the_phone_keyboard_inline_buttons_come_by_an_edit():
    """One message has one markup: the removal is sent with the text, the buttons edited in."""
    (message,), shown = render([Reply("Next?", YES_NO)], "en", keyboard_shown=True)
    assert not shown
    assert isinstance(message.markup, ReplyKeyboardRemove)
    assert rows(message.then_inline) == [["yes", "no"]]
    (plain,), shown = render([Reply("Thanks.")], "en", keyboard_shown=True)
    assert isinstance(plain.markup, ReplyKeyboardRemove) and plain.then_inline is None


def test_texts_over_telegrams_limit_are_split_at_line_ends():
    text = ("第一行" * 500 + "\n") * 5
    parts = split_text(text)
    assert all(len(part) <= MAX_TEXT for part in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")
    assert split_text("x" * (MAX_TEXT + 1)) == ["x" * MAX_TEXT, "x"]
    messages, _ = render([Reply(text, YES_NO)], "en", keyboard_shown=False)
    assert len(messages) == len(parts) == 3
    assert rows(messages[-1].markup) == [["yes", "no"]]


def test_the_file_url_sits_beside_the_api_url():
    assert file_base_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_base_url("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"
    assert file_base_url("http://local/api") == "http://local/api/file"


def incoming(data):
    return convert(Update.de_json(data, None), "WugongTestBot").incoming


def test_updates_become_channel_agnostic_messages():
    updates = Updates()
    text = incoming(updates.text(5, "/start@WugongTestBot ABC", language="en-US"))
    assert (text.user, text.text, text.language_hint) == ("5", "/start ABC", "en-US")
    assert text.update_id is not None
    press = convert(Update.de_json(updates.button(5, "hh:none"), None), None)
    assert press.incoming.button == "hh:none" and press.callback_query_id
    own = incoming(updates.contact(5, "+8613800138000"))
    other = incoming(updates.contact(5, "+8613900139000", own=False))
    assert (own.contact_phone, own.contact_is_own, other.contact_is_own) == (
        "+8613800138000",
        True,
        False,
    )
    photo = incoming(updates.photo(5))
    assert photo.file.kind == "photo" and photo.file.file_id.endswith("-l")
    document = incoming(updates.document(5))
    assert document.file == FileRef(
        "document", document.file.file_id, "证明.pdf", "application/pdf", 52000
    )
    for kind in ("sticker", "voice", "location"):
        assert incoming(getattr(updates, kind)(5)).unsupported == kind


def test_an_animation_is_unsupported_not_a_document():
    updates = Updates()
    animation = {"file_id": "a1", "file_unique_id": "a1", "width": 1, "height": 1, "duration": 1}
    document = {"file_id": "a1", "file_unique_id": "a1", "file_name": "x.gif.mp4"}
    update = updates.message(5, {"animation": animation, "document": document})
    assert incoming(update).unsupported == "animation"
