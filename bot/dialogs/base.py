"""The dialog toolkit: a Turn (one incoming message being handled) and Dialog state machines."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from bot.messages import Button, FileRef, Incoming, Reply
from bot.parsing import ParseError, normalize_text, parse_yes_no
from common import jobs
from common.i18n import translate
from common.payloads import Payload
from db.models import ChatIdentity, Notification, Staff
from db.types import utcnow


class DialogError(Exception):
    """Base class of the errors a dialog step raises to steer the conversation."""


class Reask(DialogError):
    """Raised when an answer cannot be used: the message (an msgid) is said, then the question
    of the current step is asked again with its buttons."""

    def __init__(self, message: str, **values: Any) -> None:
        super().__init__(message)
        self.message = message
        self.values = values


@dataclass(frozen=True)
class Answer:
    """What the user gave at a step: a pressed (or typed) button, text, a file, or a phone."""

    text: str | None = None
    button: str | None = None
    file: FileRef | None = None
    contact_phone: str | None = None
    contact_is_own: bool = False
    unsupported: str | None = None

    @property
    def words(self) -> str:
        """The typed text, normalised (empty when there is none)."""
        return normalize_text(self.text or "")


@dataclass
class Turn:
    """One incoming message being handled: the user's identity (locked), state and replies,
    and the registry of what every dialog module handles (commands, buttons, menus)."""

    session: Session
    identity: ChatIdentity
    incoming: Incoming
    today: date
    state: dict[str, Any]
    registry: Registry
    replies: list[Reply] = field(default_factory=list)
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    now: datetime = field(default_factory=utcnow)  # the engine's clock (staff roles, codes)

    @property
    def language(self) -> str:
        return self.identity.language

    @property
    def channel(self) -> str:
        return str(self.identity.channel)

    def t(self, message: str, **values: Any) -> str:
        """`message` (an msgid) in the user's language, with `{name}` placeholders filled."""
        return translate(self.language, message, **values)

    def say(
        self, text: str, buttons: Iterable[Button] = (), *, request_contact: bool = False
    ) -> None:
        """Queue a reply; the buttons of the last reply are what typed labels are matched to."""
        reply = Reply(text=text, buttons=tuple(buttons), request_contact=request_contact)
        self.replies.append(reply)
        self.state["_buttons"] = [
            {"label": button.label, "value": button.value} for button in reply.buttons
        ]

    def button(self, label: str, value: str, **values: Any) -> Button:
        """A button whose label is the translation of `label`."""
        return Button(self.t(label, **values), value)

    def notify(self, identity: ChatIdentity, text: str, buttons: Iterable[Button] = ()) -> None:
        """A message for another user, delivered by that user's channel after the commit."""
        notification = Notification(
            chat_identity_id=identity.id,
            text=text,
            buttons=[{"label": b.label, "value": b.value} for b in buttons],
        )
        self.session.add(notification)
        self.session.flush()
        notification_id = notification.id

        def deliver() -> None:
            jobs.DELIVER_NOTIFICATION.send(notification_id)

        self.after_commit.append(deliver)

    def go(self, dialog: str | None, step: StrEnum | None) -> None:
        """Make `step` of `dialog` the one the next message answers (None, None: no dialog)."""
        self.identity.dialog = dialog
        self.identity.step = step.value if step is not None else None


def active_staff(turn: Turn) -> Staff | None:
    """The active staff member behind this chat, or None for everyone else."""
    if turn.identity.staff_id is None:
        return None
    staff = turn.session.get(Staff, turn.identity.staff_id)
    return staff if staff is not None and staff.active else None


AskHandler = Callable[[Turn], None]
AnswerHandler = Callable[[Turn, Answer], None]
Handler = Callable[[Turn], None]
ButtonHandler = Callable[[Turn, Any], None]  # (turn, the decoded Payload of its kind)
# Says something in place of another module's usual next step (the menu's greeting, apply's
# questions) when it has something to offer; False: nothing said, the usual step goes on.
Offer = Callable[[Turn], bool]


