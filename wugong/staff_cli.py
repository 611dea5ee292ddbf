"""`wugong staff invite|login-code|list|revoke`: who holds a staff role, and ending it.

An invite gives a new role; a login code signs an existing staff member in again (a web chat's
role lapses, see db/queries/staff.py); `revoke` ends roles at once on every channel. Each prints
its result on stdout and a refusal as one translated line on stderr (exit 2).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from common.errors import ConfigurationError, WugongError
from common.i18n import N_, translate
from db.enums import StaffRole

INVITE_PRINTED = N_(
    "Send /start {code} to the bot within {days} days to become {role} for {place} ({region})."
)
LOGIN_CODE_PRINTED = N_(
    "Send /start {code} to the bot within {hours} hours to work again as {name}, {role} for "
    "{place} ({region})."
)
NO_STAFF = N_("There is no staff member {id}.")
REVOKED_ALREADY = N_("Staff member {id} ({name}) is revoked; give them a new invite instead.")
BAD_REGION = N_("--region must be a division code of 2, 4, 6, 9 or 12 digits, not {code}.")
ID_OR_REGION = N_("Give either a staff id or --region CODE.")
NOBODY = N_("Nobody holds a staff role there.")
HEADER = N_("id\tname\trole\tregion\tplace\tstatus\tsigned in\tsince\tlast used\tphone")
ACTIVE, REVOKED = N_("active"), N_("revoked")
REVOKED_LINE = N_(
    "Revoked {id} {name} ({role}, {region} {place}): signed out of {channels}; "
    "{codes} login code(s) made void."
)
WAS_REVOKED = N_("Staff member {id} ({name}) was revoked already; {channels} signed out now.")
NONE = N_("none")
INVITES_VOIDED = N_("{count} unused invite(s) for {region} made void.")
LEVELS = {
    "village": N_("village"),
    "township": N_("township"),
    "county": N_("county"),
    "city": N_("city"),
    "province": N_("province"),
}
SCOPE_REFUSALS = {
    "name_not_found": N_("--region must be a {length}-digit {level} code; no {level} of the "
                         "register is called {code}."),
    "not_a_code": N_("--region must be a {length}-digit {level} code, not {code}. Perhaps: "
                     "{listed}"),
    "other_level": N_("--region {code} is the {other} {words}; it must be a {length}-digit "
                      "{level} code."),
    "wrong_length": N_("--region {code} has {digits} digits; it must be a {length}-digit "
                       "{level} code."),
    "not_in_register": N_("--region {code} is not a {level} in the register."),
    "retired": N_("--region {code} ({words}) left the register after {year}."),
}  # fmt: skip
REPLACED_BY = N_("It was replaced by {instead}.")


def add_commands(commands: Any) -> None:
    staff = commands.add_parser("staff", help="staff roles")
    actions = staff.add_subparsers(dest="staff_command", required=True, metavar="ACTION")
    invite = actions.add_parser("invite", help="print a one-time code that gives a role")
    invite.add_argument("--role", required=True, choices=[role.value for role in StaffRole])
    invite.add_argument("--region", required=True, metavar="CODE", help="division code (scope)")
    invite.add_argument("--days", type=int, default=7, help="days until the code expires")
    login = actions.add_parser(
        "login-code", help="print a one-time code that signs a staff member in again"
    )
    login.add_argument("--id", type=int, required=True, metavar="STAFF_ID", dest="staff_id")
    login.add_argument("--hours", type=int, default=24, help="hours until the code expires")
    listing = actions.add_parser("list", help="who holds which role where, and since when")
    listing.add_argument("--region", metavar="CODE", help="this region and everything below it")
    revoke = actions.add_parser("revoke", help="end roles at once, on every channel")
    revoke.add_argument("staff_id", type=int, nargs="?", metavar="ID")
    revoke.add_argument("--region", metavar="CODE", help="everyone of this region and below")


def run(args: argparse.Namespace) -> int:
    """Run a `wugong staff` action; a refusal is one line on stderr and exit status 2."""
    from wugong.imports_cli import cli_language

    language = cli_language()
    actions: dict[str, Callable[[argparse.Namespace, str], int]] = {
        "invite": _invite,
        "login-code": _login_code,
        "list": _list,
        "revoke": _revoke,
    }
    try:
        return actions[args.staff_command](args, language)
    except WugongError as error:
        print(f"wugong: {error}", file=sys.stderr)
        return 2


def _region(code: str | None, language: str) -> str | None:
    from db.queries.staff import is_division_code

    if code is not None and not is_division_code(code):
        raise ConfigurationError(translate(language, BAD_REGION, code=code))
    return code


def _invite(args: argparse.Namespace, language: str) -> int:
    """Create a one-time invite and print its code; only its hash is stored.

    The region must be a current division of the register at the role's level (a cadre a
    village, a township clerk a township, …); otherwise nothing is written and the one line
    of the refusal says what the code is instead, or which codes a name may mean.
    """
    import secrets

    from bot.dialogs.staff import ROLE_NAMES
    from common import runtime as wugong_runtime
    from db.models import StaffInvite
    from db.queries.regions import UnknownScope, check_scope, region_words
    from db.queries.review import SCOPE_LENGTH

    role, days = StaffRole(args.role), args.days
    if days < 1:
        raise ConfigurationError("--days must be at least 1")
    runtime = wugong_runtime.start(upgrade=True)
    code = secrets.token_urlsafe(12)
    try:
        with runtime.sessions.begin() as session:
            try:
                scope = check_scope(session, args.region, SCOPE_LENGTH[role])
            except UnknownScope as error:
                raise ConfigurationError(scope_refusal(error, language)) from None
            session.add(
                StaffInvite(
                    code_hash=StaffInvite.hash_code(code),
                    role=role,
                    region_code=scope.code,
                    expires_at=datetime.now(UTC) + timedelta(days=days),
                )
            )
            place = region_words(session, scope.code)
    finally:
        runtime.close()
    print(code)
    role_name = translate(language, ROLE_NAMES[role])
    print(
        translate(
            language, INVITE_PRINTED, code=code, days=days, role=role_name, place=place,
            region=scope.code,
        ),
        file=sys.stderr,
    )  # fmt: skip
    return 0


def _login_code(args: argparse.Namespace, language: str) -> int:
    """A one-time code for an active staff member; refused for an unknown or revoked id."""
    from bot.dialogs.staff import ROLE_NAMES
    from common import runtime as wugong_runtime
    from db.models import Staff
    from db.queries import staff as roles
    from db.queries.regions import region_words

    if args.hours < 1:
        raise ConfigurationError("--hours must be at least 1")
    runtime = wugong_runtime.start(upgrade=True)
    try:
        with runtime.sessions.begin() as session:
            try:
                code = roles.issue_login_code(session, args.staff_id, args.hours, datetime.now(UTC))
            except roles.UnknownStaff as error:
                raise ConfigurationError(_unknown(error, language)) from None
            staff = session.get(Staff, args.staff_id)
            assert staff is not None
            values = {
                "name": staff.name,
                "role": translate(language, ROLE_NAMES[staff.role]),
                "place": region_words(session, staff.region_code),
                "region": staff.region_code,
            }
    finally:
        runtime.close()
    print(code)
    print(
        translate(language, LOGIN_CODE_PRINTED, code=code, hours=args.hours, **values),
        file=sys.stderr,
    )
    return 0


def _unknown(error: Any, language: str) -> str:
    if error.revoked:
        return translate(language, REVOKED_ALREADY, id=error.staff_id, name=error.name)
    return translate(language, NO_STAFF, id=error.staff_id)


def _list(args: argparse.Namespace, language: str) -> int:
    """One tab-separated line per staff member, phones masked, times in the service's zone."""
    from common import runtime as wugong_runtime
    from common.settings import get_settings
    from db.queries import staff as roles

    region = _region(args.region, language)
    zone = ZoneInfo(get_settings().messaging.timezone)
    runtime = wugong_runtime.start(upgrade=True)
    try:
        with runtime.sessions() as session:
            lines = [
                _row(session, row, language, zone) for row in roles.list_staff(session, region)
            ]
    finally:
        runtime.close()
    if not lines:
        print(translate(language, NOBODY))
        return 0
    print(translate(language, HEADER))
    print("\n".join(lines))
    return 0


