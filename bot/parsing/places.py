"""Reading a place out of what people write: 浙江宁波, 在浙江宁波打工, 在宁波一个厂里, 北京朝阳.

The words around a place are not listed and stripped: the text is scanned for the names the
division index knows (policy.places.find_place_names), and what the names found say together is
read: a province and one of its cities is the city, two unrelated places are asked about.
"""

from __future__ import annotations

import unicodedata

from bot.parsing.errors import TextTooLong
from bot.parsing.text import prepare
from policy import place_name, resolve_place
from policy.errors import AmbiguousPlace, PlaceCandidate, UnknownPlace
from policy.places import find_place_names, place_candidates

# Short place names that, inside a sentence, are far more often ordinary words: 在大城市打工 is
# no 大城县, 在一个小店打工 no 小店区, 上街, 公安局, 合作社, 长子 (the eldest son). Inside a
# sentence they only count when a province or city named beside them confirms them (太原 小店);
# a message that is nothing but the name is still read as the place.
ORDINARY_WORDS = frozenset(
    {
        "大城", "上街", "小店", "市区", "城区", "郊区", "矿区", "新区", "林区", "城中", "城北",
        "长子", "东方", "公园", "资源", "合作", "比如", "南部", "港口", "公安", "友好", "通道",
        "平安", "光明", "新兴", "四方", "东风", "红旗", "清水", "复兴", "温泉", "露天", "大方",
        "互助", "新华", "白云", "张家", "桃源", "渡口", "南岸", "前进", "解放", "动力", "和平",
        "共和", "友谊", "安定", "延长", "工农", "富裕", "前锋", "振兴", "向阳", "芙蓉", "平和",
        "莲花", "名山", "开元", "建华", "三门", "二七", "台前", "中方", "万年", "宏伟", "清新",
    }
)  # fmt: skip
# What follows the name of a town or village (长安镇 in 东莞, not 长安区): such a name is no county.
_BELOW_COUNTY = ("镇", "乡", "村", "街道")
# Provincial-level cities: their districts (北京朝阳, 上海普陀) are known as widely as cities.
_MUNICIPALITIES = ("11", "12", "31", "50")


def _compact(text: str) -> str:
    """The text without spaces and punctuation, so that 浙江 宁波 and 浙江.宁波 read as 浙江宁波."""
    return "".join(c for c in text if unicodedata.category(c)[0] not in {"P", "Z", "S", "C"})


def _prefer(codes: tuple[str, ...]) -> tuple[str, ...]:
    """The codes a clerk would still ask about among those one name can mean.

    A city wins over a county of its own named like it (长沙 is 长沙市, not 长沙县) and over
    county-level namesakes elsewhere (西安, 大同, 中山), except districts of the four
    provincial-level cities: 朝阳 stays 北京朝阳区 or 辽宁朝阳市.
    """
    cities = [code for code in codes if len(code) == 4]
    if len(cities) != 1:
        return codes
    city = cities[0]
    return tuple(
        code
        for code in codes
        if len(code) != 6 or (not code.startswith(city) and code[:2] in _MUNICIPALITIES)
    )


def _inside(codes: tuple[str, ...], areas: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(code for code in codes if any(code.startswith(area) for area in areas))


def _names(text: str) -> list[tuple[str, bool]]:
    """The place names in a compact text, each with whether it follows another name directly,
    less those of towns and villages."""
    found = []
    previous_end = -1
    for position, name in find_place_names(text):
        if not text.startswith(_BELOW_COUNTY, position + len(name)):
            found.append((name, position == previous_end))
        previous_end = position + len(name)
    return found


def _places(names: list[tuple[str, bool]]) -> list[tuple[str, ...]]:
    """The places the names found say, each as the codes it can still mean.

    A name inside a place named before it narrows that place (浙江 … 宁波 is 宁波), and a name
    around one does too (宁波 … 浙江); any other name is another place, except a county name
    written right after a place it is not in (东莞长安: 长安镇, a town of 东莞) and ordinary words,
    which only ever narrow.
    """
    places: list[tuple[str, ...]] = []
    for name, attached in sorted(names, key=lambda found: found[0] in ORDINARY_WORDS):
        codes = place_candidates(name)
        for number, place in enumerate(places):
            narrower = _inside(codes, place) or _inside(place, codes)
            if narrower:
                places[number] = narrower
                break
        else:
            below = attached and all(len(code) == 6 for code in codes)
            if codes and not below and name not in ORDINARY_WORDS:
                places.append(codes)
    return places


def read_place(text: str) -> str:
    """The division code of the place a message names, also inside a sentence.

    Raise policy.errors.AmbiguousPlace (with candidates to offer as buttons) when several
    places fit, UnknownPlace when none does.
    """
    try:
        compact = _compact(prepare(text))
    except TextTooLong as error:
        raise UnknownPlace(error.text) from None
    if not compact:
        raise UnknownPlace(text)
    if compact.isdigit():
        return resolve_place(compact)
    whole = place_candidates(compact)
    places = [whole] if whole else _places(_names(compact))
    codes = tuple(sorted({code for place in places for code in _prefer(place)}))
    if not codes:
        raise UnknownPlace(text)
    if len(codes) > 1:
        raise AmbiguousPlace(text, tuple(PlaceCandidate(code, place_name(code)) for code in codes))
    return codes[0]
