"""Reading answers to questions: yes or no, and which of several offered options was meant."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

from bot.parsing.errors import NotAChoice, NotAnAnswer
from bot.parsing.text import answer_key, prepare

_YES = frozenset({
    "是", "是的", "是滴", "是啊", "对", "对的", "对头", "有", "有的", "好", "好的", "同意", "确认",
    "确定", "嗯", "恩", "可以", "行", "要", "需要", "中",  # 中 is "OK" in Shanxi and Henan speech
    "yes", "y", "ok", "okay", "yeah", "yep", "sure", "👍", "👌", "✅", "✔", "☑", "⭕",
})  # fmt: skip
_NO = frozenset({
    "否", "不是", "不对", "没有", "没", "无", "不", "不同意", "不确认", "不要", "不用", "不需要",
    "不行", "不可以", "不好", "no", "n", "nope", "nah", "👎", "❌", "✖", "✗", "✘", "×",
})  # fmt: skip
# Sentence-final particles that soften an answer without changing it (好的呀, 是的呢, ok了).
_PARTICLES = re.compile(r"[的啊呀吧哦噢喔了呢嘛啦哈滴]+$")
# 好好好, 对对对, 嗯嗯: repeating a word repeats the same answer.
_REPEATS = re.compile(r"(.+?)\1+")


def parse_yes_no(text: str) -> bool:
    """True for yes (是, 对, 好, 嗯, ok, 👍), False for no (否, 不是, 没有, no); or NotAnAnswer."""
    key = answer_key(prepare(text))
    for candidate in (key, _PARTICLES.sub("", key), _REPEATS.sub(r"\1", _PARTICLES.sub("", key))):
        if candidate in _YES:
            return True
        if candidate in _NO:
            return False
    raise NotAnAnswer(text)


def _letters(key: str) -> str:
    # Drops emoji and other symbols, so "申请" matches a button labelled "✅ 申请".
    return "".join(char for char in key if unicodedata.category(char)[0] != "S")


def parse_choice(text: str, options: Mapping[str, Sequence[str]]) -> str:
    """The option (a key of `options`) whose value or a synonym was typed; else NotAChoice.

    Case, width, spaces and punctuation do not count, so typing a button's label is the same as
    pressing the button. A text that fits several options is refused rather than guessed.
    """
    key = answer_key(prepare(text))
    if not key:
        raise NotAChoice(text)
    spellings = {
        value: [value, *([synonyms] if isinstance(synonyms, str) else synonyms)]
        for value, synonyms in options.items()
    }  # a lone string is one synonym, not a sequence of one-letter synonyms
    for reduce in (str, _letters):
        typed = reduce(key)
        matches = [
            value
            for value, words in spellings.items()
            if typed and typed in {reduce(answer_key(word)) for word in words}
        ]
        if len(matches) == 1:
            return matches[0]
        if matches:
            break
    raise NotAChoice(text)


# What the words of a message choose, by question. The values are what the dialogs store.
EMPLOYER_CHOICES = ("one", "several", "workshop")
HOUSEHOLD_CHOICES = ("poverty_alleviated", "monitored", "none", "unknown")


def read_employer(text: str) -> str:
    """ "one", "several" or "workshop" from words: 一直在一家, 同一家, 换过两次, 在帮扶车间.
    Raise NotAChoice, or Ambiguous with the options when the words fit two."""
    return parse_choice(
        text,
        {
            "one": ("一个单位", "一个", "one", "one employer"),
            "several": ("多个单位", "几个", "多个", "several"),
            "workshop": ("帮扶车间", "车间", "workshop"),
        },
    )


def read_household(text: str) -> str:
    """The household kind from words: 脱贫户, 是监测户, 不是脱贫户 (none), 不清楚 (unknown).
    Raise NotAChoice, or Ambiguous with the options when the words fit two."""
    return parse_choice(
        text,
        {
            "poverty_alleviated": ("脱贫户", "poverty alleviated"),
            "monitored": ("监测户", "监测对象", "防返贫监测户", "monitored"),
            "none": ("都不是", "不是", "none", "neither"),
            "unknown": ("不清楚", "不知道", "don't know", "not sure"),
        },
    )
