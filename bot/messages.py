"""Channel-agnostic messages: what a channel hands to the dialogs, and what it gets back."""

from __future__ import annotations

from dataclasses import dataclass

from common.sending import MAX_BUTTON_VALUE_BYTES, Button
from db.enums import Channel

__all__ = ["MAX_BUTTON_VALUE_BYTES", "Button", "FileRef", "Incoming", "Reply"]


@dataclass(frozen=True)
class Reply:
    """One message to show: text, buttons below it, and whether to offer "share my phone"."""

    text: str
    buttons: tuple[Button, ...] = ()
    request_contact: bool = False
    # The user's language when the reply was made, for what a channel adds itself (the label of
    # Telegram's "share my phone number" key); empty when unknown.
    language: str = ""


@dataclass(frozen=True)
class FileRef:
    """A file the user sent: the channel's reference to it, never the bytes; and where the
    project keeps its encrypted copy when the channel fetched it (`common.attachments`)."""

    kind: str  # photo | document
    file_id: str
    name: str | None = None
    mime_type: str | None = None
    size: int | None = None
    storage_path: str | None = None
    sha256: str | None = None  # of the bytes, with storage_path


@dataclass(frozen=True)
class Incoming:
    """One message from one user of one channel.

    Exactly one of text, button, file, contact_phone or unsupported is set. `unsupported` names
    content the dialogs cannot use (sticker, voice, location, …) so they can re-ask politely.
    `update_id` lets a channel's redelivery of the same update be recognised and dropped.
    `client_address` is the network address the message came from, where the channel knows it
    (the web chat): limits on guessing are kept per address as well as per user.
    `numbered_options`: the channel shows a reply's buttons as numbered options (WeChat), so a
    typed "2" means the second button offered. `option` is the position (1, 2, …) of an option
    the user tapped, with its label as `text`: the router takes the button at that position
    when its label is the one tapped, else matches the label like a typed one.
    """

    channel: Channel
    user: str
    text: str | None = None
    button: str | None = None
    file: FileRef | None = None
    contact_phone: str | None = None
    contact_is_own: bool = False
    unsupported: str | None = None
    language_hint: str | None = None
    update_id: int | None = None
    display_name: str | None = None
    client_address: str | None = None
    numbered_options: bool = False
    option: int | None = None