class Dialog:
    """A small state machine: for each step, a function that asks and one that takes the answer.

    The current step is stored on the chat identity, so any bot process can take the next
    message. `ask` handlers say the question (and set the step); `answer` handlers parse, store
    what they learnt in the turn's state and ask the next step, or raise Reask.
    """

    def __init__(
        self, name: str, steps: type[StrEnum], *, free_text: Iterable[StrEnum] = ()
    ) -> None:
        self.name = name
        self.steps = steps
        # Steps whose answer is free text (a notice, a reason, a name): what is typed there is
        # never read as a request (查补贴, 帮助); only the menu words leave them.
        self.free_text = frozenset(free_text)
        self._ask: dict[StrEnum, AskHandler] = {}
        self._answer: dict[StrEnum, AnswerHandler] = {}

    def asks(self, step: StrEnum) -> Callable[[AskHandler], AskHandler]:
        def register(handler: AskHandler) -> AskHandler:
            self._ask[step] = handler
            return handler

        return register

    def answers(self, step: StrEnum) -> Callable[[AnswerHandler], AnswerHandler]:
        def register(handler: AnswerHandler) -> AnswerHandler:
            self._answer[step] = handler
            return handler

        return register

    def ask(self, turn: Turn, step: StrEnum) -> None:
        """Move to `step` and ask its question."""
        turn.go(self.name, step)
        self._ask[step](turn)

    def step_of(self, value: str | None) -> StrEnum | None:
        try:
            return self.steps(value) if value is not None else None
        except ValueError:
            return None  # a step renamed by a release; the engine restarts the dialog

    def answer(self, turn: Turn, step: StrEnum, answer: Answer) -> None:
        self._answer[step](turn, answer)

    def check(self) -> None:
        """Every step has both handlers (run by the tests)."""
        for step in self.steps:
            if step not in self._ask or step not in self._answer:
                raise AssertionError(f"dialog {self.name}: step {step} lacks a handler")


def pick(answer: Answer, choices: Mapping[str, Iterable[str]]) -> str | None:
    """The choice a button value or typed word names, or None."""
    if answer.button is not None:
        return answer.button if answer.button in choices else None
    words = answer.words.lower()
    for value, synonyms in choices.items():
        if words in {s.lower() for s in synonyms}:
            return value
    return None


def yes_or_no(answer: Answer) -> bool | None:
    """True or False when the typed text says yes (对的, 没错, 要得) or no (不对, 木有), else None:
    a confirmation step takes words as well as its buttons."""
    if answer.button is not None or not answer.text:
        return None
    try:
        return parse_yes_no(answer.words)
    except ParseError:
        return None


@dataclass(frozen=True)
class MenuEntry:
    """A button of the main menu that only some staff roles see; ``action`` answers menu:NAME."""

    label: str  # an msgid (marked with N_)
    action: str
    roles: frozenset[str]


@dataclass(frozen=True)
class DialogModule:
    """What one dialog module adds to the bot: its dialog, its slash commands, its menu:NAME
    actions, the buttons it answers from any step (by payload kind), its staff menu entries,
    and the continuations other dialogs may hand over to after collecting facts (`then=`),
    and its offers: what it may say instead of another module's usual step, by the name that
    step looks up (``"greeting"``: the menu's greeting; ``"apply"``: apply's questions).
    Each module declares one; `bot/dialogs/__init__.py` wires the list."""

    dialog: Dialog | None = None
    commands: Mapping[str, Handler] = field(default_factory=dict)
    actions: Mapping[str, Handler] = field(default_factory=dict)
    buttons: Mapping[type[Payload], ButtonHandler] = field(default_factory=dict)
    staff_menu: Sequence[MenuEntry] = ()
    continuations: Mapping[str, Handler] = field(default_factory=dict)
    offers: Mapping[str, Offer] = field(default_factory=dict)


@dataclass(frozen=True)
class Registry:
    """Every dialog module's declarations merged; a name declared twice is a wiring error."""

    dialogs: Mapping[str, Dialog]
    commands: Mapping[str, Handler]
    actions: Mapping[str, Handler]
    buttons: Mapping[type[Payload], ButtonHandler]
    staff_menu: Sequence[MenuEntry]
    continuations: Mapping[str, Handler]
    offers: Mapping[str, Offer] = field(default_factory=dict)

    @classmethod
    def of(cls, modules: Iterable[DialogModule]) -> Registry:
        dialogs: dict[str, Dialog] = {}
        merged: dict[str, dict[Any, Any]] = {
            "commands": {},
            "actions": {},
            "buttons": {},
            "continuations": {},
            "offers": {},
        }
        staff_menu: list[MenuEntry] = []
        for module in modules:
            if module.dialog is not None:
                _add(dialogs, {module.dialog.name: module.dialog}, "dialog")
            for kind, table in merged.items():
                _add(table, getattr(module, kind), kind)
            staff_menu.extend(module.staff_menu)
        return cls(dialogs=dialogs, staff_menu=tuple(staff_menu), **merged)

    def offer(self, name: str, turn: Turn) -> bool:
        """Run the offer named `name` if a module declares one; True when it said something."""
        found = self.offers.get(name)
        return found is not None and found(turn)

    def button_handler(self, value: str) -> Callable[[Turn], None] | None:
        """What a button that works from any step does, by its payload's kind: None when no
        module answers that kind (the current step may); StaleButton when it is unreadable."""
        kind = Payload.kind_of(value)
        handler = self.buttons.get(kind) if kind is not None else None
        if kind is None or handler is None:
            return None
        payload = kind.unpack(value)
        return lambda turn: handler(turn, payload)


def _add(table: dict[Any, Any], entries: Mapping[Any, Any], kind: str) -> None:
    for name, value in entries.items():
        if name in table:
            raise ValueError(f"{kind} {name!r} is declared by two dialog modules")
        table[name] = value