def _row(session: Any, row: Any, language: str, zone: ZoneInfo) -> str:
    from bot.dialogs.staff import ROLE_NAMES
    from db.pii import mask_phone
    from db.queries.regions import region_words

    staff = row.staff

    def when(moment: datetime | None) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else "-"

    return "\t".join(
        [
            str(staff.id),
            staff.name,
            translate(language, ROLE_NAMES[staff.role]),
            staff.region_code,
            region_words(session, staff.region_code),
            translate(language, ACTIVE if staff.active else REVOKED),
            _channels(row.channels, language),
            when(staff.created_at),
            when(staff.last_used_at),
            mask_phone(staff.phone) if staff.phone else "-",
        ]
    )


def _channels(counts: Any, language: str) -> str:
    if not counts:
        return translate(language, NONE)
    return ", ".join(f"{channel} {count}" for channel, count in sorted(counts.items()))


def _revoke(args: argparse.Namespace, language: str) -> int:
    """Revoke one staff member by id, or everyone of a region; print what was revoked."""
    from common import runtime as wugong_runtime
    from db.queries import staff as roles

    region = _region(args.region, language)
    if (args.staff_id is None) == (region is None):
        raise ConfigurationError(translate(language, ID_OR_REGION))
    runtime = wugong_runtime.start(upgrade=True)
    lines: list[str] = []
    try:
        with runtime.sessions.begin() as session:
            now = datetime.now(UTC)
            if region is None:
                try:
                    revoked = [roles.revoke(session, args.staff_id, now)]
                except roles.UnknownStaff as error:
                    raise ConfigurationError(_unknown(error, language)) from None
                invites = 0
            else:
                revoked, invites = roles.revoke_region(session, region, now)
            lines = [_revoked_line(session, done, language) for done in revoked]
            if region is not None and not revoked:
                lines.append(translate(language, NOBODY))
            if invites:
                lines.append(translate(language, INVITES_VOIDED, count=invites, region=region))
    finally:
        runtime.close()
    print("\n".join(lines))
    return 0


def _revoked_line(session: Any, done: Any, language: str) -> str:
    from bot.dialogs.staff import ROLE_NAMES
    from db.queries.regions import region_words

    staff = done.staff
    channels = _channels(done.channels, language)
    if done.already:
        return translate(language, WAS_REVOKED, id=staff.id, name=staff.name, channels=channels)
    return translate(
        language,
        REVOKED_LINE,
        id=staff.id,
        name=staff.name,
        role=translate(language, ROLE_NAMES[staff.role]),
        region=staff.region_code,
        place=region_words(session, staff.region_code),
        channels=channels,
        codes=done.codes,
    )


def scope_refusal(error: Any, language: str) -> str:
    """The one translated line that says why a region cannot be a role's scope."""
    values = dict(error.values)
    for key in ("level", "other"):
        if key in values:
            values[key] = translate(language, LEVELS.get(str(values[key]), str(values[key])))
    line = translate(language, SCOPE_REFUSALS[error.problem], **values)
    if values.get("instead"):
        line += " " + translate(language, REPLACED_BY, instead=values["instead"])
    return line
