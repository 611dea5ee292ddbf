"""One export row -> one staging record, or the problems that keep it out (row by row).

Records hold text only (None for empty): dates in ISO form, booleans as 't'/'f', amounts in fen
as digits. That is what PostgreSQL's COPY reads without further work; the SQLite path converts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from operator import itemgetter
from typing import Any

from db.crypto import Keyring
from db.errors import InvalidValueError
from db.imports import values
from db.imports.columns import Header, Table
from db.imports.regions import Regions
from db.imports.values import BadValue
from db.pii import normalize_id
from policy.errors import InvalidIdNumber, PolicyError
from policy.places import resolve_place
from policy.ric import parse as parse_id

# The staging table's columns, in record order, with their SQL types. They are grouped as a
# work row's cells are parsed (see Converter._work); person and household columns come last and
# are filled on a person's first work row only, not repeated a million times.
STAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("row_no", "integer"),
    ("id_index", "text"),
    # terms
    ("household_type", "text"),
    ("monitoring_category", "text"),
    ("start_month", "date"),
    ("end_month", "date"),
    ("is_working", "boolean"),
    ("point_to_point", "boolean"),
    # money
    ("monthly_income_fen", "bigint"),
    ("transport_subsidy_fen", "bigint"),
    # job
    ("channel", "text"),
    ("employer_name", "text"),
    ("industry", "text"),
    ("work_county_code", "text"),
    ("work_place", "text"),
    # person and household
    ("household_number", "text"),
    ("region_code", "text"),
    ("risk_eliminated", "boolean"),
    ("identified_month", "date"),
    ("risk_eliminated_month", "date"),
    ("id_number", "text"),
    ("name", "text"),
    ("sex", "text"),
    ("birth_date", "date"),
    ("relation_to_head", "text"),
    ("phone", "text"),
    ("phone_index", "text"),
    ("labour_skill", "text"),
)
Record = tuple[str | None, ...]

# docs/domain.md §3.1: the national system flags a monthly income below 100 or above 30000 yuan.
INCOME_MIN_FEN = 100_00
INCOME_MAX_FEN = 30_000_00
_PHONE_SEPARATORS = re.compile(r"[,;，；/、\s]+")
_CACHE_LIMIT = 200_000
_NO_PERSON: Record = (None,) * 13
_MONTH_BASE = 1990 * 12  # work before 1990 is rare enough for the slower set
Parsed = tuple[Record, tuple[tuple[str, str], ...]]  # values, ((field, problem code), ...)


@dataclass(frozen=True)
class Problem:
    """Why a row was left out: the row number, the column as the file names it, the value."""

    row_number: int
    column: str
    value: str
    code: str


@dataclass(frozen=True)
class PlaceWarning:
    """A row imported at a less precise region than its place names: the row, the column and
    name not found in the register, why (a problem code), where it went, the closest names."""

    row_number: int
    column: str
    value: str
    code: str
    imported_at: str
    suggestions: tuple[str, ...]


def _cached(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``parse`` remembered per distinct cell value (exports repeat months, places, amounts)."""
    cache: dict[Any, Any] = {}

    def get(value: Any) -> Any:
        try:
            found = cache[value]
        except KeyError:
            try:
                found = parse(value)
            except BadValue as problem:
                found = problem
            if len(cache) < _CACHE_LIMIT:
                cache[value] = found
        if isinstance(found, BadValue):
            raise found
        return found

    return get


def _optional(parse: Callable[[Any], Any], size: int = 0) -> Callable[[Any], str | None]:
    """Empty cells are None; others parsed and written as record text (cut to ``size``)."""

    def read(value: Any) -> str | None:
        if value is None or (value.__class__ is str and not value.strip()):
            return None
        found = parse(value)
        if found is None:
            return None
        if found is True or found is False:
            return "t" if found else "f"
        written = found.isoformat() if isinstance(found, date) else str(found)
        return (written[:size] or None) if size else written

    return _cached(read)


