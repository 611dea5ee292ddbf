"""Cross-check runs: set-based equals per-application, re-runs change nothing, registry changes
are picked up, notices keep their amounts, and concurrent runs do not trip over each other."""

from __future__ import annotations

import random
import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.engine import lock_for_writing
from db.enums import ApplicationStatus, HouseholdType
from db.models import Application, Finding, Household, MonitoringEmployment, Person
from db.queries.crosscheck.join import equivalent_join_sql
from db.queries.crosscheck.run import crosscheck_application, crosscheck_open, findings_of, reassess
from tests.crosscheck.conftest import OTHER_COUNTY_VILLAGE, TODAY, Registry, run_each, run_open

PLACES = [
    ("330203", "浙江省宁波市海曙区"),
    ("320506", "江苏省苏州市吴中区"),
    ("140105", "太原市小店区"),
]


def build_mixed_world(registry: Registry, count: int, seed: int = 4) -> list[int]:
    """``count`` people with random registries, records and claims, in assorted states."""
    rng = random.Random(seed)
    ids = []
    for index in range(count):
        kind = rng.choice(["poverty_alleviated", "monitored", "none", None])
        person = registry.person(
            household_type=kind,
            risk_eliminated=rng.choice([None, "2024-11", "2025-07"])
            if kind == "monitored"
            else None,
            birth=rng.choice(["19900315", "20100601", "19620815"]),
            account=rng.choice([None, None, "6217000010002000305"]),
        )
        starts = ["2024-05", "2025-02", "2025-03", "2025-06"]
        for start in rng.sample(starts, rng.choice([0, 1, 1, 2])):
            place, text = rng.choice(PLACES)
            registry.record(
                person,
                place=place,
                place_text=text,
                start=start,
                end=rng.choice([None, "2025-10", "2025-11"]) if start != "2024-05" else "2024-12",
                income=rng.choice([None, 2500, 3800, 4100]),
                channel=rng.choice(["外出务工", "外出务工", "帮扶车间"]),
                transport=rng.choice([0, 0, 600]),
            )
        status = rng.choice(["submitted", "village_review", "township_review", "village_notice"])
        ids.append(
            registry.application(
                person,
                program=rng.choice(["transport", "stable_employment"]),
                status=status,
                work_place=rng.choice(["33", "3302", "32", "1401"]),
                monthly_wage=rng.choice([3800, 5000]),
            )
        )
        if index % 7 == 0:  # a second claim of the same person, in another county
            ids.append(
                registry.application(
                    person, program="workshop_employment", region=OTHER_COUNTY_VILLAGE
                )
            )
    return ids


def snapshot(registry: Registry, ids: list[int]) -> dict[int, Any]:
    with registry.sessions() as session:
        found = findings_of(session, ids)
        rows = session.scalars(sa.select(Application).where(Application.id.in_(ids))).all()
        return {
            row.id: (row.status.value, row.facts, row.decision, row.amount_fen, found.get(row.id))
            for row in rows
        }


def restore(registry: Registry, before: dict[int, Any]) -> None:
    with registry.sessions.begin() as session:
        session.execute(sa.delete(Finding))
        for application_id, (status, facts, decision, amount, _) in before.items():
            row = session.get(Application, application_id)
            row.status, row.facts = ApplicationStatus(status), facts
            row.decision, row.amount_fen = decision, amount


def test_the_set_based_run_equals_the_per_application_runs(registry: Registry) -> None:
    """Given 60 assorted claims, whose registry then changes for some, one set-based run (plus
    the re-assessments it lists) leaves exactly the findings, facts, decisions, amounts and
    statuses that checking each application on its own leaves."""
    ids = build_mixed_world(registry, 60)
    with registry.sessions.begin() as session:  # the registry changes after submission
        for household in session.scalars(sa.select(Household).limit(10)):
            household.household_type = HouseholdType.NONE
    before = snapshot(registry, ids)
    run_open(registry)
    set_based = snapshot(registry, ids)
    restore(registry, before)
    run_each(registry, ids)
    assert snapshot(registry, ids) == set_based
    codes = {code for *_, found in set_based.values() for code in (found or {})}
    assert len(codes) >= 9, codes  # the world exercises most checks


def test_a_first_run_and_a_run_over_existing_findings_find_the_same(registry: Registry) -> None:
    """Given 40 assorted claims, the run that finds no finding yet (one statement on
    PostgreSQL) and the run that compares with existing findings (one claim checked before)
    leave the same findings and decisions, and count the same findings per code."""
    ids = build_mixed_world(registry, 40, seed=9)
    before = snapshot(registry, ids)

    def checked(*, one_first: bool) -> tuple[dict[int, Any], dict[str, int], int]:
        if one_first:
            run_each(registry, ids[:1])
            with registry.sessions() as session:  # so the run below compares
                assert session.scalar(sa.select(sa.func.count()).select_from(Finding))
        with registry.sessions.begin() as session:
            lock_for_writing(session)
            counts = crosscheck_open(session, today=TODAY)
        with registry.sessions.begin() as session:
            lock_for_writing(session)
            reassess(session, counts.reassess_ids, today=TODAY)
        return snapshot(registry, ids), counts.by_code, counts.applications

    first = checked(one_first=False)
    restore(registry, before)
    compared = checked(one_first=True)
    assert compared == first
    assert sum(first[1].values()) >= 40 and first[2] == len(ids)


