"""The parameter tree: dated lookups, county overrides, extra county folders, validation errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from policy import ParameterError, load_parameters

Y2025 = date(2025, 1, 1)


def test_every_parameter_has_a_reference_and_a_unit() -> None:
    params = load_parameters()
    for name in params.names():
        value = params.lookup(name, Y2025)
        assert value.reference and value.unit, name


def test_base_values_follow_the_defaults_table() -> None:
    params = load_parameters()
    assert params.get("transport.amount.other_province", Y2025) == 1500
    assert params.get("transport.amount.own_province", Y2025) == 600
    assert params.get("transport.amount.own_city", Y2025) is None
    assert params.get("stable_employment.min_monthly_wage", Y2025) == 1000
    assert params.get("workshop_employment.min_contract_months", Y2025) == 6
    assert params.get("process.notice_days", Y2025) == 5
    assert params.get("transport.deadline", Y2025) == "12-25"


def test_county_values_apply_from_their_start_date_only() -> None:
    params = load_parameters()
    assert params.get("transport.amount.own_city", Y2025, "140821") == 300
    assert params.get("transport.amount.own_city", date(2023, 1, 1), "140821") is None
    assert params.lookup("transport.amount.own_city", Y2025, "140821").county == "140821"
    assert params.get("transport.amount.other_province", Y2025, "141182") == 1300


def test_documented_years() -> None:
    params = load_parameters()
    assert params.get("transport.documented", Y2025) is True
    assert params.get("transport.documented", date(2026, 1, 1)) is False
    assert params.get("transport.documented", date(2022, 1, 1)) is False
    assert params.get("transport.documented", date(2026, 1, 1), "140581") is True


def test_a_retired_home_county_reads_its_successors_overrides() -> None:
    params = load_parameters().with_overrides("140404", {"process.notice_days": 7}, "test")
    assert params.get("process.notice_days", Y2025, "140421") == 7


def test_notice_days_override_touches_only_that_county() -> None:
    params = load_parameters().with_overrides("140581", {"process.notice_days": 7}, "test")
    assert params.get("process.notice_days", Y2025, "140581") == 7
    assert params.get("process.notice_days", Y2025, "140524") == 5


def test_overrides_are_validated_against_the_unit() -> None:
    params = load_parameters()
    with pytest.raises(ParameterError, match=r"transport\.min_months"):
        params.with_overrides("140581", {"transport.min_months": -1}, "test")
    with pytest.raises(ParameterError, match="no parameter"):
        params.with_overrides("140581", {"transport.nope": 1}, "test")
    with pytest.raises(ParameterError, match="month-day"):
        params.with_overrides("140581", {"transport.deadline": "13-40"}, "test")


def _county(tmp_path: Path, code: str, text: str) -> Path:
    (tmp_path / f"{code}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_extra_directories_add_county_files(tmp_path: Path) -> None:
    folder = _county(
        tmp_path,
        "140524",
        'county: "140524"\nreference: test notice\n'
        "process:\n  notice_days:\n    values:\n      2025-01-01: 7\n",
    )
    params = load_parameters([folder])
    assert params.get("process.notice_days", Y2025, "140524") == 7
    assert params.get("process.notice_days", date(2024, 1, 1), "140524") == 5
    assert "140524" in params.counties()


HEAD = 'county: "140524"\nreference: r\n'
MIN_MONTHS = "transport:\n  min_months:\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            HEAD + "transport:\n  nope:\n    values:\n      2025-01-01: 1\n",
            "transport.nope: no such",
        ),
        ('county: "140524"\n' + MIN_MONTHS + "    values:\n      2025-01-01: 3\n", ".reference"),
        (HEAD + MIN_MONTHS + "    values:\n      2025-01-01: x\n", "values.2025-01-01"),
        (HEAD + MIN_MONTHS + "    values:\n      soon: 3\n", "not a date"),
        ('county: "999999"\n', "county: must be the 6-digit code"),
        ("county: [unclosed\n", "not valid YAML"),
        (HEAD + MIN_MONTHS + "    unit: day\n    values:\n      2025-01-01: 3\n", "only values"),
    ],
)
def test_malformed_county_files_name_the_file_and_key(
    tmp_path: Path, text: str, message: str
) -> None:
    folder = _county(tmp_path, "140524", text)
    with pytest.raises(ParameterError, match=r"140524\.yaml") as caught:
        load_parameters([folder])
    assert message in str(caught.value)


def test_a_missing_extra_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="not a directory"):
        load_parameters([tmp_path / "absent"])


def test_unknown_parameter_names_are_errors() -> None:
    with pytest.raises(ParameterError, match="no parameter named"):
        load_parameters().get("transport.unknown", Y2025)


def test_the_county_office_and_supervision_phone_are_county_texts() -> None:
    params = load_parameters()
    assert params.get("process.county_office", Y2025, "140581") == "高平市乡村振兴中心"
    assert params.get("process.county_office", Y2025, "140427") is None
    assert params.get("process.supervision_phone", Y2025, "140581") is None
    for phone in ("0356-5550123", "12317", "(0356) 555 0123", "400-555-0123 转 8"):
        county = params.with_overrides("140581", {"process.supervision_phone": phone}, "test")
        assert county.get("process.supervision_phone", Y2025, "140581") == phone
    for bad in ("call the office", "12", 3565550123, ""):
        with pytest.raises(ParameterError, match="supervision_phone: expected a phone number"):
            params.with_overrides("140581", {"process.supervision_phone": bad}, "test")
    with pytest.raises(ParameterError, match="county_office: expected a text"):
        params.with_overrides("140581", {"process.county_office": "  "}, "test")
