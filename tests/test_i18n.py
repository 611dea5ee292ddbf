"""Translations: every message in the code is in both catalogs, translated, placeholders intact."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from common.i18n import translate

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{(\w+)\}")
KEYWORDS = ["-k", "translate:2", "-k", "N_", "-k", "t", "-k", "button", "-k", "Reask"]


def catalog(language: str):
    with open(ROOT / "locales" / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    """The msgids the code uses now, extracted as `make babel-extract` does."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "--no-location",
            "-F",
            "babel.cfg",
            *KEYWORDS,
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open(pot, "rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_every_message_of_the_code_is_translated(extracted, language):
    messages = {m.id: m.string for m in catalog(language) if m.id}
    missing = sorted(extracted - set(messages))
    assert not missing, f"run `make babel-update`: not in {language}: {missing[:5]}"
    empty = sorted(i for i in extracted if not messages[i])
    assert not empty, f"untranslated in {language}: {empty[:5]}"


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_translations_keep_their_placeholders(language):
    for message in catalog(language):
        if message.id and message.string:
            assert set(PLACEHOLDER.findall(message.id)) == set(
                PLACEHOLDER.findall(message.string)
            ), message.id


def test_chinese_is_the_default_and_english_the_second_language():
    assert translate("zh_CN", "Labour subsidy assistant") == "务工补贴助手"
    assert translate("en", "Labour subsidy assistant") == "Labour subsidy assistant"
    assert translate("fr", "Labour subsidy assistant") == "务工补贴助手"


def test_every_staff_menu_label_is_translated():
    """Given every dialog module registered, each staff menu button has a Chinese label: a
    label not marked for extraction would show in English in a Chinese staff member's menu."""
    from bot.dialogs import REGISTRY

    chinese = {m.id: m.string for m in catalog("zh_CN") if m.id}
    labels = [entry.label for entry in REGISTRY.staff_menu]
    assert len(labels) >= 8
    for label in labels:
        assert chinese.get(label), f"staff menu label not in the zh_CN catalog: {label!r}"
        assert translate("zh_CN", label) == chinese[label] != label
