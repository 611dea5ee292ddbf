"""Staff: taking a role with a one-time invite code (`/start CODE`)."""

from __future__ import annotations

import sqlalchemy as sa

from bot.dialogs.base import Turn
from db.enums import StaffRole
from db.models import Staff, StaffInvite
from db.queries import Actor, record_audit
from db.types import utcnow
from policy import place_name
from wugong.i18n import N_

ROLE_NAMES = {
    StaffRole.CADRE: N_("village cadre"),
    StaffRole.TOWNSHIP: N_("township staff"),
    StaffRole.COUNTY_ADMIN: N_("county administrator"),
    StaffRole.CITY_ADMIN: N_("city administrator"),
}


def region_name(code: str) -> str:
    """A readable name for a scope code; village codes (12 digits) show their county."""
    try:
        return place_name(code[:6]) + (f" ({code})" if len(code) > 6 else "")
    except (LookupError, ValueError):
        return code


def redeem(turn: Turn, code: str) -> None:
    """Give this chat the role of a valid, unused, unexpired invite."""
    from bot.dialogs import menu

    invite = turn.session.scalars(
        sa.select(StaffInvite)
        .where(StaffInvite.code_hash == StaffInvite.hash_code(code))
        .with_for_update()
    ).one_or_none()
    if invite is None or invite.used_at is not None:
        turn.say(turn.t("This invite code is not valid or has been used already."))
        menu.show(turn)
        return
    if invite.expires_at < utcnow():
        turn.say(turn.t("This invite code has expired. Please ask for a new one."))
        menu.show(turn)
        return
    name = turn.incoming.display_name or turn.t("staff member")
    staff = Staff(name=name[:64], role=invite.role, region_code=invite.region_code)
    turn.session.add(staff)
    turn.session.flush()
    invite.used_at = utcnow()
    invite.used_by_staff_id = staff.id
    turn.identity.staff_id = staff.id
    record_audit(
        turn.session,
        Actor.of_staff(staff),
        "staff_joined",
        data={"role": staff.role.value, "region": staff.region_code, "invite": invite.id},
    )
    turn.say(
        turn.t(
            "Welcome! You are now {role} for {region}.",
            role=turn.t(ROLE_NAMES[staff.role]),
            region=region_name(staff.region_code),
        )
    )
    menu.show(turn)
