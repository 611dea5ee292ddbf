"""Places: resolve a code or Chinese name to a division code, name it, classify work vs home."""

from __future__ import annotations

import re
from collections.abc import Sequence

from policy.divisions import Division, divisions, successor
from policy.errors import AmbiguousPlace, PlaceCandidate, UnknownPlace
from policy.once import built_once

OTHER_PROVINCE = "other_province"
OWN_PROVINCE = "own_province"
OWN_CITY = "own_city"
HOME_COUNTY = "home_county"

# Suffixes people drop when they speak: 浙江(省), 宁波(市), 高平(市), 广西(壮族自治区).
_ETHNIC = r"(?:[\u4e00-\u9fff]{1,5}?族)+"
_SHORTEN = {
    2: re.compile(r"^(.{2,}?)(?:省|市|(?:壮族|回族|维吾尔)?自治区|特別行政區|特别行政区)$"),
    4: re.compile(rf"^(.{{2,}}?)(?:市|地区|盟|{_ETHNIC}自治州|自治州)$"),
    6: re.compile(rf"^(.{{2,}}?)(?:市|县|区|旗|{_ETHNIC}自治[县旗]|自治[县旗]|林区|特区)$"),
}
_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
# Names people say that no suffix rule derives: 内蒙 for 内蒙古, 呼市 for 呼和浩特.
_ALIASES = {"内蒙": "15", "呼市": "1501"}
# A typo that keeps a name readable: 苏洲, 广洲 for 苏州, 广州 (same sound, the input method's
# first choice). Tried only where the name as written is not one.
_TYPOS = str.maketrans("洲", "州")


def _forms(name: str, level: int) -> list[tuple[str, int]]:
    """The full name (rank 0) and its spoken short forms (rank 1), if there are any."""
    forms = [(name, 0)]
    match = _SHORTEN[level].match(name)
    if match:
        forms.append((match.group(1), 1))
        # The shortest stem can cut too much or too little: 万柏林区 is 万柏林 (not 万柏, as if it
        # were a 林区), 浦东新区 and 滨海新区 are 浦东 and 滨海.
        for suffix in ("区", "新区"):
            stem = name.removesuffix(suffix)
            if level == 6 and stem != name and len(stem) >= 2 and stem != match.group(1):
                forms.append((stem, 1))
    return forms


def _parents(code: str) -> list[Division]:
    """Province and city of a code, skipping grouping rows such as 市辖区."""
    found = divisions()
    chain = [found.get(code[:n]) for n in (2, 4) if n < len(code)]
    return [d for d in chain if d is not None and not d.placeholder]


@built_once
def _index() -> dict[str, tuple[tuple[str, int, bool], ...]]:
    """Spoken form -> ((code, rank, current), ...); rank 0 when the most specific part is in
    full. Held by every process that reads a place (80,000 forms): its entries are shared."""
    index: dict[str, tuple[tuple[str, int, bool], ...]] = {}
    entries: dict[tuple[str, int, bool], tuple[str, int, bool]] = {}

    def add(form: str, entry: tuple[str, int, bool]) -> None:
        index[form] = (*index.get(form, ()), entries.setdefault(entry, entry))

    for code, division in divisions().items():
        if division.placeholder:
            continue
        level = len(code)
        prefixes = [""]
        for parent in _parents(code):
            prefixes += [
                p + form for p in prefixes for form, _ in _forms(parent.name, len(parent.code))
            ]
        for period in division.names:
            current = division.current and period is division.names[-1]
            for form, rank in _forms(period.name, level):
                for prefix in prefixes:
                    add(prefix + form, (code, rank, current))
    for alias, code in _ALIASES.items():
        add(alias, (code, 1, True))
    return index


@built_once
def _scan_table() -> tuple[int, frozenset[str]]:
    """The longest name in the index and the first two characters of every name, so that a scan
    skips at once the positions where no name starts."""
    index = _index()
    return max(map(len, index)), frozenset(name[:2] for name in index if len(name) >= 2)


def _normalize(text: str) -> str:
    return "".join(text.translate(_FULL_WIDTH).split())


def _from_code(code: str) -> str:
    # 140500 and 140000 are how city and province codes look when padded to six digits.
    if len(code) == 6 and code.endswith("0000"):
        code = code[:2]
    elif len(code) == 6 and code.endswith("00"):
        code = code[:4]
    if len(code) not in (2, 4, 6) or code not in divisions():
        raise UnknownPlace(code)
    return code


