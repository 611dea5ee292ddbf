"""Apply, the bank card: the account (checked with Luhn; a failing one kept with a warning for
the reviewer if the applicant confirms it) and its bank (开户行), which the roster prints."""

from __future__ import annotations

from bot.dialogs import check
from bot.dialogs.apply.flow import Step, after_bank, dialog, verified_person
from bot.dialogs.base import Answer, Reask, Turn
from common.i18n import N_
from common.payloads import BankName
from db.crypto import keyring
from db.pii import mask_account, normalize_account


@dialog.asks(Step.BANK)
def ask_bank(turn: Turn) -> None:
    found = verified_person(turn)
    buttons = []
    if found is not None and found.bank_account:
        buttons.append(
            turn.button("Use the card {card}", "bank:file", card=mask_account(found.bank_account))
        )
    check.ask_about(
        turn,
        N_(
            "Send the number of the bank card the subsidy should be paid to. It must be in "
            "your own name."
        ),
        N_(
            "Send the number of {name}'s bank card, which the subsidy is paid to. It must be "
            "in {name}'s own name."
        ),
        buttons,
    )


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _store_account(turn: Turn, account: str) -> None:
    # Dialog state is not encrypted at rest, so the account is kept there as ciphertext.
    turn.state["bank"] = keyring().encrypt(account)


def bank_account(turn: Turn) -> str | None:
    stored = turn.state.get("bank")
    return keyring().decrypt(stored) if stored else None


@dialog.answers(Step.BANK)
def answer_bank(turn: Turn, answer: Answer) -> None:
    found = verified_person(turn)
    if answer.button == "bank:file" and found is not None and found.bank_account:
        _store_account(turn, found.bank_account)
        turn.state["bank_name"] = found.bank_name
        if found.bank_name:
            after_bank(turn)
        else:
            dialog.ask(turn, Step.BANK_NAME)
        return
    digits = normalize_account(answer.words) if answer.text else ""
    if not digits.isdigit() or not 10 <= len(digits) <= 30:
        raise Reask("Please send the card number: digits only, for example 6217 0000 0000 0000.")
    _store_account(turn, digits)
    turn.state.pop("bank_name", None)
    if len(digits) in range(16, 20) and not _luhn_ok(digits):
        dialog.ask(turn, Step.BANK_CONFIRM)
        return
    dialog.ask(turn, Step.BANK_NAME)


@dialog.asks(Step.BANK_CONFIRM)
def ask_bank_confirm(turn: Turn) -> None:
    account = bank_account(turn) or ""
    turn.say(
        turn.t(
            "The card number {card} does not pass the usual check. Please compare it with your "
            "card. Is it right?",
            card=mask_account(account),
        ),
        [turn.button("Yes, it is right", "yes"), turn.button("No, type it again", "no")],
    )


@dialog.answers(Step.BANK_CONFIRM)
def answer_bank_confirm(turn: Turn, answer: Answer) -> None:
    if answer.button == "yes":
        turn.state["bank_warning"] = "luhn"  # shown to the reviewer, not a refusal
        dialog.ask(turn, Step.BANK_NAME)
    elif answer.button == "no":
        turn.state.pop("bank", None)
        dialog.ask(turn, Step.BANK)
    else:
        raise Reask("Please tap one of the buttons.")


# The banks rural workers in Shanxi mostly have cards of; any other name can be typed. The
# names are what the roster's 开户行 column shows, so they stay in Chinese.
BANKS = (
    (N_("Rural commercial bank / credit union (农商银行/信用社)"), "农村商业银行（农村信用社）"),
    (N_("Postal Savings Bank (邮储银行)"), "中国邮政储蓄银行"),
    (N_("Agricultural Bank (农业银行)"), "中国农业银行"),
    (N_("China Construction Bank (建设银行)"), "中国建设银行"),
    (N_("ICBC (工商银行)"), "中国工商银行"),
    (N_("Bank of China (中国银行)"), "中国银行"),
    (N_("Jinshang Bank (晋商银行)"), "晋商银行"),
)
BANK_WORDS = ("银行", "信用社", "农商", "信合", "bank", "credit")


@dialog.asks(Step.BANK_NAME)
def ask_bank_name(turn: Turn) -> None:
    turn.say(
        turn.t(
            "Which bank is the card from? Tap it, or type the bank and branch, for example "
            "高平农商银行三甲支行."
        ),
        [turn.button(label, BankName(index).pack()) for index, (label, _) in enumerate(BANKS)],
    )


@dialog.answers(Step.BANK_NAME)
def answer_bank_name(turn: Turn, answer: Answer) -> None:
    pressed = BankName.read(answer.button)
    if pressed is not None and pressed.index < len(BANKS):
        turn.state["bank_name"] = BANKS[pressed.index][1]
    elif answer.text and any(word in answer.words.lower() for word in BANK_WORDS):
        turn.state["bank_name"] = answer.words[:100]
    else:
        raise Reask("Please tap the bank, or type its name, for example 高平农商银行.")
    after_bank(turn)
