"""Reading a place out of what people write: 浙江宁波, 在浙江宁波打工, 在宁波一个厂里, 北京朝阳."""

from __future__ import annotations

from policy import resolve_place


def read_place(text: str) -> str:
    """The division code of the place a message names, also inside a sentence.

    Raise policy.errors.AmbiguousPlace (with candidates to offer as buttons) when several
    places fit, UnknownPlace when none does.
    """
    return resolve_place(text)
