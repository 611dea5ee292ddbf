"""The words of a bank result import (db.queries.payments.import_bank_results): the summary and
one line per row left unpaid, the person masked. Shared by `wugong roster paid --file` and the
console's roster page, so both say the same."""

from __future__ import annotations

from collections.abc import Callable

from common.i18n import N_
from db.queries.payments import BankResult, Problem

PAID_FILE = N_("{paid} paid, {already} already paid, {unpaid} not paid")
ROW = N_("Row {row} ({who}): {reason}")
PROBLEMS = {
    "failed": N_("the transfer failed ({status})"),
    "unknown_status": N_("unknown status “{status}”"),
    "not_found": N_("no claim sent to finance matches it"),
    "account_mismatch": N_("the card differs from the one on the roster"),
    "amount_mismatch": N_("amount {file} in the file, {roster} on the roster"),
    "unreadable": N_("no amount, or neither ID number nor card"),
}

Translate = Callable[..., str]


def summary(t: Translate, result: BankResult) -> str:
    return t(
        PAID_FILE,
        paid=len(result.paid),
        already=len(result.already_paid),
        unpaid=len(result.problems),
    )


def describe(t: Translate, problem: Problem) -> str:
    """One line per row left unpaid; the person masked."""
    reason = t(PROBLEMS[problem.code], **problem.values)
    return t(ROW, row=problem.row.line, who=problem.row.who, reason=reason)


__all__ = ["PAID_FILE", "PROBLEMS", "ROW", "describe", "summary"]
