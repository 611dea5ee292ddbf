"""The set-based merge of a staged chunk into households, persons and work records (SQL)."""

from __future__ import annotations

from dataclasses import dataclass

from db.imports.columns import Header, Table


@dataclass(frozen=True)
class Statements:
    """The SQL of one import: run in this order for every chunk of the staging table."""

    households: str
    persons: str
    employment: str | None  # the work table only
    count: str | None  # the person workbook: inserted, updated, rows of the chunk


# A region the names did not resolve (None) keeps the stored one instead of clearing it, and
# so does a coarser code of the same area (a village name the register lacks leaves the row at
# its township): an export with a misspelt village never undoes a place found before.
_NEW_VALUE = {
    "region_code": "CASE WHEN excluded.region_code IS NULL "
    "OR t.region_code LIKE excluded.region_code || '%' THEN t.region_code "
    "ELSE excluded.region_code END"
}
# The work table leaves people and households to the person workbook, but a more precise code
# inside the stored one (a village where the county was known) is taken from it too.
_REFINES = (
    "excluded.region_code IS NOT NULL AND (t.region_code IS NULL OR ("
    "length(excluded.region_code) > length(t.region_code) "
    "AND excluded.region_code LIKE t.region_code || '%'))"
)
_REFINE = (
    "DO UPDATE SET region_code = excluded.region_code, updated_at = CURRENT_TIMESTAMP "
    f"WHERE {_REFINES}"
)


def _update(columns: list[str], extra: str = "") -> str:
    """DO UPDATE of ``columns`` only when one of them differs (unchanged rows stay untouched)."""
    new = {column: _NEW_VALUE.get(column, f"excluded.{column}") for column in columns}
    sets = ", ".join(f"{column} = {value}" for column, value in new.items())
    differs = " OR ".join(f"t.{column} IS DISTINCT FROM {value}" for column, value in new.items())
    return f"DO UPDATE SET {sets}{extra}, updated_at = CURRENT_TIMESTAMP WHERE {differs}"


def _present(header: Header, mapping: dict[str, str]) -> list[str]:
    """Target columns whose source column the file has: the others keep their stored value."""
    return [column for column, field in mapping.items() if header.has(field)]


