"""Cleaning what people type before it is read: width, invisible characters, whitespace, length."""

from __future__ import annotations

import re
import unicodedata

from bot.parsing.errors import TextTooLong

# Longer than any answer to a question of the bot (an amount, a month, a yes).
ANSWER_MAX_LEN = 100

# Normalising costs time in proportion to length, so refuse early what cannot shrink to an answer:
# only invisible characters and whitespace are dropped, and those do not make a long text short.
_RAW_FACTOR = 4

# Cc (controls), Cf (zero-width spaces, joiners, BOM, bidi marks) and Cs (lone surrogates) are
# invisible or unprintable; tabs and line breaks among them still separate words.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})

# Skin tones and emoji/text variation selectors: 👍🏽 and 👍️ mean 👍.
_EMOJI_MODIFIERS = re.compile("[\U0001f3fb-\U0001f3ff\ufe0e\ufe0f]")


def _visible(char: str) -> str:
    if char.isspace():
        return " "
    if unicodedata.category(char) in _DROPPED_CATEGORIES:
        return ""
    return char


def normalize_text(text: str) -> str:
    """NFKC (full-width to ASCII), no control or zero-width characters, single spaces, stripped."""
    visible = "".join(_visible(char) for char in text)
    return " ".join(unicodedata.normalize("NFKC", visible).split())


def is_reasonable_text(text: str, max_len: int = 200) -> bool:
    """Whether a message is something a person would type as an answer: not empty, not huge."""
    if len(text) > max_len * _RAW_FACTOR:
        return False
    normalized = normalize_text(text)
    return 0 < len(normalized) <= max_len


def prepare(text: str, max_len: int = ANSWER_MAX_LEN) -> str:
    """Normalised and lower-cased text, or TextTooLong; the first step of every parser."""
    if len(text) > max_len * _RAW_FACTOR:
        raise TextTooLong(text[:max_len])
    normalized = normalize_text(text)
    if len(normalized) > max_len:
        raise TextTooLong(normalized[:max_len])
    return normalized.lower()


def answer_key(text: str) -> str:
    """Text reduced to what tells answers apart: no case, spaces, punctuation or emoji modifiers."""
    folded = _EMOJI_MODIFIERS.sub("", normalize_text(text).casefold())
    return "".join(char for char in folded if unicodedata.category(char)[0] not in {"P", "Z", "C"})
