"""Region codes for an export's 县/乡/村 names, found in the division register within the county."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.division_names import clean, closest, township_forms, village_forms, words
from db.models import Region
from policy.divisions import divisions, successor
from policy.errors import AmbiguousPlace, PolicyError
from policy.places import resolve_place

RegisterRow = tuple[str, str, int | None]  # code, name, last valid year (None: current)
ALL_VILLAGES = "*"  # the scope of a county's villages, whatever their township


@dataclass(frozen=True)
class PlaceNote:
    """Why a row was stored at a less precise code than its names: the field whose name was not
    found, the name, a problem code, where the row went (in words) and the closest names of
    the register there."""

    field: str
    value: str
    code: str
    imported_at: str
    suggestions: tuple[str, ...]


Place = tuple[str | None, PlaceNote | None]


class County:
    """The townships and villages of one county, indexed by the forms of their names."""

    def __init__(self, code: str, name: str, rows: Iterable[RegisterRow]) -> None:
        self.code = code
        self.name = name
        self.names: dict[str, str] = {}
        self.bare: dict[str, str] = {}  # code -> the bare name suggestions are scored on
        self.retired: set[str] = set()
        # (parent, strictness, form) -> codes; a village is filed under its township and its
        # county (a village whose township name was not found may still be unique there).
        self.index: dict[tuple[str, int, str], list[str]] = defaultdict(list)
        self.children: dict[str, list[str]] = defaultdict(list)
        for child, child_name, valid_to in rows:
            if len(child) == 9:
                forms: tuple[str, ...] = township_forms(child_name)
                parents: tuple[str, ...] = (code,)
            elif len(child) == 12:
                forms = village_forms(child_name)
                parents = (child[:9], ALL_VILLAGES)
            else:
                continue
            self.names[child] = child_name
            self.bare[child] = forms[-1]
            if valid_to is not None:
                self.retired.add(child)
            for parent in parents:
                if valid_to is None:
                    self.children[parent].append(child)
                for strictness, form in enumerate(forms):
                    self.index[(parent, strictness, form)].append(child)

    def match(self, parent: str, forms: tuple[str, ...]) -> list[str]:
        """The codes under ``parent`` at the strictest form that matches; current codes win
        over retired ones."""
        for strictness, form in enumerate(forms):
            codes = self.index.get((parent, strictness, form))
            if codes:
                current = [code for code in codes if code not in self.retired]
                return current or codes
        return []

    def words(self, code: str) -> str:
        return words(code, self.names, self.name)

    def suggest(self, parent: str, bare: str, *, with_township: bool = False) -> tuple[str, ...]:
        codes = closest(bare, {code: self.bare[code] for code in self.children.get(parent, [])})
        return tuple(self._label(code, with_township) for code in codes)

    def _label(self, code: str, with_township: bool) -> str:
        township = self.names.get(code[:9]) if with_township and len(code) == 12 else None
        return f"{self.names[code]}（{township}）" if township else self.names[code]

    def resolve(self, township: str, village: str) -> Place:
        """The township's or village's code, else the most precise one found and a note."""
        if not self.children.get(self.code):
            note = PlaceNote(
                "township" if township else "village",
                township or village,
                "place_county_not_in_register",
                self.words(self.code),
                (),
            )
            return self.code, note
        found = self.match(self.code, township_forms(township)) if township else []
        if len(found) == 1:
            return self._village(found[0], village)
        if village:
            anywhere = self.match(ALL_VILLAGES, village_forms(village))
            if len(anywhere) == 1:
                return anywhere[0], None
            if not township:
                return self.code, self._note("village", village, anywhere, ALL_VILLAGES)
        return self.code, self._note("township", township, found, self.code)

    def _village(self, township: str, village: str) -> Place:
        if not village:
            return township, None
        found = self.match(township, village_forms(village))
        if len(found) == 1:
            return found[0], None
        return township, self._note("village", village, found, township)

    def _note(self, field: str, name: str, matches: list[str], parent: str) -> PlaceNote:
        """Several matches are the suggestions; none: the closest names under ``parent``."""
        county_wide = parent == ALL_VILLAGES
        imported_at = self.code if county_wide or field == "township" else parent
        where = "_in_county" if county_wide else ""
        if matches:
            code = f"place_{field}_ambiguous{where}"
            suggestions = tuple(self._label(match, county_wide) for match in sorted(matches))
        else:
            code = f"place_{field}_unknown{where}"
            bare = (village_forms(name) if field == "village" else township_forms(name))[-1]
            suggestions = self.suggest(parent, bare, with_township=county_wide)
        return PlaceNote(field, name, code, self.words(imported_at), suggestions)


class Regions:
    """Exports name places, wugong scopes staff by code: the most precise code the names allow.

    The county (a name or code, retired ones through their successor) is resolved by the
    policy's table; the township among the register's townships of that county, the village
    among its township's villages (or, when the township name was not found, among the
    county's). Names are compared as written, then as people say them (三甲村 for 三甲村委会,
    寺庄 for 寺庄镇), then bare. A name not found leaves the row at the level above with a note
    that names the closest register names. Each county is read from the database once, the
    first time a row names it; each distinct (county, township, village) is resolved once.
    """

    def __init__(self, fetch: Callable[[str], Iterable[RegisterRow]]) -> None:
        self._fetch = fetch
        self._counties: dict[str, County] = {}
        self._cache: dict[tuple[str, str, str], Place] = {}

    @classmethod
    def load(cls, engine: Engine) -> Regions:
        """Regions reading the register through connections of their own, as needed (the
        importing connection may be busy merging on another thread)."""

        def fetch(county: str) -> list[RegisterRow]:
            with engine.connect() as connection:
                rows = connection.execute(
                    sa.select(Region.code, Region.name, Region.valid_to).where(
                        Region.code.startswith(county, autoescape=True)
                    )
                )
                return [(code, name, valid_to) for code, name, valid_to in rows]

        return cls(fetch)

    def resolve(self, county: str, township: str, village: str) -> Place:
        key = (county, township, village)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._find(county, clean(township), clean(village))
        return found

    def code(self, county: str, township: str, village: str) -> str | None:
        return self.resolve(county, township, village)[0]

    def _find(self, county: str, township: str, village: str) -> Place:
        if not county:
            return None, None
        try:
            found = successor(resolve_place(county))
        except AmbiguousPlace as error:
            names = tuple(candidate.name for candidate in error.candidates)
            return None, PlaceNote("county", county, "place_county_ambiguous", "", names)
        except PolicyError:
            return None, PlaceNote("county", county, "place_county_unknown", "", ())
        if len(found) != 6 or not (township or village):
            return found, None
        return self._county(found).resolve(township, village)

    def _county(self, code: str) -> County:
        county = self._counties.get(code)
        if county is None:
            rows = list(self._fetch(code))
            name = next((name for child, name, _ in rows if child == code), None)
            division = divisions().get(code)
            name = name or (division.name if division else code)
            county = self._counties[code] = County(code, name, rows)
        return county