def rows_of(session: Session) -> set[tuple]:
    """Every finding row as stored; a row written again has a new ``created_at``."""
    findings = session.scalars(sa.select(Finding))
    return {(f.application_id, f.code, f.severity, f.created_at) for f in findings}


def test_running_twice_changes_nothing_and_audits_once(registry: Registry) -> None:
    """Given a submitted claim with a wage finding, checking it twice (and then every open
    application) keeps the same finding rows and writes one cross-check audit event."""
    person = registry.person()
    registry.record(person, income=2500)
    application_id = registry.application(person)
    run_each(registry, [application_id])
    with registry.sessions() as session:
        first = rows_of(session)
    run_each(registry, [application_id])
    with registry.sessions.begin() as session:
        lock_for_writing(session)
        counts = crosscheck_open(session, today=TODAY)
    with registry.sessions() as session:
        again = rows_of(session)
    assert again == first
    assert (counts.findings_inserted, counts.findings_updated, counts.findings_deleted) == (0, 0, 0)
    assert counts.reassess_ids == []
    assert registry.audit_actions(application_id) == ["crosscheck", "status_change"]


def test_a_registry_change_refreshes_findings_and_decision_without_moving(registry) -> None:
    """Given a claim in the village review, when a new import marks the household as neither
    脱贫户 nor 监测户 and corrects the wage, the next run drops the wage finding, adds the
    household error, makes the decision ineligible with an audit event, and keeps the status."""
    person = registry.person()
    registry.record(person, income=2500)
    application_id = registry.application(person)
    run_each(registry, [application_id])
    assert "wage_mismatch" in registry.findings(application_id)
    with registry.sessions.begin() as session:
        session.get(Person, person).household.household_type = HouseholdType.NONE
        record = session.scalars(sa.select(MonitoringEmployment)).one()
        record.monthly_income_fen = 380000
    with registry.sessions.begin() as session:
        lock_for_writing(session)
        counts = crosscheck_open(session, today=TODAY)
    assert counts.reassess_ids == [application_id]
    assert (counts.findings_inserted, counts.findings_deleted) == (1, 1)
    run_open(registry)
    row = registry.application_row(application_id)
    assert set(registry.findings(application_id)) == {
        "registry_work_record",
        "registry_household_not_eligible",
    }
    assert (row.status, row.decision["eligible"], row.amount_fen) == (
        ApplicationStatus.VILLAGE_REVIEW,
        False,
        0,
    )
    assert row.facts["household_type"] == "none"
    assert registry.audit_actions(application_id) == ["crosscheck", "status_change", "crosscheck"]


def test_a_posted_notice_keeps_its_amount_but_gets_fresh_findings(registry) -> None:
    """Given a claim listed on a village notice, a registry change adds the finding for the
    reviewer but leaves the amount the notice shows."""
    person = registry.person()
    registry.record(person)
    application_id = registry.application(person, status="village_notice")
    with registry.sessions.begin() as session:
        session.get(Person, person).household.household_type = HouseholdType.NONE
    run_open(registry)
    row = registry.application_row(application_id)
    assert "registry_household_not_eligible" in registry.findings(application_id)
    assert (row.status, row.amount_fen) == (ApplicationStatus.VILLAGE_NOTICE, 150000)


def test_closed_applications_are_left_alone(registry: Registry) -> None:
    """A paid or withdrawn application gets no findings and no new decision."""
    person = registry.person()
    paid = registry.application(person, status="paid")
    withdrawn = registry.application(person, program="stable_employment", status="withdrawn")
    run_open(registry)
    with registry.sessions.begin() as session:
        lock_for_writing(session)
        assert crosscheck_application(session, paid, today=TODAY).applications == 0
    assert registry.findings(paid) == registry.findings(withdrawn) == {}


def test_concurrent_set_based_runs_give_the_same_findings(registry: Registry) -> None:
    """Given two set-based runs started at the same moment, both finish and the findings are
    those of a single run."""
    ids = build_mixed_world(registry, 20, seed=9)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            barrier.wait()
            with registry.sessions.begin() as session:
                lock_for_writing(session)
                crosscheck_open(session, today=TODAY)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    concurrent = snapshot(registry, ids)
    with registry.sessions.begin() as session:
        session.execute(sa.delete(Finding))
    with registry.sessions.begin() as session:
        lock_for_writing(session)
        crosscheck_open(session, today=TODAY)
    assert snapshot(registry, ids) == concurrent


def test_the_equivalent_join_returns_one_row_per_open_application(registry, engine) -> None:
    """The benchmark's baseline join runs as given and sees every open application once."""
    ids = build_mixed_world(registry, 12, seed=2)
    with registry.sessions() as session:
        open_ids = session.scalars(
            sa.select(Application.id).where(Application.status != ApplicationStatus.PAID)
        ).all()
        rows = session.execute(sa.text(equivalent_join_sql(engine.dialect.name, today=TODAY))).all()
    assert sorted(row.application_id for row in rows) == sorted(open_ids) == sorted(ids)
