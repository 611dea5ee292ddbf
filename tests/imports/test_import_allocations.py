"""Importing county budget allocations: 万元 to fen exactly, upsert on county, year, program."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from db.enums import Program
from db.imports import UnknownLayout, import_allocations, wan_to_fen
from db.imports.allocation_layouts import permille, yuan_to_fen
from db.models import BudgetAllocation
from tests.imports.conftest import ALLOCATIONS_CSV, PROGRAMS_CSV, count, read_error_file


def allocations_of(session_factory) -> dict[tuple[str, int, Program], BudgetAllocation]:
    with session_factory() as session:
        return {
            (a.county_code, a.year, a.program): a for a in session.query(BudgetAllocation).all()
        }


def test_the_changzhi_allocations_import_to_the_fen(engine, keyring, session_factory, samples):
    """Given the 2023 Changzhi allocations, each county gets its stable-employment and workshop
    budgets in fen, exactly, with 长财农〔2023〕60号 as the source document."""
    result = import_allocations(engine, samples / ALLOCATIONS_CSV)
    assert (result.rows, result.inserted, result.errors) == (11, 11, 0)
    assert count(engine, "budget_allocation") == 22
    with session_factory() as session:
        allocations = {(a.county_code, a.program): a for a in session.query(BudgetAllocation).all()}
    shangdang = allocations[("140404", Program.STABLE_EMPLOYMENT)]
    assert (shangdang.year, shangdang.amount_fen) == (2023, 69_540_000)
    assert shangdang.source_document == "长财农〔2023〕60号"
    assert allocations[("140423", Program.WORKSHOP_EMPLOYMENT)].amount_fen == 660_000
    # The annex's totals: 2459.04 and 221.40 万元.
    stable = sum(
        a.amount_fen for (_, p), a in allocations.items() if p is Program.STABLE_EMPLOYMENT
    )
    workshop = sum(
        a.amount_fen for (_, p), a in allocations.items() if p is Program.WORKSHOP_EMPLOYMENT
    )
    assert (stable, workshop) == (2_459_040_000, 221_400_000)


def test_importing_allocations_again_changes_nothing_and_a_new_amount_updates(
    engine, keyring, session_factory, samples, tmp_path
):
    """Given the allocations imported, the same file again is unchanged; a corrected amount for
    one county updates only that row."""
    import_allocations(engine, samples / ALLOCATIONS_CSV)
    again = import_allocations(engine, samples / ALLOCATIONS_CSV)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 11)
    text = (samples / ALLOCATIONS_CSV).read_text(encoding="utf-8")
    corrected = tmp_path / "corrected.csv"
    corrected.write_text(
        text.replace("140406,潞城区,2023,47.04,41.70,", "140406,潞城区,2023,47.05,41.71,"),
        encoding="utf-8",
    )
    result = import_allocations(engine, corrected)
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 10)
    with session_factory() as session:
        row = (
            session.query(BudgetAllocation)
            .filter_by(county_code="140406", program=Program.STABLE_EMPLOYMENT)
            .one()
        )
        assert row.amount_fen == 41_710_000


def test_bad_allocation_rows_are_listed_and_the_others_imported(engine, keyring, tmp_path):
    """Given a row with a 5-digit county code and one with an amount in fractions of a fen,
    both go to the error file and the good row is imported."""
    path = tmp_path / "alloc.csv"
    path.write_text(
        "# 测试 晋财农〔2024〕7号\n"
        "county_code,county_name,year,total_wan,stable_employment_wan,workshop_employment_wan\n"
        "14058,高平,2024,1,1,0\n"
        "140581,高平市,2024,1.0000001,1.0000001,0\n"
        "140525,泽州县,2024,3.5,3,0.5\n",
        encoding="utf-8",
    )
    result = import_allocations(engine, path, describe=str)
    assert (result.rows, result.inserted, result.errors) == (3, 1, 2)
    assert result.error_file is not None
    assert read_error_file(result.error_file)[1:] == [
        (3, "county_code", "14058", "county_invalid"),
        (4, "stable_employment_wan", "1.0000001", "amount_invalid"),
    ]
    assert count(engine, "budget_allocation") == 2


def test_wan_to_fen_is_exact():
    """万元 amounts become fen without float rounding."""
    assert wan_to_fen("0.01") == 10_000
    assert wan_to_fen("2680.44") == 2_680_440_000
    assert wan_to_fen("0.000001") == 1


def test_gaopings_per_program_budget_imports_with_its_targets(
    engine, keyring, session_factory, samples
):
    """Given 高平's 2026 budget lines in yuan with their 绩效目标, each program gets its budget
    in fen, the people to support and the satisfaction target per mille; the amount rule,
    deadline and minimum ratio are read by people, not stored."""
    result = import_allocations(engine, samples / PROGRAMS_CSV)
    assert (result.rows, result.inserted, result.errors) == (2, 2, 0)
    stored = allocations_of(session_factory)
    transport = stored[("140581", 2026, Program.TRANSPORT)]
    stable = stored[("140581", 2026, Program.STABLE_EMPLOYMENT)]
    assert (transport.amount_fen, transport.target_persons) == (50_000_000, 800)
    assert (stable.amount_fen, stable.target_persons) == (25_000_000, 200)
    assert transport.target_satisfaction_permille == stable.target_satisfaction_permille == 950
    assert transport.source_document == PROGRAMS_CSV  # no 文号 in the file's comments
    again = import_allocations(engine, samples / PROGRAMS_CSV)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)


def test_a_per_county_amount_keeps_the_targets_a_per_program_file_gave(
    engine, keyring, session_factory, samples, tmp_path
):
    """Given 高平's targets imported, a later per-county file (transport_wan included) changes
    the amount only: that layout has no targets to replace them with."""
    import_allocations(engine, samples / PROGRAMS_CSV)
    path = tmp_path / "raise.csv"
    path.write_text(
        "county_code,county_name,year,transport_wan\n140581,高平市,2026,55.5\n", encoding="utf-8"
    )
    result = import_allocations(engine, path)
    assert (result.rows, result.updated) == (1, 1)
    transport = allocations_of(session_factory)[("140581", 2026, Program.TRANSPORT)]
    assert (transport.amount_fen, transport.target_persons) == (55_500_000, 800)
    assert transport.target_satisfaction_permille == 950


def test_bad_cells_of_a_per_program_file_go_to_the_error_file(engine, keyring, tmp_path):
    """Given an unknown program, yuan in fractions of a fen, people in words and a share above
    100%, each row goes to the error file with its cell; the good row is imported."""
    path = tmp_path / "programs.csv"
    path.write_text(
        "county_code,year,program,budget_cny,target_persons,satisfaction_target,deadline\n"
        "140581,2026,bus,1000,10,0.9,12-25\n"
        "140581,2026,transport,1000.005,两百,1.5,12-25\n"
        "140581,2026,stable_employment,,200,95%,12-31\n"
        '140525,2026,stable_employment,"1,200.50",,95.5%,\n',
        encoding="utf-8",
    )
    result = import_allocations(engine, path, describe=str)
    assert (result.rows, result.inserted, result.errors) == (4, 1, 3)
    assert read_error_file(result.error_file)[1:] == [
        (2, "program", "bus", "program_unknown"),
        (3, "budget_cny", "1000.005", "amount_invalid"),
        (3, "target_persons", "两百", "persons_invalid"),
        (3, "satisfaction_target", "1.5", "ratio_invalid"),
        (4, "budget_cny", None, "missing"),
    ]
    assert count(engine, "budget_allocation") == 1


def test_a_cell_written_as_a_formula_stays_text_in_the_error_file(engine, keyring, tmp_path):
    path = tmp_path / "programs.csv"
    path.write_text(
        'county_code,year,program,budget_cny\n"=HYPERLINK(""http://x"")",2026,transport,1\n',
        encoding="utf-8",
    )
    result = import_allocations(engine, path, describe=str)
    sheet = load_workbook(result.error_file).worksheets[0]
    value = sheet.cell(2, 3)
    assert (value.value, value.data_type) == ('=HYPERLINK("http://x")', "s")


def test_an_unknown_layout_is_refused_before_anything_is_written(engine, keyring, tmp_path):
    path = tmp_path / "budget.csv"
    path.write_text("county,year,amount\n140581,2026,50\n", encoding="utf-8")
    with pytest.raises(UnknownLayout) as raised:
        import_allocations(engine, path)
    assert "budget_cny" in raised.value.accepted["per_program"]
    assert "transport_wan" in raised.value.accepted["per_county"]
    assert count(engine, "import_batch") == count(engine, "budget_allocation") == 0


def test_yuan_and_shares_convert_exactly():
    assert yuan_to_fen("1,200.50") == 120_050
    assert (permille("0.95"), permille("95%"), permille("95.5％"), permille("1")) == (
        950, 950, 955, 1000,
    )  # fmt: skip
    for bad in ("0.9555", "-0.1", "101%", "high"):
        with pytest.raises(ValueError):
            permille(bad)
