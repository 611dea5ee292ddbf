"""An export's 县/乡/村 names found in the division register: villages, warnings, moved claims."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from common.import_texts import describe
from db.enums import ApplicationStatus, Program
from db.imports import import_monitoring
from db.imports.errorfile import ErrorFile
from db.imports.problems import PlaceWarning
from db.imports.regions import Regions
from db.models import Application, AuditEvent, Household
from db.queries import find_person_by_id_number
from tests.imports.conftest import PERSONS_XLSX, WORK_XLSX, sample_rows, write_xlsx

LI = "140581198004125314"  # 李建国 of 高平市 三甲镇 三甲北村 (not in the register)
WANG = "140581198509072481"  # 王秀英 of 寺庄镇 寺庄村
SANJIA_BEI = "三甲北村"
SANJIA_TOWNSHIP = "140581102"
SANJIA_VILLAGE = "140581102225"  # 三甲村委会
SIZHUANG_VILLAGE = "140581109201"  # 寺庄村委会


def renamed(name: str, old: str, new: str) -> list[list]:
    """The rows of a sample workbook with every 村 cell ``old`` written ``new``."""
    rows = sample_rows(name)
    column = rows[2].index("村")
    for row in rows[3:]:
        if row[column] == old:
            row[column] = new
    return rows


def sheets(path) -> dict[str, list[tuple]]:
    workbook = load_workbook(path, read_only=True)
    try:
        return {
            sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)]
            for sheet in workbook.worksheets
        }
    finally:
        workbook.close()


@pytest.mark.parametrize(
    ("county", "township", "village", "code"),
    [
        ("高平市", "寺庄镇", "寺庄村", SIZHUANG_VILLAGE),
        ("高平", "寺庄", "寺庄村委会", SIZHUANG_VILLAGE),
        ("140581", "寺庄乡", "寺 庄", SIZHUANG_VILLAGE),  # 乡 for 镇, spaces, no 村
        ("高平市", "三甲镇", "三甲村", SANJIA_VILLAGE),
        ("高平市", "米山镇", "", "140581101"),  # a township alone
        ("高平市", "", "米西村", "140581101201"),  # no township: unique in the county
        ("高平市", "米山乡镇", "米西村", "140581101201"),  # township unknown, village unique
        ("高平市", "三甲镇", SANJIA_BEI, SANJIA_TOWNSHIP),  # not in the register
        ("高平市", "三甲镇", "伯云社区", SANJIA_TOWNSHIP),  # a village of another township
        ("高平市", "寺庄镇", "伯云社区", "140581109003"),  # 伯云社区居委会
        ("长治县", "", "", "140404"),  # retired county code: its successor 上党区
    ],
)
def test_names_resolve_within_the_county(engine, county, township, village, code):
    """Given the register, export names in their usual spellings — with or without 镇/乡, 村
    or 村委会, in full-width characters or with spaces — find the township or village code."""
    assert Regions.load(engine).code(county, township, village) == code


def test_a_village_without_its_township_is_looked_for_in_the_whole_county(engine):
    """Given no 乡, a village name the county lacks stays at the county, and the closest names
    of the whole county come with their townships; one the county has twice is ambiguous."""
    regions = Regions.load(engine)
    code, note = regions.resolve("高平市", "", SANJIA_BEI)
    assert code == "140581" and note is not None
    assert (note.code, note.imported_at) == ("place_village_unknown_in_county", "高平市")
    assert "三甲村委会（三甲镇）" in note.suggestions
    code, note = regions.resolve("高平市", "", "南河村")  # in 三甲镇 and in another township
    assert code == "140581" and note is not None
    assert note.code == "place_village_ambiguous_in_county" and len(note.suggestions) == 2
    assert "南河村委会（三甲镇）" in note.suggestions


def test_full_width_and_spaced_names_are_the_same_place(engine):
    """Given names typed with a full-width space or digits, they match as typed plainly."""
    regions = Regions.load(engine)
    assert regions.code("１４０５８１", "寺庄\u3000镇", " 寺庄村 ") == SIZHUANG_VILLAGE


def test_the_sample_layout_places_people_in_their_villages_and_warns_of_the_rest(
    engine, keyring, session_factory, samples
):
    """Given the sample person workbook (names in words, title rows, header on row 3), 王秀英 of
    寺庄镇/寺庄村 lands on 140581109201; the three people of 三甲北村, which the register lacks,
    are imported at 三甲镇 and listed as warnings — on their own sheet, after the (empty) sheet
    of rows left out — with 三甲村委会 first among the closest names."""
    result = import_monitoring(engine, samples / PERSONS_XLSX, describe=describe("zh_CN"))

    assert (result.rows, result.inserted, result.errors, result.warnings) == (10, 10, 0, 3)
    with session_factory() as session:
        wang = find_person_by_id_number(session, WANG)
        li = find_person_by_id_number(session, LI)
        assert wang is not None and wang.region_code == SIZHUANG_VILLAGE
        assert li is not None and li.region_code == SANJIA_TOWNSHIP
        assert li.household is not None and li.household.region_code == SANJIA_TOWNSHIP
    assert result.error_file is not None
    left_out, warnings = sheets(result.error_file).items()
    assert left_out == ("未导入的行", [("行号", "列", "值", "问题")])
    title, lines = warnings
    assert title == "已导入，请核对"
    assert lines[0] == ("行号", "列", "值", "问题", "导入到", "区划登记册中相近的名称")
    assert [line[:5] for line in lines[1:]] == [
        (row, "村", SANJIA_BEI, "该乡镇在区划登记册中没有这个名称的村。", "高平市三甲镇")
        for row in (4, 8, 12)
    ]
    suggestions = lines[1][5].split("、")
    assert suggestions[0] == "三甲村委会" and 3 <= len(suggestions) <= 5


def test_a_township_not_in_the_county_is_reported_with_the_closest_townships(
    engine, keyring, tmp_path
):
    """Given 李建国's row with its 乡 misspelt (三申镇) and a 村 no township of the county has,
    he is imported at the county, and the warning in English names 三甲镇 among the county's
    closest townships."""
    rows = sample_rows(WORK_XLSX)
    rows[3][rows[2].index("乡")] = "三申镇"
    path = write_xlsx(tmp_path / "work.xlsx", rows)
    result = import_monitoring(engine, path, describe=describe("en"))
    assert (result.errors, result.warnings) == (0, 3)
    assert result.error_file is not None
    lines = sheets(result.error_file)["Imported, please check"]
    assert lines[1][:5] == (
        4, "乡", "三申镇", "The county has no township of this name in the register.", "高平市",
    )  # fmt: skip
    assert "三甲镇" in lines[1][5].split("、")


def test_reimporting_after_the_fix_moves_the_people_and_their_open_claims(
    engine, keyring, session_factory, tmp_path
):
    """Given 李建国 imported at 三甲镇 (三甲北村 is not in the register) with an open transport
    claim and an approved stable-employment claim, when the export is fixed to 三甲村 and
    imported again, he, his household and the open claim move to 三甲村委会 with an audit event;
    the approved claim stays; importing the wrong name again moves nobody back."""
    first = write_xlsx(tmp_path / "first.xlsx", sample_rows(PERSONS_XLSX))
    import_monitoring(engine, first)
    with session_factory.begin() as session:
        li = find_person_by_id_number(session, LI)
        assert li is not None and li.region_code == SANJIA_TOWNSHIP
        for program, status in (
            (Program.TRANSPORT, ApplicationStatus.VILLAGE_REVIEW),
            (Program.STABLE_EMPLOYMENT, ApplicationStatus.APPROVED),
        ):
            session.add(
                Application(
                    person_id=li.id, program=program, year=2025, status=status,
                    region_code=li.region_code,
                )
            )  # fmt: skip

    fixed = write_xlsx(tmp_path / "fixed.xlsx", renamed(PERSONS_XLSX, SANJIA_BEI, "三甲村"))
    result = import_monitoring(engine, fixed)

    assert (result.updated, result.warnings, result.moved) == (3, 0, 1)
    with session_factory() as session:
        li = find_person_by_id_number(session, LI)
        assert li is not None and li.region_code == SANJIA_VILLAGE
        household = session.get(Household, li.household_id)
        assert household is not None and household.region_code == SANJIA_VILLAGE
        claims = dict(
            session.execute(
                sa.select(Application.program, Application.region_code).where(
                    Application.person_id == li.id
                )
            ).all()
        )
        assert claims == {
            Program.TRANSPORT: SANJIA_VILLAGE, Program.STABLE_EMPLOYMENT: SANJIA_TOWNSHIP,
        }  # fmt: skip
        event = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "region_moved")
        ).one()
        assert (event.actor_kind.value, event.role) == ("system", "import")
        assert (event.data["from"], event.data["to"]) == (SANJIA_TOWNSHIP, SANJIA_VILLAGE)
        assert event.data["import_batch_id"] == result.batch_id

    again = import_monitoring(engine, first)
    assert (again.warnings, again.moved) == (3, 0)
    with session_factory() as session:
        li = find_person_by_id_number(session, LI)
        assert li is not None and li.region_code == SANJIA_VILLAGE


def test_the_work_table_places_people_the_person_workbook_could_not(
    engine, keyring, session_factory, tmp_path
):
    """Given the people of 三甲北村 imported at 三甲镇, a work table naming their village 三甲村
    moves them there (a more precise place inside the stored one), and their records import."""
    import_monitoring(engine, write_xlsx(tmp_path / "persons.xlsx", sample_rows(PERSONS_XLSX)))
    work = write_xlsx(tmp_path / "work.xlsx", renamed(WORK_XLSX, SANJIA_BEI, "三甲村"))
    result = import_monitoring(engine, work)
    assert (result.inserted, result.warnings) == (10, 0)
    with session_factory() as session:
        li = find_person_by_id_number(session, LI)
        assert li is not None and li.region_code == SANJIA_VILLAGE


def test_a_name_on_many_rows_is_listed_with_its_first_rows_and_a_count_of_the_rest(tmp_path):
    """Given 60 rows naming 三甲北村 and one naming 三申镇, the warnings sheet lists the first 50
    rows of 三甲北村, the row of 三申镇, and one line saying 10 more rows of 三甲北村 are not
    listed: one fix in the export mends them all."""
    errors = ErrorFile(tmp_path / "x.errors.xlsx", describe("en"))
    village = ("村", SANJIA_BEI, "place_village_unknown", "高平市三甲镇", ("三甲村委会",))
    for row in range(4, 64):
        errors.warn(PlaceWarning(row, *village))
    errors.warn(PlaceWarning(70, "乡", "三申镇", "place_township_unknown", "高平市", ("三甲镇",)))
    path = errors.close()
    assert errors.warnings == 61 and path is not None
    lines = sheets(path)["Imported, please check"][1:]
    assert [line[0] for line in lines] == [*range(4, 54), 70, None]
    assert lines[-1] == (
        None, "村", SANJIA_BEI,
        "10 more rows with this name are not listed; they were imported the same way.",
        "高平市三甲镇", "三甲村委会",
    )  # fmt: skip
