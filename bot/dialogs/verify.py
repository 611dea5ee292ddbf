"""Who is typing: an ID number, then a one-time code sent by SMS to the phone the records hold
for it (or Telegram's shared contact matching that phone), else the village cadre confirms in
person later (the chart: verify.mmd beside this file).

No oracle: until the chat is verified as the person, every reply is the same whether the ID
number is in the records or not, and ID numbers typed are limited per chat and per client
address. The dialog hands over to a continuation (`then`, as check.collect_facts does) with
``state["verified"]``, and ``state["person_id"]`` when verified.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa

from bot.dialogs.base import Answer, Dialog, DialogModule, Reask, Turn
from bot.messages import Reply
from common.i18n import N_
from common.limits import (
    Limit,
    Limits,
    Refused,
    counting_limits,
    first_refusal,
    peek_refusal,
)
from common.notify import notify_identity
from common.payloads import to_menu
from common.settings import get_settings
from common.sms import SmsError, installed_sms_provider
from db.crypto import blind_index, keyring
from db.models import ChatIdentity, Person
from db.pii import mask_id, mask_name, normalize_phone
from db.queries import find_person_by_id_number
from db.queries import staff as staff_queries
from db.queries.codes import CODE_LIFETIME, CODE_TRIES, CodeCheck, check_code, issue_code
from db.queries.drafts import drafts_in_name, verify_identity
from policy.errors import InvalidIdNumber
from policy.ric import parse as parse_id

log = logging.getLogger(__name__)

HOUR = 3600
# Codes sent: at most 1 a minute, 5 an hour and 10 a day, per phone and per chat.
CODE_LIMITS = (Limit(1, 60), Limit(5, HOUR), Limit(10, 24 * HOUR))
RESEND = "verify:resend"
NO_CODE = "verify:nocode"


class Step(StrEnum):
    ID = "id"
    CODE = "code"


dialog = Dialog("verify", Step)

_limits: Limits | None = None


def install_limits(limits: Limits | None) -> None:
    """Use `limits` for the guessing limits (tests); None: the process's (Redis or memory)."""
    global _limits
    _limits = limits


def limits() -> Limits:
    return _limits or counting_limits(get_settings().queue.redis_url)