@lru_cache(maxsize=4096)
def _place(text: str) -> str | None:
    try:
        return resolve_place(text)
    except PolicyError:
        return None  # kept as text; the cross-check then compares by name


class Converter:
    """Turns the rows of one file into staging records; remembers what it saw for duplicates."""

    def __init__(self, header: Header, keys: Keyring, regions: Regions, today: date) -> None:
        self.header = header
        self.keys = keys
        self.regions = regions
        self.today = today
        self.width = max(header.columns.values()) + 1
        # A field the file lacks reads the None appended after the last column.
        self.index = {field: header.columns.get(field, self.width) for field in _FIELDS}
        self.month = _optional(values.month)
        self.day = _optional(values.day)
        self.yes_no = _optional(values.yes_no)
        self.fen = _optional(values.fen)
        self.texts = {size: _optional(values.text, size) for size in (32, 64, 100, 200)}
        self.kinds = _cached(self._kind)
        # Rows imported with a place the register did not confirm; the caller takes them out.
        self.warnings: list[PlaceWarning] = []
        # Normalised ID -> (blind index, person number), or a problem code. An ID cell written
        # otherwise (spaces, a lower-case x, a number) -> the same tuple, once a row of the
        # person was imported.
        self._people: dict[str, tuple[str, int] | str] = {}
        self._known: dict[Any, tuple[str, int]] = {}
        # Per person number, the start months of their imported work records as bits from
        # _MONTH_BASE: some bytes a person where a set of a million keys would take 70 MB.
        self._months: list[int] = []
        self._other_months: set[tuple[int, int]] = set()
        self._groups: list[tuple[Callable[[list], tuple], Callable[[tuple], Parsed], dict]] = [
            (itemgetter(*(self.index[f] for f in fields)), parse, {})
            for fields, parse in (
                (("start", "end", "is_working", "point_to_point", "household_type",
                  "monitoring_category"), self._terms),
                (("income", "transport"), self._money),
                (("channel", "employer", "industry", "work_county", "work_area"), self._job),
            )
        ]  # fmt: skip

    def convert(self, row_number: int, cells: Sequence[Any]) -> Record | list[Problem] | None:
        """The record of a row, its problems, or None for a blank row (trailing, spacer)."""
        if not any(cells):
            return None  # blank (a spacer or trailing row); a row of zeros is no record either
        cells = [*cells, *([None] * (self.width + 1 - len(cells)))]
        problems: list[Problem] = []
        if self.header.table is Table.WORK:
            record = self._work(row_number, cells, problems)
        else:
            record = self._person(row_number, cells, problems)
        return problems if problems or record is None else record

    # -- shared --------------------------------------------------------------------------------

    def _problem(self, row: int, field: str, cells: Sequence[Any], code: str) -> Problem:
        value = values.text(cells[self.index[field]])
        return Problem(row, self.header.names.get(field, field), value, code)

    def _parse(self, parse: Callable[[Any], Any], raw: Any, field: str, problems: list) -> Any:
        try:
            return parse(raw)
        except BadValue as bad:
            problems.append((field, bad.code))
            return None

    def _kind(self, pair: tuple[Any, Any]) -> str | None:
        raw, category = pair
        if not values.text(raw) and not category and self.header.table is Table.WORK:
            return None  # the work table may leave it out; the person workbook may not
        return values.household_type(raw, category or "").value

    def _identify(self, raw: Any) -> tuple[str, str, int, str, str, bool] | str:
        """(ID, blind index, person number, sex, birth date, first time seen) or a problem."""
        try:
            # The form persons are stored and looked up by (full-width digits made ASCII).
            number = normalize_id(values.text(raw))
        except InvalidValueError:
            return "missing"
        known = self._people.get(number)
        if isinstance(known, str):
            return known
        if known is not None:
            return (number, known[0], known[1], "", "", False)
        try:
            record = parse_id(number, self.today)
        except InvalidIdNumber as error:
            self._people[number] = f"id_{error.code}"
            return f"id_{error.code}"
        self._people[number] = (self.keys.blind_index("id", number), len(self._months))
        self._months.append(0)
        return (number, *self._people[number], record.sex, record.birth_date.isoformat(), True)

    def _repeated(self, person: int, start: str) -> bool:
        """True if this person's record starting this month was seen; else remember it."""
        offset = int(start[:4]) * 12 + int(start[5:7]) - _MONTH_BASE
        if not 0 <= offset < 1024:
            key = (person, offset)
            if key in self._other_months:
                return True
            self._other_months.add(key)
            return False
        bit = 1 << offset
        if self._months[person] & bit:
            return True
        self._months[person] |= bit
        return False

    def _region(self, row: int, cells: list) -> str | None:
        code, note = self.regions.resolve(
            values.text(cells[self.index["county"]]),
            values.text(cells[self.index["township"]]),
            values.text(cells[self.index["village"]]),
        )
        if note is not None:
            column = self.header.names.get(note.field, note.field)
            self.warnings.append(
                PlaceWarning(row, column, note.value, note.code, note.imported_at, note.suggestions)
            )
        return code

    def _phone(self, raw: Any) -> tuple[str | None, str | None]:
        for part in _PHONE_SEPARATORS.split(values.text(raw)):
            digits = "".join(ch for ch in part if ch.isdigit())
            if len(digits) >= 7:
                return self.keys.encrypt(digits), self.keys.blind_index("phone", digits)
        return None, None

    # -- groups of few-valued cells, parsed once per combination -------------------------------

    def _terms(self, key: tuple) -> Parsed:
        """(household type, category, start, end, is working, point to point) and problems."""
        problems: list[tuple[str, str]] = []
        raw_start, raw_end, raw_working, raw_p2p, raw_kind, raw_category = key
        start = self._parse(self.month, raw_start, "start", problems)
        if start is None and not problems:
            problems.append(("start", "missing"))
        end = self._parse(self.month, raw_end, "end", problems)
        if start is not None and end is not None and end < start:
            problems.append(("end", "end_before_start"))
        category = self.texts[32](raw_category)
        kind = self._parse(self.kinds, (raw_kind, category), "household_type", problems)
        working = self._parse(self.yes_no, raw_working, "is_working", problems)
        p2p = self._parse(self.yes_no, raw_p2p, "point_to_point", problems)
        return (kind, category, start, end, working, p2p), tuple(problems)

    def _money(self, key: tuple) -> Parsed:
        problems: list[tuple[str, str]] = []
        income = self._parse(self.fen, key[0], "income", problems)
        if income is not None and not INCOME_MIN_FEN <= int(income) <= INCOME_MAX_FEN:
            problems.append(("income", "income_out_of_range"))
        transport = self._parse(self.fen, key[1], "transport", problems)
        if transport is not None and transport.startswith("-"):
            problems.append(("transport", "amount_invalid"))
        return (income, transport), tuple(problems)

    def _job(self, key: tuple) -> Parsed:
        channel, employer, industry, county, area = key
        place = self.texts[100](county) or self.texts[100](area)
        found = (
            self.texts[32](channel),
            self.texts[200](employer),
            self.texts[100](industry),
            _place(place) if place else None,
            place,
        )
        return found, ()

    # -- the work table ------------------------------------------------------------------------

    def _work(self, row: int, cells: list, problems: list[Problem]) -> Record | None:
        parts: list[Record] = []
        for key_of, parse, cache in self._groups:
            key = key_of(cells)
            parsed = cache.get(key)
            if parsed is None:
                parsed = parse(key)
                if len(cache) < _CACHE_LIMIT:
                    cache[key] = parsed
            parts.append(parsed[0])
            for field, code in parsed[1]:
                problems.append(self._problem(row, field, cells, code))
        raw_id = cells[self.index["id_number"]]
        # An ID cell written as the normalised ID (the usual case) finds the person directly;
        # only other spellings need the second map (memory: a million rows, 100,000 people).
        found = self._people.get(raw_id) if raw_id.__class__ is str else None
        if found.__class__ is not tuple:
            found = self._known.get(raw_id)
        first = None
        if found is None:
            person = self._identify(raw_id)
            if isinstance(person, str):
                problems.append(self._problem(row, "id_number", cells, person))
                return None
            shared = self._people[person[0]]  # one tuple for both lookups: memory
            assert not isinstance(shared, str)
            found = shared
            first = person
        known: tuple[str, int] = found
        start = parts[0][2]
        if start is not None and not problems and self._repeated(known[1], start):
            problems.append(self._problem(row, "start", cells, "duplicate_record"))
        terms, money, job = parts
        if first is None or not first[5]:
            if problems:
                return None
            return (str(row), known[0], *terms, *money, *job, *_NO_PERSON)
        # The person's first imported row carries their data; later rows are recognised by the
        # ID cell as written.
        name = self.texts[64](cells[self.index["name"]])
        if name is None:
            problems.append(self._problem(row, "name", cells, "missing"))
        if problems:
            del self._people[first[0]]  # a later, good row of this person carries their data
            return None
        if raw_id != first[0]:
            self._known[raw_id] = known
        return (
            str(row),
            known[0],
            *terms,
            *money,
            *job,
            *(
                self.texts[32](cells[self.index["household_number"]]),
                self._region(row, cells),
                None,
                None,
                None,
                self.keys.encrypt(first[0]),
                name,
                first[3],
                first[4],
                None,
                None,
                None,
                None,
            ),
        )

    # -- the person/household workbook ---------------------------------------------------------

    def _person(self, row: int, cells: list, problems: list[Problem]) -> Record | None:
        found: list[tuple[str, str]] = []
        index = self.index
        name = self.texts[64](cells[index["name"]])
        household_number = self.texts[32](cells[index["household_number"]])
        for field, value in (("name", name), ("household_number", household_number)):
            if value is None:
                found.append((field, "missing"))
        category = self.texts[32](cells[index["monitoring_category"]])
        raw_kind = cells[index["household_type"]]
        kind = self._parse(self.kinds, (raw_kind, category), "household_type", found)
        risk = self._parse(self.yes_no, cells[index["risk_eliminated"]], "risk_eliminated", found)
        months = [
            self._parse(self.month, cells[index[field]], field, found)
            for field in ("identified_month", "eliminated_month")
        ]
        birth = self._parse(self.day, cells[index["birth_date"]], "birth_date", found)
        person = self._identify(cells[index["id_number"]])
        if isinstance(person, str):
            found.append(("id_number", person))
        elif not person[5]:
            found.append(("id_number", "duplicate_person"))
        if found:
            problems.extend(self._problem(row, field, cells, code) for field, code in found)
            if not isinstance(person, str) and person[5]:
                del self._people[person[0]]  # a later, good row of this person may follow
            return None
        assert not isinstance(person, str)
        sex = values.sex(cells[index["sex"]])
        phone, phone_index = self._phone(cells[index["phone"]])
        return (
            (str(row), person[1], kind, category, None, None, None, None)
            + (None, None)
            + (None,) * 5
            + (
                household_number,
                self._region(row, cells),
                risk,
                months[0],
                months[1],
                self.keys.encrypt(person[0]),
                name,
                sex.value if sex is not None else person[3],
                birth or person[4],
                self.texts[32](cells[index["relation"]]),
                phone,
                phone_index,
                self.texts[32](cells[index["labour_skill"]]),
            )
        )


_FIELDS = (
    "county",
    "township",
    "village",
    "household_number",
    "name",
    "id_number",
    "relation",
    "sex",
    "birth_date",
    "household_type",
    "monitoring_category",
    "risk_eliminated",
    "identified_month",
    "eliminated_month",
    "labour_skill",
    "work_area",
    "phone",
    "work_county",
    "start",
    "end",
    "is_working",
    "channel",
    "employer",
    "industry",
    "point_to_point",
    "income",
    "transport",
)
