"""Place codes and names: resolution, ambiguity, display names and classification."""

from __future__ import annotations

import pytest

from policy import AmbiguousPlace, UnknownPlace, classify, place_name, resolve_place
from policy.divisions import divisions, successor


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("浙江", "33"),
        ("浙江省", "33"),
        ("宁波", "3302"),
        ("宁波市", "3302"),
        ("浙江宁波", "3302"),
        ("浙江省宁波市", "3302"),
        ("太原市小店区", "140105"),
        ("太原小店区", "140105"),
        ("山西省太原市小店区", "140105"),
        ("高平", "140581"),
        ("高平市", "140581"),
        ("晋中", "1407"),
        ("江苏", "32"),
        ("广东", "44"),
        ("北京", "11"),
        ("北京朝阳区", "110105"),
        ("河南", "41"),
        ("河北", "13"),
        ("广西", "45"),
        ("内蒙古", "15"),
        ("新疆", "65"),
        ("长治县", "140421"),
        ("上党区", "140404"),
        (" 140581 ", "140581"),
        ("140500", "1405"),
        ("140000", "14"),
        ("1405", "1405"),
        ("14", "14"),
        ("１４０５８１", "140581"),
    ],
)
def test_codes_and_names_resolve(text: str, code: str) -> None:
    assert resolve_place(text) == code


@pytest.mark.parametrize("text", ["城区", "朝阳区", "鼓楼区"])
def test_ambiguous_names_list_the_candidates_with_full_names(text: str) -> None:
    with pytest.raises(AmbiguousPlace) as caught:
        resolve_place(text)
    candidates = caught.value.candidates
    assert len(candidates) >= 2
    assert all(c.name.endswith(text) and resolve_place(c.code) == c.code for c in candidates)


def test_city_district_ambiguity_offers_the_shanxi_ones() -> None:
    with pytest.raises(AmbiguousPlace) as caught:
        resolve_place("城区")
    assert ("140502", "山西省晋城市城区") in {(c.code, c.name) for c in caught.value.candidates}
    # retired 城区 codes (长治 140402, 大同 140202) are not offered while current ones exist
    assert "140402" not in {c.code for c in caught.value.candidates}


@pytest.mark.parametrize("text", ["火星", "", "  ", "999999", "12345", "1499"])
def test_unknown_places_are_refused(text: str) -> None:
    with pytest.raises(UnknownPlace):
        resolve_place(text)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("3302", "浙江省宁波市"),
        ("140502", "山西省晋城市城区"),
        ("110105", "北京市朝阳区"),
        ("14", "山西省"),
        ("140421", "山西省长治市长治县"),
    ],
)
def test_place_names_for_display(code: str, name: str) -> None:
    assert place_name(code) == name


@pytest.mark.parametrize(
    ("work", "home", "kind"),
    [
        ("32", "140581", "other_province"),
        ("3302", "140581", "other_province"),
        ("1401", "140581", "own_province"),
        ("140105", "140581", "own_province"),
        ("140525", "140581", "own_city"),
        ("140581", "140581", "home_county"),
        ("14", "140581", None),
        ("1405", "140581", None),
        ("140404", "140421", "home_county"),
        ("140421", "140404", "home_county"),
        ("140403", "140402", "home_county"),
        ("140403", "140411", "home_county"),
        ("140405", "140424", "home_county"),
        ("140406", "140481", "home_county"),
        ("140403", "140421", "own_city"),
    ],
)
def test_classification_compares_successors(work: str, home: str, kind: str | None) -> None:
    assert classify(work, home) == kind


def test_every_successor_is_a_current_division() -> None:
    table = divisions()
    for old in ("140421", "140424", "140481", "140402", "140411"):
        new = successor(old)
        assert new != old
        assert not table[old].current
        assert table[new].current