def statements(header: Header, batch_id: int, dialect: str) -> Statements:
    batch = int(batch_id)
    postgres = dialect == "postgresql"
    first_households = (
        "s.row_no IN (SELECT min(row_no) FROM import_stage WHERE id_number IS NOT NULL "
        "AND household_number IS NOT NULL GROUP BY household_number)"
    )
    if header.table is Table.WORK:
        # The work table fills in people and households not imported yet; the person workbook
        # stays the authority for them, so nothing it wrote is overwritten here.
        households = (
            "INSERT INTO household AS t (household_number, region_code, household_type, "
            "monitoring_category, risk_eliminated, import_batch_id) "
            "SELECT s.household_number, s.region_code, COALESCE(s.household_type, 'none'), "
            f"s.monitoring_category, FALSE, {batch} FROM import_stage s WHERE {first_households} "
            f"ON CONFLICT (household_number) {_REFINE}"
        )
        persons = (
            "INSERT INTO person AS t (household_id, name, id_number, id_index, id_tail_index, "
            "sex, birth_date, region_code) SELECT (SELECT h.id FROM household h "
            "WHERE h.household_number = s.household_number), s.name, s.id_number, s.id_index, "
            "s.id_tail_index, s.sex, s.birth_date, s.region_code FROM import_stage s "
            f"WHERE s.id_number IS NOT NULL ON CONFLICT (id_index) {_REFINE}"
        )
        work_columns = _present(
            header,
            {
                "household_type": "household_type",
                "monitoring_category": "monitoring_category",
                "work_county_code": "work_county" if header.has("work_county") else "work_area",
                "work_place": "work_county" if header.has("work_county") else "work_area",
                "end_month": "end",
                "is_working": "is_working",
                "channel": "channel",
                "employer_name": "employer",
                "industry": "industry",
                "point_to_point": "point_to_point",
                "monthly_income_fen": "income",
                "transport_subsidy_fen": "transport",
            },
        )
        conflict = (
            _update(work_columns, ", import_batch_id = excluded.import_batch_id")
            if work_columns
            else "DO NOTHING"
        )
        # ON CONFLICT goes through the unique index row by row: the plan stays sound although
        # the statistics know nothing of the rows this transaction inserted (a NOT EXISTS anti
        # join re-scanned the whole table for every chunk). So do the lookups of a staged row's
        # person and household, each one probe of a unique index (a join of them hashed the
        # whole table, a million rows, for every chunk).
        employment = (
            "INSERT INTO monitoring_employment AS t (person_id, household_type, "
            "monitoring_category, work_county_code, work_place, start_month, end_month, "
            "is_working, channel, employer_name, industry, point_to_point, monthly_income_fen, "
            "transport_subsidy_fen, import_batch_id) "
            "SELECT s.person_id, s.household_type, s.monitoring_category, s.work_county_code, "
            "s.work_place, s.start_month, s.end_month, s.is_working, s.channel, s.employer_name, "
            "s.industry, s.point_to_point, s.monthly_income_fen, s.transport_subsidy_fen, "
            f"{batch} FROM (SELECT (SELECT p.id FROM person p WHERE p.id_index = i.id_index) "
            "AS person_id, i.* FROM import_stage i) s WHERE s.person_id IS NOT NULL "
            "AND s.start_month IS NOT NULL "
            f"ON CONFLICT (person_id, start_month) {conflict}"
        )
        if postgres:
            # The persons this import creates: their other work rows need no ON CONFLICT
            # (db/imports/stage.py copies them straight into monitoring_employment).
            persons = (
                f"WITH merged AS ({persons} RETURNING t.id, t.id_index, (xmax = 0) AS inserted) "
                "SELECT id, id_index FROM merged WHERE inserted"
            )
            employment = (
                f"WITH merged AS ({employment} RETURNING (xmax = 0) AS inserted) "
                "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) "
                "FROM merged"
            )
        return Statements(households, persons, employment, None)

    household_columns = [
        "household_type",
        *_present(
            header,
            {
                "region_code": "county",
                "monitoring_category": "monitoring_category",
                "risk_eliminated": "risk_eliminated",
                "identified_month": "identified_month",
                "risk_eliminated_month": "eliminated_month",
            },
        ),
    ]
    households = (
        "INSERT INTO household AS t (household_number, region_code, household_type, "
        "monitoring_category, risk_eliminated, identified_month, risk_eliminated_month, "
        "import_batch_id) SELECT s.household_number, s.region_code, s.household_type, "
        "s.monitoring_category, COALESCE(s.risk_eliminated, FALSE), s.identified_month, "
        f"s.risk_eliminated_month, {batch} FROM import_stage s WHERE {first_households} "
        "ON CONFLICT (household_number) "
        + _update(household_columns, ", import_batch_id = excluded.import_batch_id")
        + " RETURNING household_number"
    )
    person_columns = [
        "household_id",
        "name",
        "sex",
        "birth_date",
        *_present(
            header,
            {
                "relation_to_head": "relation",
                "phone_index": "phone",
                "labour_skill": "labour_skill",
                "region_code": "county",
            },
        ),
    ]
    # The phone's ciphertext changes at every encryption: it follows its blind index.
    phone = (
        ", phone = CASE WHEN t.phone_index IS DISTINCT FROM excluded.phone_index "
        "THEN excluded.phone ELSE t.phone END"
        if header.has("phone")
        else ""
    )
    persons = (
        "INSERT INTO person AS t (household_id, name, id_number, id_index, id_tail_index, "
        "sex, birth_date, relation_to_head, phone, phone_index, labour_skill, region_code) "
        "SELECT h.id, s.name, s.id_number, s.id_index, s.id_tail_index, s.sex, s.birth_date, "
        "s.relation_to_head, s.phone, s.phone_index, s.labour_skill, s.region_code "
        "FROM import_stage s JOIN household h ON h.household_number = s.household_number "
        "WHERE TRUE ON CONFLICT (id_index) "
        + _update(person_columns, phone)
        + (" RETURNING id_index, (xmax = 0) AS inserted" if postgres else " RETURNING id_index")
    )
    if postgres:
        households = (
            f"WITH merged AS ({households}) "
            "INSERT INTO import_changed_household SELECT household_number FROM merged"
        )
        persons = (
            f"WITH merged AS ({persons}) "
            "INSERT INTO import_changed_person SELECT id_index, inserted FROM merged"
        )
    count = (
        "SELECT COALESCE(SUM(CASE WHEN cp.inserted THEN 1 ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN cp.id_index IS NOT NULL AND NOT cp.inserted THEN 1 "
        "WHEN cp.id_index IS NULL AND EXISTS (SELECT 1 FROM import_changed_household ch "
        "WHERE ch.household_number = s.household_number) THEN 1 ELSE 0 END), 0), count(*) "
        "FROM import_stage s LEFT JOIN import_changed_person cp ON cp.id_index = s.id_index"
    )
    return Statements(households, persons, None, count)
