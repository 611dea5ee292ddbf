"""The work-record table's rows (就业信息) as staging records: one record per work row.

A work row's few-valued cells come in groups (the terms, the money, the job), each group parsed
once per combination of values a file has. The person's own columns are filled on their first
imported row only; later rows of theirs are recognised by the ID cell and carry none.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from operator import itemgetter
from typing import Any

from db.crypto import Keyring
from db.imports import values
from db.imports.cells import CACHE_LIMIT, optional, place_code
from db.imports.columns import Header
from db.imports.problems import Problem
from db.imports.records import Converter, Record
from db.imports.regions import Regions
from policy import load_parameters

_NO_PERSON: Record = (None,) * 14
Key = tuple[Any, ...]  # the cells of a group, as they were read
Parsed = tuple[Record, tuple[tuple[str, str], ...]]  # values, ((field, problem code), ...)
# A group of cells: its cells taken from a row, their parser, what each key parsed to.
Group = tuple[Callable[[list[Any]], Key], Callable[[Key], Parsed], dict[Key, Parsed]]


class WorkRows(Converter):
    """Converts the rows of a work-record table; a person's months seen once each."""

    def __init__(self, header: Header, keys: Keyring, regions: Regions, today: date) -> None:
        super().__init__(header, keys, regions, today)
        self.fen = optional(values.fen)
        # One household number a household: remembering them would only hold memory.
        self.household_number = optional(values.text, 32, remember=False)
        # The monthly incomes the national system accepts (docs/domain.md §3.1), in fen.
        params = load_parameters()
        self.income_min_fen = int(params.get("checks.wage_min", today)) * 100
        self.income_max_fen = int(params.get("checks.wage_max", today)) * 100
        # The groups' fields, their parsers and what each key parsed to (also read by the
        # columnar path, db/imports/columnar.py, which parses the same keys the same way).
        self.group_specs: list[tuple[tuple[str, ...], Callable[[Key], Parsed], dict[Key, Parsed]]]
        self.group_specs = [
            (fields, parse, {})
            for fields, parse in (
                (("start", "end", "is_working", "point_to_point", "household_type",
                  "monitoring_category"), self._terms),
                (("income", "transport"), self._money),
                (("channel", "employer", "industry", "work_county", "work_area"), self._job),
            )
        ]  # fmt: skip
        self._groups: list[Group] = [
            (itemgetter(*(self.index[f] for f in fields)), parse, cache)
            for fields, parse, cache in self.group_specs
        ]

    # -- groups of few-valued cells, parsed once per combination -------------------------------

    def _terms(self, key: Key) -> Parsed:
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

    def _money(self, key: Key) -> Parsed:
        problems: list[tuple[str, str]] = []
        income = self._parse(self.fen, key[0], "income", problems)
        if income is not None and not self.income_min_fen <= int(income) <= self.income_max_fen:
            problems.append(("income", "income_out_of_range"))
        transport = self._parse(self.fen, key[1], "transport", problems)
        if transport is not None and transport.startswith("-"):
            problems.append(("transport", "amount_invalid"))
        return (income, transport), tuple(problems)

    def _job(self, key: Key) -> Parsed:
        channel, employer, industry, county, area = key
        place = self.texts[100](county) or self.texts[100](area)
        found = (
            self.texts[32](channel),
            self.texts[200](employer),
            self.texts[100](industry),
            place_code(place) if place else None,
            place,
        )
        return found, ()

    # -- the row ---------------------------------------------------------------------------------

    # One call per row of a million, kept in one piece: a call per part costs the import time.
    def _row(self, row: int, cells: list[Any], problems: list[Problem]) -> Record | None:  # noqa: C901
        parts: list[Record] = []
        for key_of, parse, cache in self._groups:
            key = key_of(cells)
            parsed = cache.get(key)
            if parsed is None:
                parsed = parse(key)
                if len(cache) < CACHE_LIMIT:
                    cache[key] = parsed
            parts.append(parsed[0])
            for field, code in parsed[1]:
                problems.append(self._problem(row, field, cells, code))
        raw_id = cells[self.index["id_number"]]
        people = self.people
        # An ID cell written as the normalised ID (the usual case) finds the person directly;
        # only other spellings need the second map (memory: a million rows, 100,000 people).
        found = people.by_id.get(raw_id) if raw_id.__class__ is str else None
        if found.__class__ is not int:
            found = people.by_spelling.get(raw_id)
        first = None
        if found is None:
            person = people.identify(raw_id)
            if isinstance(person, str):
                problems.append(self._problem(row, "id_number", cells, person))
                return None
            found = person[2]
            first = person
        known: int = found
        start = parts[0][2]
        if start is not None and not problems and people.repeated(known, start):
            problems.append(self._problem(row, "start", cells, "duplicate_record"))
        terms, money, job = parts
        if first is None or not first[5]:
            if problems:
                return None
            return (str(row), people.index(known), *terms, *money, *job, *_NO_PERSON)
        # The person's first imported row carries their data; later rows are recognised by the
        # ID cell as written.
        name = self.texts[64](cells[self.index["name"]])
        if name is None:
            problems.append(self._problem(row, "name", cells, "missing"))
        if problems:
            people.forget(first[0])
            return None
        if raw_id != first[0]:
            people.spelled(raw_id, known)
        return (
            str(row),
            first[1],
            *terms,
            *money,
            *job,
            *(
                self.household_number(cells[self.index["household_number"]]),
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
                self.keys.blind_index("id_tail", first[0]),
            ),
        )
