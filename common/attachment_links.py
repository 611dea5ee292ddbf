"""Links from the review card to an attachment: `GET /attachments/{token}` for one staff member.

A token names the attachment, the chat identity it was shown to, the staff member holding the
role there and an expiry, with an HMAC under the deployment's key (db/crypto.py): nothing is
written when the card is shown. It opens the file only while it has not expired (LINK_TTL) and
the chat still holds that staff member's role, active and not lapsed: revoking the staff member,
or the web role lapsing, kills every link they were given. Each opening is audited.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from common.attachments import AttachmentFile, FileStore, NotStored, read_attachment
from common.settings import StaffSettings, get_settings
from db.crypto import keyring
from db.models import Attachment, ChatIdentity, Staff
from db.queries.audit import Actor, record_audit
from db.queries.staff import StaffLimits, lapse_reason

LINK_TTL = timedelta(minutes=30)
VIEWED = "attachment_viewed"
TOKEN = re.compile(r"([0-9]{1,12})-([0-9]{1,12})-([0-9]{1,12})-([0-9]{10})-([0-9a-f]{32})")


def _mac(attachment_id: int, identity_id: int, staff_id: int, expiry: str) -> str:
    payload = f"{attachment_id}:{identity_id}:{staff_id}:{expiry}"
    return keyring().code_mac("attachment-link", payload)[:32]


def attachment_url(
    attachment_id: int, identity: ChatIdentity, staff: Staff, now: datetime | None = None
) -> str:
    """The link for `staff`, in the chat of `identity`, to open the attachment."""
    moment = now or datetime.now(UTC)
    expiry = f"{int((moment + LINK_TTL).timestamp()):010d}"
    mac = _mac(attachment_id, identity.id, staff.id, expiry)
    token = f"{attachment_id}-{identity.id}-{staff.id}-{expiry}-{mac}"
    return f"{get_settings().public_url()}/attachments/{token}"


@dataclass(frozen=True)
class Opened:
    file: AttachmentFile
    attachment_id: int


def _limits() -> StaffLimits:
    settings = StaffSettings()
    return StaffLimits(
        idle=timedelta(hours=settings.staff_idle_hours),
        max_age=timedelta(days=settings.staff_max_days),
    )


def open_link(
    session: Session, token: str, store: FileStore, now: datetime | None = None
) -> Opened | None:
    """The attachment of a good link, its opening audited; None for a forged, expired or dead
    link, or a file not kept by the project. Call inside a transaction and commit after."""
    match = TOKEN.fullmatch(token)
    if match is None:
        return None
    attachment_id, identity_id, staff_id = (int(x) for x in match.groups()[:3])
    expiry, mac = match.group(4), match.group(5)
    if not hmac.compare_digest(mac, _mac(attachment_id, identity_id, staff_id, expiry)):
        return None
    moment = now or datetime.now(UTC)
    if int(expiry) < moment.timestamp():
        return None
    identity = session.get(ChatIdentity, identity_id)
    staff = session.get(Staff, staff_id)
    if identity is None or staff is None or not staff.active or identity.staff_id != staff_id:
        return None
    if lapse_reason(identity, moment, _limits()) is not None:
        return None
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        return None
    try:
        file = read_attachment(session, attachment_id, store)
    except (NotStored, FileNotFoundError):
        return None
    record_audit(
        session,
        Actor.of_staff(staff),
        VIEWED,
        application=attachment.application,
        data={"attachment": attachment_id},
    )
    return Opened(file, attachment_id)
