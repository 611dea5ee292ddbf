"""Query functions: personal data goes in and out only through these, so indexes stay set."""

from db.queries.audit import Actor, change_status, record_audit
from db.queries.persons import UNSET, Upserted, find_person_by_id_number, upsert_person

__all__ = [
    "UNSET",
    "Actor",
    "Upserted",
    "change_status",
    "find_person_by_id_number",
    "record_audit",
    "upsert_person",
]
