"""Constraints, the query layer and the append-only audit trail, on both databases."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.crypto import Keyring, blind_index
from db.engine import make_sessionmaker
from db.enums import ApplicationStatus, Channel, ImportKind, Program, StaffRole
from db.models import (
    Application,
    AuditEvent,
    Broadcast,
    ChatIdentity,
    Delivery,
    ImportBatch,
    Person,
    Staff,
)
from db.queries import Actor, change_status, find_person_by_id_number, record_audit, upsert_person

ID = "140581199003151232"


def make_person(session: Session, id_number: str = ID) -> int:
    person, _ = upsert_person(session, id_number=id_number, name="张三")
    return person.id


def test_one_application_per_person_program_and_year(session: Session) -> None:
    # Given an application of a person for the 2025 transport subsidy
    person_id = make_person(session)
    session.add(Application(person_id=person_id, program=Program.TRANSPORT, year=2025))
    session.commit()
    # When other programs and years are added, they are accepted
    session.add(Application(person_id=person_id, program=Program.STABLE_EMPLOYMENT, year=2025))
    session.add(Application(person_id=person_id, program=Program.TRANSPORT, year=2026))
    session.commit()
    # Then a second 2025 transport application is refused by the database itself
    session.add(Application(person_id=person_id, program=Program.TRANSPORT, year=2025))
    with pytest.raises(IntegrityError):
        session.commit()


def test_statuses_outside_the_list_are_refused_by_the_database(session: Session) -> None:
    person_id = make_person(session)
    with pytest.raises(IntegrityError):
        session.execute(
            sa.text(
                "INSERT INTO application (person_id, program, year, status, facts, capacity) "
                "VALUES (:person, 'transport', 2025, 'paid_twice', '{}', 'self')"
            ),
            {"person": person_id},
        )


def test_upsert_person_inserts_updates_and_reports_no_change(session: Session) -> None:
    person, outcome = upsert_person(
        session, id_number=ID, name="张三", phone="138 1234 5678", bank_account="6217 0000 1000"
    )
    assert outcome == "inserted"
    assert person.id_index == blind_index("id", ID)
    assert person.phone == "13812345678"
    assert person.phone_index == blind_index("phone", "13812345678")
    assert person.account_index == blind_index("account", "62170000 1000")

    same, outcome = upsert_person(
        session,
        id_number="１４０５８１１９９００３１５１２３２",
        name="张三",
        phone="+86 13812345678",
    )
    assert (same.id, outcome) == (person.id, "unchanged")

    same, outcome = upsert_person(session, id_number=ID, name="张三", phone=None, region_code="14")
    assert (same.id, outcome) == (person.id, "updated")
    assert same.phone is None and same.phone_index is None
    assert same.bank_account == "621700001000"
    assert same.region_code == "14"


def test_find_person_by_id_number_in_any_spelling(session: Session) -> None:
    person_id = make_person(session, "11010519491231002X")
    session.commit()
    found = find_person_by_id_number(session, " 11010519491231002x ")
    assert found is not None and found.id == person_id
    assert find_person_by_id_number(session, ID) is None


def test_changing_a_status_records_who_did_it(session: Session) -> None:
    person_id = make_person(session)
    staff = Staff(name="李四", role=StaffRole.TOWNSHIP, region_code="140581100")
    application = Application(
        person_id=person_id,
        program=Program.TRANSPORT,
        year=2025,
        status=ApplicationStatus.VILLAGE_REVIEW,
    )
    session.add_all([staff, application])
    session.flush()
    event = change_status(
        session,
        application,
        ApplicationStatus.RETURNED,
        Actor.of_staff(staff),
        reason="务工证明缺失",
    )
    session.commit()
    assert application.status == ApplicationStatus.RETURNED
    stored = session.scalars(sa.select(AuditEvent)).one()
    assert stored.id == event.id
    assert (stored.application_id, stored.actor_kind, stored.actor_id, stored.role) == (
        application.id,
        "staff",
        staff.id,
        "township",
    )
    assert (stored.from_status, stored.to_status) == ("village_review", "returned")
    assert stored.reason == "务工证明缺失"


def audit_event(session: Session) -> int:
    event = record_audit(session, Actor.system("importer"), "import", data={"rows": 3})
    session.commit()
    return event.id


def test_audit_events_cannot_be_updated(session: Session) -> None:
    event_id = audit_event(session)
    with pytest.raises(IntegrityError, match="append-only"):
        session.execute(
            sa.text("UPDATE audit_event SET reason = 'rewritten' WHERE id = :id"), {"id": event_id}
        )
    session.rollback()
    event = session.get(AuditEvent, event_id)
    assert event is not None
    event.action = "rewritten"
    with pytest.raises(IntegrityError, match="append-only"):
        session.flush()


def test_audit_events_cannot_be_deleted(session: Session) -> None:
    event_id = audit_event(session)
    with pytest.raises(IntegrityError, match="append-only"):
        session.execute(sa.text("DELETE FROM audit_event"))
    session.rollback()
    event = session.get(AuditEvent, event_id)
    session.delete(event)
    with pytest.raises(IntegrityError, match="append-only"):
        session.flush()
    session.rollback()
    assert session.scalars(sa.select(AuditEvent.action)).all() == ["import"]


@pytest.mark.postgres
def test_audit_events_cannot_be_truncated_on_postgresql(
    postgres_engine: Engine, keyring: Keyring
) -> None:
    with make_sessionmaker(postgres_engine)() as session:
        audit_event(session)
        with pytest.raises(IntegrityError, match="append-only"):
            session.execute(sa.text("TRUNCATE audit_event"))
        session.rollback()
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 1


NEVER_DELETED = ("application", "person", "import_batch")


@pytest.mark.parametrize("table", NEVER_DELETED)
def test_rows_that_derived_rows_point_at_are_never_deleted(session: Session, table: str) -> None:
    # Given an application of a person, and an import batch (findings and monitoring work
    # records point at them without foreign keys: migration 0006)
    person_id = make_person(session)
    session.add(Application(person_id=person_id, program=Program.TRANSPORT, year=2025))
    session.add(ImportBatch(kind=ImportKind.MONITORING, file_name="已外出务工信息.xlsx", sha256=""))
    session.commit()
    # When one is deleted, the database refuses
    with pytest.raises(IntegrityError, match="never deleted"):
        session.execute(sa.text(f"DELETE FROM {table}"))
    session.rollback()
    # Then it is still there
    assert session.scalar(sa.text(f"SELECT COUNT(*) FROM {table}")) == 1


@pytest.mark.postgres
@pytest.mark.parametrize("table", NEVER_DELETED)
def test_rows_that_derived_rows_point_at_are_never_truncated_on_postgresql(
    postgres_engine: Engine, keyring: Keyring, table: str
) -> None:
    with make_sessionmaker(postgres_engine)() as session:
        make_person(session)
        session.commit()
        with pytest.raises(IntegrityError, match="never deleted"):
            session.execute(sa.text(f"TRUNCATE {table} CASCADE"))
        session.rollback()
        assert session.scalar(sa.select(sa.func.count()).select_from(Person)) == 1


def test_a_broadcast_reaches_a_chat_identity_once(session: Session) -> None:
    identity = ChatIdentity(channel=Channel.TELEGRAM, external_id="42", state={"step": "start"})
    broadcast = Broadcast(text="通知", audience={"region": "140581"})
    session.add_all([identity, broadcast])
    session.flush()
    session.add(Delivery(broadcast_id=broadcast.id, chat_identity_id=identity.id))
    session.commit()
    session.expunge_all()
    assert session.scalars(sa.select(ChatIdentity.state)).one() == {"step": "start"}
    session.add(Delivery(broadcast_id=broadcast.id, chat_identity_id=identity.id))
    with pytest.raises(IntegrityError):
        session.commit()


def test_a_chat_identity_is_unique_per_channel(session: Session) -> None:
    session.add(ChatIdentity(channel=Channel.TELEGRAM, external_id="42"))
    session.add(ChatIdentity(channel=Channel.WEB, external_id="42"))
    session.commit()
    session.add(ChatIdentity(channel=Channel.TELEGRAM, external_id="42"))
    with pytest.raises(IntegrityError):
        session.commit()
