"""The application statuses' groups are defined once (db/enums.py) and fit together."""

from __future__ import annotations

from db.enums import (
    COMMITTED_STATUSES,
    DEAD_STATUSES,
    MOVABLE_STATUSES,
    ON_NOTICE_STATUSES,
    OPEN_STATUSES,
    WITHDRAWABLE_STATUSES,
    ApplicationStatus,
)


def test_every_status_is_exactly_one_of_open_committed_or_dead():
    groups = [OPEN_STATUSES, COMMITTED_STATUSES, DEAD_STATUSES]
    for status in ApplicationStatus:
        assert sum(status in group for group in groups) == 1, status


def test_the_narrower_groups_lie_where_they_should():
    assert ON_NOTICE_STATUSES <= OPEN_STATUSES  # a notice lists open claims
    assert MOVABLE_STATUSES <= OPEN_STATUSES - ON_NOTICE_STATUSES  # never under a notice
    assert not WITHDRAWABLE_STATUSES & COMMITTED_STATUSES  # approved is final for the applicant
    assert ApplicationStatus.DRAFT in WITHDRAWABLE_STATUSES
