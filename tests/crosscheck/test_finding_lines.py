"""Findings in plain words for reviewers, in Chinese and English, with the registry's values."""

from __future__ import annotations

from functools import partial
from types import SimpleNamespace

from common.findings import finding_lines
from common.i18n import translate
from db.models import Finding
from tests.crosscheck.conftest import Registry, run_each

RECORD = {
    "place_code": "330203",
    "place": "浙江省宁波市海曙区",
    "start": "2025-03",
    "end": "2025-10",
}


def finding(code: str, severity: str, **values) -> SimpleNamespace:
    return SimpleNamespace(code=code, severity=severity, registry_values=values)


def test_a_reviewer_reads_the_record_and_the_discrepancies_errors_first() -> None:
    """Given the evidence row, a wage warning and an age error, the Chinese lines put the error
    first and quote the monitoring system's own values."""
    findings = [
        finding("registry_work_record", "info", **RECORD, income_fen=380000, employer=None),
        finding(
            "wage_mismatch",
            "warning",
            **RECORD,
            declared_wage_fen=500000,
            income_fen=380000,
            tolerance_percent=20,
        ),
        finding(
            "under_min_age",
            "error",
            birth_date="2010-06-01",
            age=14,
            min_age=16,
            work_from="2025-03",
        ),
    ]
    lines = finding_lines(partial(translate, "zh_CN"), findings)
    assert lines == [
        "⛔ 出生于 2010-06，2025-03 开始务工时 14 岁；最低年龄是 16 岁。",
        "⚠️ 申报的月工资是 5000 元，但监测系统记录的月收入是 3800 元（相差超过 20%）。",
        "📋 监测系统记录：浙江省宁波市海曙区，2025-03 至 2025-10，月收入 3800 元。",
    ]


def test_english_lines_name_places_and_open_ended_work() -> None:
    """An English-speaking reviewer sees the place by its full name and "now" for work that
    goes on; an unknown code falls back to the registry's own text."""
    t = partial(translate, "en")
    [line] = finding_lines(
        t, [finding("work_place_mismatch", "error", **{**RECORD, "end": None}, declared="32")]
    )
    assert line == (
        "⛔ Declared work place 江苏省, but the monitoring system records 浙江省宁波市海曙区 "
        "(2025-03 to now)."
    )
    [line] = finding_lines(
        t,
        [
            finding(
                "registry_work_record",
                "info",
                place_code="999999",
                place="某地",
                start="2025-01",
                end="2025-06",
                income_fen=250050,
                employer="某厂",
            )
        ],
    )
    assert line == (
        "📋 Monitoring system record: 某地, 2025-01 to 2025-06, monthly income 2500.50 yuan, "
        "employer 某厂."
    )


def test_every_stored_finding_reads_as_a_sentence(registry: Registry, session_factory) -> None:
    """Given claims that trip every check, each stored finding becomes a Chinese sentence with
    no placeholder left and no raw code shown."""
    person = registry.person(birth="20100601", account="6217000010002000305")
    other = registry.person(account="6217000010002000305", household_type="none")
    registry.record(person, income=2500, channel="帮扶车间", transport=600, start="2025-06")
    ids = [
        registry.application(person, work_place="32"),
        registry.application(person, program="stable_employment", region="140525100100"),
        registry.application(other),
    ]
    run_each(registry, ids)
    with session_factory() as session:
        stored = session.query(Finding).all()
        codes = {f.code for f in stored}
        lines = finding_lines(partial(translate, "zh_CN"), stored)
    assert len(codes) >= 9, codes
    for line in lines:
        assert "{" not in line and "Check" not in line and "_" not in line, line
    assert any("WG2025-" in line for line in lines)
