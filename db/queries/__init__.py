"""Query functions: personal data goes in and out only through these, so indexes stay set."""

from db.queries.applications import (
    NewFile,
    Submitted,
    application_number,
    applications_of,
    parse_application_number,
    record_consent,
    submit,
    withdraw,
)
from db.queries.audit import Actor, change_status, record_audit
from db.queries.persons import UNSET, Upserted, find_person_by_id_number, upsert_person

__all__ = [
    "UNSET",
    "Actor",
    "NewFile",
    "Submitted",
    "Upserted",
    "application_number",
    "applications_of",
    "change_status",
    "find_person_by_id_number",
    "parse_application_number",
    "record_audit",
    "record_consent",
    "submit",
    "upsert_person",
    "withdraw",
]
