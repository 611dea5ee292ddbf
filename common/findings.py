"""Cross-check findings in plain words for reviewers, with the registry values each one used."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from common.i18n import N_
from policy import place_name
from policy.errors import PolicyError

Translate = Callable[..., str]


class FindingLike(Protocol):
    """A `db.models.Finding` row, or anything with the same three attributes."""

    @property
    def code(self) -> str: ...
    @property
    def severity(self) -> Any: ...
    @property
    def registry_values(self) -> Mapping[str, Any]: ...


# Errors first: they are what a reviewer must settle before approving.
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
SEVERITY_MARKS = {"error": "⛔", "warning": "⚠️", "info": "📋"}

TEXTS = {
    "registry_work_record": N_(
        "Monitoring system record: {place}, {start} to {end}, monthly income {income} yuan."
    ),
    "registry_work_record_employer": N_(
        "Monitoring system record: {place}, {start} to {end}, monthly income {income} yuan, "
        "employer {employer}."
    ),
    "no_registry_work_record": N_("The monitoring system has no work record for this person."),
    "registry_household_missing": N_(
        "The person's household is not in the monitoring system's household list."
    ),
    "registry_household_not_eligible": N_(
        "In the monitoring system the household is neither lifted out of poverty (脱贫户) nor "
        "monitored (监测户)."
    ),
    "risk_eliminated_before_work": N_(
        "Monitoring system: the household's risk was eliminated in {risk_eliminated}, before "
        "the work started in {work_from}."
    ),
    "work_place_mismatch": N_(
        "Declared work place {declared}, but the monitoring system records {place} ({start} "
        "to {end})."
    ),
    "work_period_mismatch": N_(
        "Declared work period {declared_from} to {declared_to}, but the monitoring system "
        "records {start} to {end} (allowed difference {tolerance} month(s))."
    ),
    "wage_mismatch": N_(
        "Declared monthly wage {declared} yuan, but the monitoring system records {income} "
        "yuan (more than {tolerance}% apart)."
    ),
    "channel_in_county_only": N_(
        "The monitoring system records this job as {channel} in {place}, which counts as work "
        "in the home county; the claim is for work outside it."
    ),
    "transport_already_paid": N_(
        "The monitoring system already shows an annual transport subsidy of {amount} yuan "
        "({start} to {end})."
    ),
    "under_min_age": N_(
        "Born {birth_month}: {age} years old when the work started in {work_from}; the "
        "minimum age is {min_age}."
    ),
    "bank_account_shared": N_("The bank card is also registered to {count} other person(s)."),
    "card_on_other_households_claims": N_(
        "The same bank card is on claims of {count} person(s) of other households in the "
        "county, e.g. application {number}."
    ),
    "claimed_in_two_counties": N_(
        "The same person also has application {number} in another county ({county})."
    ),
    "unknown": N_("Check {code}."),
}


def finding_lines(t: Translate, findings: Iterable[FindingLike]) -> list[str]:
    """One line per finding, errors first, each in plain words with the registry's values.

    `t(msgid, **values)` translates, like `Turn.t`. For example (zh_CN):
    "📋 监测系统记录：浙江省宁波市，2025-03 至 2025-10，月收入 3800 元。"
    """
    ordered = sorted(findings, key=lambda f: (SEVERITY_ORDER.get(_severity(f), 9), str(f.code)))
    return [
        f"{SEVERITY_MARKS.get(_severity(f), '•')} {finding_text(t, f.code, f.registry_values)}"
        for f in ordered
    ]


Values = dict[str, Any]


def _work_record(t: Translate, v: Values, record: Values) -> str:
    income = _yuan(v.get("income_fen"))
    if v.get("employer"):
        return t(
            TEXTS["registry_work_record_employer"], **record, income=income, employer=v["employer"]
        )
    return t(TEXTS["registry_work_record"], **record, income=income)


def _household(t: Translate, v: Values, record: Values) -> str:
    missing = v.get("household_type") is None
    return t(TEXTS["registry_household_missing" if missing else "registry_household_not_eligible"])


def _period(t: Translate, v: Values, record: Values) -> str:
    return t(
        TEXTS["work_period_mismatch"],
        **record,
        declared_from=v.get("declared_from") or "?",
        declared_to=v.get("declared_to") or t("now"),
        tolerance=v.get("tolerance_months", 0),
    )


def _wage(t: Translate, v: Values, record: Values) -> str:
    return t(
        TEXTS["wage_mismatch"],
        declared=_yuan(v.get("declared_wage_fen")),
        income=_yuan(v.get("income_fen")),
        tolerance=v.get("tolerance_percent", 0),
    )


def _age(t: Translate, v: Values, record: Values) -> str:
    return t(
        TEXTS["under_min_age"],
        birth_month=str(v.get("birth_date") or "?")[:7],
        age=v.get("age", "?"),
        work_from=v.get("work_from") or "?",
        min_age=v.get("min_age", "?"),
    )


def _other_claim(v: Values) -> str:
    other, year = v.get("other_application_id"), v.get("year")
    return f"WG{year}-{int(other):06d}" if other is not None and year else "?"


# How each code's registry values fill its text (codes not listed pass their values as they are).
_WORDING: dict[str, Callable[[Translate, Values, Values], str]] = {
    "registry_work_record": _work_record,
    "registry_household_not_eligible": _household,
    "work_place_mismatch": lambda t, v, record: t(
        TEXTS["work_place_mismatch"], **record, declared=_place(t, v.get("declared"), None)
    ),
    "work_period_mismatch": _period,
    "wage_mismatch": _wage,
    "channel_in_county_only": lambda t, v, record: t(
        TEXTS["channel_in_county_only"], **record, channel=v.get("channel") or "?"
    ),
    "transport_already_paid": lambda t, v, record: t(
        TEXTS["transport_already_paid"], **record, amount=_yuan(v.get("transport_subsidy_fen"))
    ),
    "under_min_age": _age,
    "bank_account_shared": lambda t, v, record: t(
        TEXTS["bank_account_shared"], count=v.get("other_persons", 0)
    ),
    "card_on_other_households_claims": lambda t, v, record: t(
        TEXTS["card_on_other_households_claims"],
        number=_other_claim(v),
        count=v.get("other_persons", 0),
    ),
    "claimed_in_two_counties": lambda t, v, record: t(
        TEXTS["claimed_in_two_counties"],
        number=_other_claim(v),
        county=_place(t, v.get("other_county"), None),
    ),
}


def finding_text(t: Translate, code: str, values: Mapping[str, Any]) -> str:
    """The plain words for one finding code and its registry values (without the mark)."""
    v = dict(values or {})
    record = {
        "place": _place(t, v.get("place_code"), v.get("place")),
        "start": v.get("start") or "?",
        "end": v.get("end") or t("now"),
    }
    wording = _WORDING.get(code)
    if wording is not None:
        return wording(t, v, record)
    if code in TEXTS:
        return t(TEXTS[code], **{k: ("?" if x is None else x) for k, x in v.items()})
    return t(TEXTS["unknown"], code=code)


def _severity(finding: FindingLike) -> str:
    return str(getattr(finding.severity, "value", finding.severity))


def _place(t: Translate, code: Any, text: Any) -> str:
    """The full place name of a division code; the registry's own text when the code is unknown."""
    if code:
        try:
            return place_name(str(code))
        except PolicyError:
            pass
    return str(text or code or t("unknown place"))


def _yuan(fen: Any) -> str:
    """Fen as yuan, without decimals when whole: 380000 -> "3800", 380050 -> "3800.50"."""
    if fen is None:
        return "?"
    whole, cents = divmod(int(fen), 100)
    return f"{whole}" if cents == 0 else f"{whole}.{cents:02d}"