def wait_words(turn: Turn, refused: Refused) -> str:
    """How long to wait, in whole minutes (at least one)."""
    return turn.t("{minutes} minutes", minutes=max(1, -(-refused.retry_after // 60)))


def count_id_typed(turn: Turn) -> Refused | None:
    """Count one ID number typed in this chat and from its client address (apply, delegate)."""
    settings = get_settings().verify
    hits = [(f"id:chat:{turn.identity.id}", Limit(settings.id_tries_per_chat, HOUR))]
    address = turn.incoming.client_address
    if address:
        hits.append((f"id:addr:{address}", Limit(settings.id_tries_per_address, HOUR)))
    return first_refusal(limits(), hits)


def refuse_guessing(turn: Turn, refused: Refused) -> None:
    turn.go(None, None)
    turn.state.clear()
    turn.say(
        turn.t(
            "Too many ID numbers were typed here. Please try again in {wait}.",
            wait=wait_words(turn, refused),
        ),
        [turn.button("Main menu", to_menu("main"))],
    )


def begin(turn: Turn, then: str) -> None:
    """Ask for the ID number; `then` names the continuation that takes over afterwards."""
    turn.state["then"] = then
    dialog.ask(turn, Step.ID)


@dialog.asks(Step.ID)
def ask_id(turn: Turn) -> None:
    turn.say(turn.t("Please send your ID card number (身份证号码)."))


def read_id_number(turn: Turn, answer: Answer) -> str | None:
    """The ID number typed as `answer`, counted against the guessing limits: None when over
    them (the chat is told and the dialog ends); Reask when the answer is not an ID number."""
    refused = count_id_typed(turn)
    if refused is not None:
        refuse_guessing(turn, refused)
        return None
    if answer.file is not None or not answer.words:
        raise Reask("Please type the 18-character ID number.")
    try:
        return parse_id(answer.words, today=turn.today).number
    except InvalidIdNumber:
        raise Reask(
            "That ID number is not valid. Please check it: 18 characters, the last may be X."
        ) from None


@dialog.answers(Step.ID)
def answer_id(turn: Turn, answer: Answer) -> None:
    number = read_id_number(turn, answer)
    if number is None:
        return
    found = find_person_by_id_number(turn.session, number)
    turn.state.update(
        {"id_number": keyring().encrypt(number), "candidate": found.id if found else None}
    )
    identity = turn.identity
    if found is not None and identity.phone_verified and identity.person_id == found.id:
        _hand_over(turn, found)
        return
    if send_code(turn):
        dialog.ask(turn, Step.CODE)


def send_code(turn: Turn) -> bool:
    """Send a code to the candidate's registered phone, within the limits. What the chat is
    told does not depend on whether the ID number is in the records (an SMS failure aside)."""
    number = keyring().decrypt(turn.state["id_number"])
    hits = [(f"code:chat:{turn.identity.id}:{limit.seconds}", limit) for limit in CODE_LIMITS] + [
        (f"code:id:{blind_index('id', number)}:{limit.seconds}", limit) for limit in CODE_LIMITS
    ]
    refused = _within(hits)
    if refused is not None:
        turn.say(turn.t("You can ask for a new code in {wait}.", wait=wait_words(turn, refused)))
        return turn.state.get("code_sent_at") is not None
    found = _candidate(turn)
    if found is not None and found.phone:
        phone_hits = [
            (f"code:phone:{found.phone_index}:{limit.seconds}", limit) for limit in CODE_LIMITS
        ]
        if _within(phone_hits) is None:
            code = issue_code(turn.session, turn.identity, found, turn.now)
            _send_after_commit(turn, found.phone, code)
        else:
            log.info("codes to this phone are over their limit; none sent")
    turn.state.update({"code_sent_at": turn.now.isoformat(), "code_tries": CODE_TRIES})
    return True


def _send_after_commit(turn: Turn, phone: str, code: str) -> None:
    """Text the code once the turn has committed it: the provider may take seconds to answer,
    and meanwhile the turn's transaction would hold the chat's row and a database connection.
    When the provider refuses, the line saying so comes where the turn would have said it
    (before the question that follows)."""
    position = len(turn.replies)
    failed = Reply(
        turn.t(
            "The text message could not be sent just now. Please try again later, or tap “I "
            "did not get a code”: your village cadre can confirm who you are."
        )
    )

    def send() -> None:
        try:
            installed_sms_provider().send_code(phone, code)
        except SmsError:
            log.warning("the SMS provider did not take a code")
            turn.replies.insert(position, failed)

    turn.after_commit.append(send)


def _within(hits: list[tuple[str, Limit]]) -> Refused | None:
    """The longest refusal among `hits`, counting them all only when none refuses: a code
    not sent does not use up the hour's or the day's."""
    refused = peek_refusal(limits(), hits)
    if refused is not None:
        return refused
    return first_refusal(limits(), hits)


def _candidate(turn: Turn) -> Person | None:
    candidate = turn.state.get("candidate")
    return turn.session.get(Person, candidate) if candidate else None


@dialog.asks(Step.CODE)
def ask_code(turn: Turn) -> None:
    telegram = turn.channel == "telegram"
    turn.say(
        turn.t(
            "If this ID number is in the records, we have sent a 6-digit code by SMS to the "
            "phone number registered with it. Please type the code."
        )
        + (
            "\n" + turn.t("Or tap “Share my phone number” to compare it with the records.")
            if telegram
            else ""
        ),
        [
            turn.button("Send a new code", RESEND),
            turn.button("I did not get a code", NO_CODE),
        ],
        request_contact=telegram,
    )


@dialog.answers(Step.CODE)
def answer_code(turn: Turn, answer: Answer) -> None:
    if answer.contact_phone is not None:
        _answer_contact(turn, answer)
    elif answer.button == RESEND:
        send_code(turn)
        dialog.ask(turn, Step.CODE)
    elif answer.button == NO_CODE:
        _hand_over(turn, None)
    elif answer.words.replace(" ", "").isdigit() and len(answer.words.replace(" ", "")) == 6:
        _answer_digits(turn, answer.words.replace(" ", ""))
    else:
        raise Reask("Please type the 6-digit code, or tap one of the buttons.")


def _answer_contact(turn: Turn, answer: Answer) -> None:
    if not answer.contact_is_own:
        raise Reask("Please share your own phone number.")
    found = _candidate(turn)
    assert answer.contact_phone is not None
    if found is not None and found.phone and normalize_phone(answer.contact_phone) == found.phone:
        verified(turn, found, "contact")
        return
    raise Reask(
        "This phone number is not the one in the records for this ID number. Please type the "
        "code, or tap “I did not get a code”."
    )


def _answer_digits(turn: Turn, typed: str) -> None:
    sent = turn.state.get("code_sent_at")
    tries = int(turn.state.get("code_tries") or 0)
    if not sent or tries <= 0 or datetime.fromisoformat(sent) + CODE_LIFETIME <= turn.now:
        raise Reask("This code can no longer be used. Tap “Send a new code”.")
    found = _candidate(turn)
    result = (
        check_code(turn.session, turn.identity, found.id, typed, turn.now)
        if found is not None
        else CodeCheck.WRONG
    )
    if result == CodeCheck.RIGHT and found is not None:
        verified(turn, found, "sms")
        return
    turn.state["code_tries"] = tries - 1
    if tries - 1 <= 0:
        raise Reask("This code can no longer be used. Tap “Send a new code”.")
    raise Reask("That code is not right. You can try {count} more times.", count=tries - 1)


def verified(turn: Turn, found: Person, via: str) -> None:
    """The chat is verified as `found`: said (name masked), the cadre told of claims others
    made in the person's name, then the continuation."""
    verify_identity(turn.identity, found, via=via, now=turn.now)
    turn.say(turn.t("Thank you. You are verified as {name}.", name=mask_name(found.name)))
    tell_of_others_drafts(turn, found)
    _hand_over(turn, found)


def tell_of_others_drafts(turn: Turn, found: Person) -> None:
    """Drafts in the person's name made in other chats: the person is told where to see them,
    the cadre of the person's village is told of the conflict once."""
    others = [
        draft
        for draft in drafts_in_name(turn.session, found.id)
        if draft.submitted_by_chat_identity_id != turn.identity.id
    ]
    if not others:
        return
    turn.say(
        turn.t(
            "Someone else started a claim in your name in another chat. See “My applications”: "
            "you can withdraw it."
        )
    )
    for cadre in village_cadres(turn, found):
        notify_identity(
            turn.session,
            cadre,
            N_(
                "⚠️ A claim for {name} ({id}) was started in another chat, not verified as "
                "this person. {name} has now verified and can withdraw it; please check with "
                "them."
            ),
            name=mask_name(found.name),
            id=mask_id(found.id_number),
        )


def village_cadres(turn: Turn, found: Person) -> list[ChatIdentity]:
    """The chats of the active cadres whose region holds the person's village."""
    cadres = staff_queries.village_cadres(turn.session, found.region_code or "")
    if not cadres:
        return []
    return list(
        turn.session.scalars(
            sa.select(ChatIdentity)
            .where(
                ChatIdentity.messageable(),
                ChatIdentity.staff_id.in_([cadre.id for cadre in cadres]),
            )
            .order_by(ChatIdentity.id)
        )
    )


def _hand_over(turn: Turn, found: Person | None) -> None:
    for key in ("code_sent_at", "code_tries"):
        turn.state.pop(key, None)
    turn.state["verified"] = found is not None
    if found is not None:
        turn.state["person_id"] = found.id
    turn.registry.continuations[turn.state.pop("then", "apply")](turn)


MODULE = DialogModule(dialog=dialog)
