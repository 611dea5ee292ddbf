"""Translations: gettext catalogs under locales/, zh_CN first (the default) and en."""

from __future__ import annotations

import gettext as _gettext
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_date, get_month_names

DOMAIN = "messages"
DEFAULT_LANGUAGE = "zh_CN"
LANGUAGES: tuple[str, ...] = ("zh_CN", "en")
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"


def N_(message: str) -> str:
    """Mark a message for extraction without translating it yet (translated where it is shown)."""
    return message


def normalize_language(code: str | None) -> str:
    """Map a client's language code ("zh-hans", "en-US", None) to one of LANGUAGES."""
    if not code:
        return DEFAULT_LANGUAGE
    code = code.replace("-", "_").lower()
    if code.startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The compiled catalog of a language; a missing catalog is an installation error."""
    return _gettext.translation(DOMAIN, localedir=LOCALES_DIR, languages=[language])


def translate(language: str, message: str, **values: Any) -> str:
    """Translate `message` into `language` and fill in `{name}` placeholders."""
    text = translations(normalize_language(language)).gettext(message)
    return text.format_map(_Values(values)) if values else text


class _Values(dict[str, Any]):
    """Placeholders missing from the values stay visible instead of failing the whole reply."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def long_date(language: str, day: date) -> str:
    """A date as a notice prints it: 2026年12月2日, or December 2, 2026."""
    locale = "zh_CN" if normalize_language(language) == "zh_CN" else "en"
    return format_date(day, format="long", locale=locale)


def month_span(language: str, first: date, last: date | None) -> str:
    """A period of whole months as people read it: 2026年3月至11月, 2025年10月至2026年3月,
    2026年3月至今; March to November 2026, October 2025 to March 2026, March 2026 to now.
    `last` None: still going on. The days of the dates are ignored."""
    chinese = normalize_language(language) == "zh_CN"
    if chinese:
        start = f"{first.year}年{first.month}月"
        if last is None:
            return f"{start}至今"
        if (last.year, last.month) == (first.year, first.month):
            return start
        end = f"{last.month}月" if last.year == first.year else f"{last.year}年{last.month}月"
        return f"{start}至{end}"
    names = get_month_names("wide", locale="en")
    if last is None:
        return f"{names[first.month]} {first.year} to now"
    if (last.year, last.month) == (first.year, first.month):
        return f"{names[first.month]} {first.year}"
    if last.year == first.year:
        return f"{names[first.month]} to {names[last.month]} {last.year}"
    return f"{names[first.month]} {first.year} to {names[last.month]} {last.year}"
