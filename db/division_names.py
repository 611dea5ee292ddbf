"""How division names are written: the register's (三甲村委会) and people's (三甲村, 寺庄)."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Mapping

# The register names a village by its committee; people name the place (三甲村委会 -> 三甲村).
_COMMITTEES = (
    ("社区居民委员会", "社区"),
    ("社区居委会", "社区"),
    ("村民委员会", "村"),
    ("村委会", "村"),
)
# What is left when the kind of place is dropped too: 三甲村 -> 三甲, 伯云社区 -> 伯云.
_VILLAGE_KINDS = ("社区", "居民委员会", "居委会", "村")
# 寺庄镇, 寺庄乡 and 寺庄 are one township to the people who live there (乡 became 镇).
_TOWNSHIP_KINDS = ("街道办事处", "办事处", "街道", "民族乡", "镇", "乡", "苏木")
SUGGESTIONS = 5


def clean(text: str) -> str:
    """NFKC (full-width letters and digits, U+3000) and no white space at all."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def display_name(name: str) -> str:
    """A village as people name it: 三甲村委会 -> 三甲村, 邢村村委会 -> 邢村, 伯云社区居委会 ->
    伯云社区; townships and everything else unchanged."""
    for suffix, kind in _COMMITTEES:
        if name.endswith(suffix) and len(name) > len(suffix):
            base = name[: -len(suffix)]
            return base if base.endswith(kind) else base + kind
    return name


def _without(name: str, kinds: Iterable[str]) -> str:
    for kind in kinds:
        if name.endswith(kind) and len(name) > len(kind):
            return name[: -len(kind)]
    return name


def village_forms(name: str) -> tuple[str, str, str]:
    """The forms compared, strictest first: as written, as people say it, the bare name."""
    written = clean(name)
    said = display_name(written)
    return written, said, _without(said, _VILLAGE_KINDS)


def township_forms(name: str) -> tuple[str, str]:
    """As written, and without 镇/乡/街道 (寺庄镇, 寺庄乡 and 寺庄 meet there)."""
    written = clean(name)
    return written, _without(written, _TOWNSHIP_KINDS)


def closest(bare: str, candidates: Mapping[str, str], limit: int = SUGGESTIONS) -> list[str]:
    """Up to ``limit`` codes of ``candidates`` (code -> bare name) nearest to ``bare``.

    Nearest by difflib's ratio (shared characters in order); names sharing no character with
    ``bare`` are no suggestion at all. Ties go to the lower code, so the answer is stable.
    """
    scored = []
    for code, other in candidates.items():
        score = difflib.SequenceMatcher(None, bare, other).ratio()
        if score > 0:
            scored.append((-score, code))
    return [code for _, code in sorted(scored)[:limit]]


def words(code: str, names: Mapping[str, str], county: str | None) -> str:
    """A township or village code in words: 高平市三甲镇三甲村 (``county``: the county's own
    name, or None to start at the township). A code the names lack keeps its digits beside the
    levels above it that they have: 高平市 (140581100200)."""
    parts = [county] if county else []
    parts += [
        display_name(names[code[:n]]) for n in (9, 12) if len(code) >= n and code[:n] in names
    ]
    text = "".join(parts)
    if len(code) > 6 and code not in names:
        return f"{text} ({code})" if text else code
    return text or code
