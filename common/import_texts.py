"""What an import says: the error file's 问题 texts and the summary lines of a finished import,
in the language of whoever reads them (the command line, or a county admin's chat)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from common.i18n import N_, translate
from db.imports.monitoring import COUNTS

# The 问题 column of the error file, per problem code of db.imports.
PROBLEMS: dict[str, str] = {
    "missing": N_("The value is missing."),
    "id_length": N_("The ID number must have 18 characters."),
    "id_characters": N_("The ID number must be 17 digits followed by a digit or X."),
    "id_birth_date": N_("The birth date inside the ID number is impossible."),
    "id_checksum": N_("The check digit of the ID number is wrong."),
    "household_type_unknown": N_("Unknown household type (expected 脱贫户, 监测户 or similar)."),
    "month_invalid": N_("Not a month such as 2025年03月."),
    "date_invalid": N_("Not a date such as 1980-04-12."),
    "end_before_start": N_("The end month is before the start month."),
    "income_out_of_range": N_("The monthly income is outside 100–30000 yuan."),
    "amount_invalid": N_("Not an amount of money."),
    "yes_no_invalid": N_("Must be 是 or 否."),
    "duplicate_person": N_("This ID number is already on an earlier row."),
    "duplicate_record": N_("This person already has a work record starting that month above."),
    "county_invalid": N_("Not a 6-digit county code."),
    "year_invalid": N_("Not a year."),
    "program_unknown": N_("Not a program (transport, stable_employment or workshop_employment)."),
    "persons_invalid": N_("Not a whole number of people."),
    "ratio_invalid": N_("Not a share such as 0.95 or 95%."),
    # Rows imported with a warning: their 乡 or 村 is not in the division register.
    "place_county_unknown": N_("No county of this name: the row is imported without a place."),
    "place_county_ambiguous": N_(
        "Several counties have this name: the row is imported without a place."
    ),
    "place_county_not_in_register": N_(
        "The division register has no townships of this county: the row is imported at the "
        "county. Import the county's register with `wugong import regions`."
    ),
    "place_township_unknown": N_("The county has no township of this name in the register."),
    "place_township_ambiguous": N_("Several townships of the county match this name."),
    "place_village_unknown": N_("The township has no village of this name in the register."),
    "place_village_ambiguous": N_("Several villages of the township match this name."),
    "place_village_unknown_in_county": N_(
        "No township is given and the county has no village of this name in the register."
    ),
    "place_village_ambiguous_in_county": N_(
        "No township is given and several villages of the county match this name."
    ),
    "place_more_rows": N_(
        "{count} more rows with this name are not listed; they were imported the same way."
    ),
    "sheet_left_out": N_("Rows left out"),
    "sheet_warnings": N_("Imported, please check"),
    # The division register (wugong import regions).
    "region_code_invalid": N_("Not a division code of 2, 4, 6, 9 or 12 digits."),
    "region_parent_mismatch": N_(
        "The parent code is not the start of the code (a village's parent is the first 9 "
        "digits of its code)."
    ),
    "region_name_too_long": N_("The name is longer than 100 characters."),
    "duplicate_region": N_("This code is already on an earlier row."),
}

SUMMARY = N_(
    "{file}: {rows} rows — {inserted} new, {updated} updated, {unchanged} unchanged, "
    "{errors} with errors"
)
ERROR_FILE = N_("The rows with errors are listed in {path}")
UNKNOWN_LAYOUT = N_(
    "{file} is not a budget file I know. Per county, amounts in 万元: {per_county}. Per "
    "program, amounts in yuan: {per_program}."
)
WARNINGS = N_(
    "{count} rows were imported with a warning: a 乡 or 村 name is not in the division "
    "register, so they stand at the township or county. They are listed with the closest "
    "names in {path}"
)
MOVED = N_("{count} open claims moved with their applicants to the places found.")
RETIRED = N_("{count} codes missing from this release were marked retired (last valid {year}).")


def describe(language: str) -> Callable[[str], str]:
    """The 问题 text of a problem code, in ``language``."""
    return lambda code: translate(language, PROBLEMS.get(code, code))


def counts(result: Any) -> dict[str, int]:
    return {key: getattr(result, key) for key in COUNTS}


def summary(language: str, result: Any) -> list[str]:
    """The lines that tell how an import went: counts, then what needs looking at, and where."""
    where = result.error_file
    lines = [translate(language, SUMMARY, file=result.file_name, **counts(result))]
    if result.errors:
        lines.append(translate(language, ERROR_FILE, path=where))
    if getattr(result, "warnings", 0):
        lines.append(translate(language, WARNINGS, count=result.warnings, path=where))
    if getattr(result, "moved", 0):
        lines.append(translate(language, MOVED, count=result.moved))
    if getattr(result, "retired", 0):
        lines.append(translate(language, RETIRED, count=result.retired, year=result.year - 1))
    return lines