def resolve_place(text: str) -> str:
    """A division code (2, 4 or 6 digits) for a code or a name such as 浙江宁波 or 太原小店区.

    Current divisions win over retired ones and full names over short forms; if several places
    remain, AmbiguousPlace lists them (code and full name) so the person can pick one.
    """
    cleaned = _normalize(text)
    if not cleaned:
        raise UnknownPlace(text)
    if cleaned.isdigit():
        return _from_code(cleaned)
    codes = place_candidates(cleaned)
    if not codes:
        raise UnknownPlace(text)
    if len(codes) > 1:
        candidates = tuple(PlaceCandidate(code, place_name(code)) for code in codes)
        raise AmbiguousPlace(text, candidates)
    return codes[0]


def _lookup(name: str) -> str | None:
    """The index key a name is, also after fixing a known typo; None when it is none."""
    if name in _index():
        return name
    fixed = name.translate(_TYPOS)
    return fixed if fixed != name and fixed in _index() else None


def place_candidates(name: str) -> tuple[str, ...]:
    """The codes a place name (no code, no other words) can mean, sorted; () when none.

    Current divisions win over retired ones and full names over short forms; a province named
    alone wins over namesake counties.
    """
    key = _lookup(_normalize(name))
    if key is None:
        return ()
    matches: Sequence[tuple[str, int, bool]] = _index()[key]
    if any(current for _, _, current in matches):
        matches = [m for m in matches if m[2]]
    else:
        # Only retired places: the one retired last is the one people still remember.
        latest = max(_end_year(code) for code, _, _ in matches)
        matches = [m for m in matches if _end_year(m[0]) == latest]
    best = min(rank for _, rank, _ in matches)
    codes = sorted({code for code, rank, _ in matches if rank == best})
    provinces = [code for code in codes if len(code) == 2]
    if len(provinces) == 1:
        # Short province names collide with county ones (河南 vs 河南蒙古族自治县, 河北 vs 天津市
        # 河北区); a province named alone is by far the common meaning.
        codes = provinces
    return tuple(codes)


def find_place_names(text: str) -> list[tuple[int, str]]:
    """The place names in a text, left to right, as (position, index key): 在浙江宁波打工 gives
    (1, 浙江宁波). Positions count in the text without its spaces.

    At each position the longest name wins (浙江省宁波市 over 浙江), and the scan goes on after
    it. Names of one character are left out: inside a sentence they are ordinary words. Each
    position tries only as many lengths as the longest name has, so the cost grows with the
    length of the text, not with the size of the index.
    """
    cleaned = _normalize(text)
    found: list[tuple[int, str]] = []
    position = 0
    while position < len(cleaned) - 1:
        key = _longest_name_at(cleaned, position)
        if key is None:
            position += 1
        else:
            found.append((position, key))
            position += len(key)  # a fixed typo keeps the length
    return found


def _longest_name_at(text: str, position: int) -> str | None:
    longest, starts = _scan_table()
    pair = text[position : position + 2]
    if pair not in starts and pair.translate(_TYPOS) not in starts:
        return None
    for end in range(min(len(text), position + longest), position + 1, -1):
        key = _lookup(text[position:end])
        if key is not None:
            return key
    return None


def _end_year(code: str) -> int:
    return divisions()[code].names[-1].end or 0


def place_name(code: str) -> str:
    """Full display name: 浙江省宁波市, 山西省晋城市城区, 北京市朝阳区."""
    division = divisions().get(code)
    if division is None:
        raise UnknownPlace(code)
    return "".join(parent.name for parent in _parents(code)) + division.name


def status(code: str) -> str:
    """ "current", "retired" or "unknown" (not in the table at all)."""
    division = divisions().get(code)
    if division is None:
        return "unknown"
    return "current" if division.current else "retired"


def classify(work_place: str, home_county: str) -> str | None:
    """Where the work is, seen from the home county; None when the code is too coarse to tell.

    Retired codes are replaced by their successors first. A province code inside the home
    province, or a city code of the home city, cannot say whether the work is in the home county.
    """
    work, home = successor(work_place), successor(home_county)
    if work[:2] != home[:2]:
        return OTHER_PROVINCE
    if len(work) < 4:
        return None
    if work[:4] != home[:4]:
        return OWN_PROVINCE
    if len(work) < 6:
        return None
    return HOME_COUNTY if work == home else OWN_CITY


def contains(area: str, code: str) -> bool:
    """True when `code` lies inside `area` (both compared through their successors)."""
    return successor(code).startswith(successor(area))
