"""`wugong staff invite|login-code|list|revoke`: only codes of the register at the role's level,
login codes for active staff, who holds which role, revocation on every channel; a refusal is
one line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from db.enums import Channel, StaffRole
from db.models import ChatIdentity, Staff, StaffInvite
from tests.imports.conftest import count
from tests.imports.test_import_cli import wugong


@pytest.mark.parametrize(
    ("role", "region", "line"),
    [
        ("cadre", "140581102299",
         "wugong: --region 140581102299 is not a village in the register."),
        ("cadre", "140581102",
         "wugong: --region 140581102 is the township 高平市三甲镇; it must be a 12-digit "
         "village code."),
        ("township", "1405811", "wugong: --region 1405811 has 7 digits; it must be a 9-digit "
         "township code."),
        ("county_admin", "140421",
         "wugong: --region 140421 is not a county in the register. It was replaced by "
         "140404 上党区."),
        ("cadre", "三甲村",
         "wugong: --region must be a 12-digit village code, not 三甲村. Perhaps: 140581102225 "
         "高平市三甲镇三甲村; 140602206208 朔城区沙塄河乡三甲村"),
        ("township", "花果山镇",
         "wugong: --region must be a 9-digit township code; no township of the register is "
         "called 花果山镇."),
    ],
)  # fmt: skip
def test_an_invite_for_a_code_the_register_lacks_is_refused_with_one_line(
    database_url, engine, tmp_path, role, region, line
):
    """Given the register, an invite for an unknown village, a township code for a cadre, a
    code of seven digits, a retired county, or a name instead of a code exits 2 with one line
    saying what is wrong (the codes a name may mean, the successor of a retired county), and
    writes no invite."""
    done = wugong("staff", "invite", "--role", role, "--region", region,
                  database_url=database_url, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr
    errors = [text for text in done.stderr.splitlines() if text.startswith("wugong:")]
    assert "Traceback" not in done.stderr
    assert errors == [line]
    assert done.stdout == ""
    assert count(engine, "staff_invite") == 0


def test_an_invite_for_a_village_of_the_register_names_it_in_words(database_url, engine, tmp_path):
    """Given the register, an invite for 三甲村委会 prints a code and names the village."""
    done = wugong("staff", "invite", "--role", "cadre", "--region", "140581102225",
                  database_url=database_url, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    code = done.stdout.strip()
    assert len(code) >= 16
    assert (
        f"Send /start {code} to the bot within 7 days to become village cadre for "
        "高平市三甲镇三甲村 (140581102225)." in done.stderr
    )
    assert count(engine, "staff_invite") == 1


def test_the_refusal_is_in_chinese_for_a_chinese_clerk(database_url, engine, tmp_path):
    done = wugong("staff", "invite", "--role", "cadre", "--region", "140581102299",
                  database_url=database_url, cwd=tmp_path, lang="zh_CN.UTF-8")  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == "wugong: --region 140581102299 不是区划登记册中的村。"


# --- login-code, list, revoke -------------------------------------------------------------

SANJIA = "140581102225"  # 三甲村, 三甲镇 (140581102), 高平市
OTHER_VILLAGE = "140581100200"
TAKEN = datetime(2025, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanxi


def staff_members(session_factory) -> dict[str, int]:
    """A cadre of 三甲村 (phone; signed in on the web and on Telegram), a clerk of 三甲镇 (revoked),
    and a cadre of another township."""
    with session_factory.begin() as session:
        cadre = Staff(
            name="王建国",
            role=StaffRole.CADRE,
            region_code=SANJIA,
            created_at=TAKEN,
            last_used_at=TAKEN + timedelta(days=2),
            phone="13800001111",
        )
        clerk = Staff(
            name="李秀英",
            role=StaffRole.TOWNSHIP,
            region_code="140581102",
            created_at=TAKEN,
            active=False,
            revoked_at=TAKEN,
        )
        other = Staff(
            name="赵六", role=StaffRole.CADRE, region_code=OTHER_VILLAGE, created_at=TAKEN
        )
        session.add_all([cadre, clerk, other])
        session.flush()
        for channel, user in ((Channel.WEB, "w-1"), (Channel.TELEGRAM, "7001")):
            session.add(
                ChatIdentity(
                    channel=channel,
                    external_id=user,
                    staff_id=cadre.id,
                    staff_since=TAKEN,
                    staff_seen_at=TAKEN,
                )
            )
        session.add(ChatIdentity(channel=Channel.TELEGRAM, external_id="7002", staff_id=other.id))
        return {"cadre": cadre.id, "clerk": clerk.id, "other": other.id}  # fmt: skip


def signed_in(session_factory) -> dict[str, int | None]:
    with session_factory() as session:
        rows = session.execute(sa.select(ChatIdentity.external_id, ChatIdentity.staff_id))
        return {user: staff_id for user, staff_id in rows}


def test_a_login_code_is_printed_for_an_active_staff_member_only(
    database_url, session_factory, tmp_path
):
    """`staff login-code --id` prints a code whose hash is stored for that staff member (no new
    role); an unknown and a revoked id each get one line and exit 2."""
    ids = staff_members(session_factory)
    done = wugong("staff", "login-code", "--id", str(ids["cadre"]), "--hours", "12",
                  database_url=database_url, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    code = done.stdout.strip()
    assert (
        f"Send /start {code} to the bot within 12 hours to work again as 王建国, village cadre "
        f"for 高平市三甲镇三甲村 ({SANJIA})." in done.stderr
    )
    with session_factory() as session:
        (stored,) = session.scalars(sa.select(StaffInvite)).all()
        assert session.scalar(sa.select(sa.func.count()).select_from(Staff)) == 3
    assert stored.code_hash == StaffInvite.hash_code(code) and stored.staff_id == ids["cadre"]

    for staff_id, line in (
        ("99", "wugong: There is no staff member 99."),
        (str(ids["clerk"]), f"wugong: Staff member {ids['clerk']} (李秀英) is revoked; give them "
                            "a new invite instead."),
    ):  # fmt: skip
        done = wugong("staff", "login-code", "--id", staff_id,
                      database_url=database_url, cwd=tmp_path)  # fmt: skip
        assert (done.returncode, done.stdout, done.stderr.strip()) == (2, "", line)


def test_the_list_shows_roles_places_channels_and_masked_phones(
    database_url, session_factory, tmp_path
):
    """`staff list --region 140581102` shows the township's clerk and its village's cadre (not
    the other township's), signed-in channels counted, times in Shanxi, the phone masked."""
    ids = staff_members(session_factory)
    done = wugong("staff", "list", "--region", "140581102",
                  database_url=database_url, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "id\tname\trole\tregion\tplace\tstatus\tsigned in\tsince\tlast used\tphone",
        f"{ids['clerk']}\t李秀英\ttownship staff\t140581102\t高平市三甲镇\trevoked\tnone"
        "\t2025-12-01 09:00\t-\t-",
        f"{ids['cadre']}\t王建国\tvillage cadre\t{SANJIA}\t高平市三甲镇三甲村\tactive"
        "\ttelegram 1, web 1\t2025-12-01 09:00\t2025-12-03 09:00\t138****1111",
    ]
    assert "13800001111" not in done.stdout

    everyone = wugong("staff", "list", database_url=database_url, cwd=tmp_path)
    assert f"{ids['other']}\t赵六" in everyone.stdout
    bad = wugong("staff", "list", "--region", "三甲镇", database_url=database_url, cwd=tmp_path)
    assert (bad.returncode, bad.stderr.strip()) == (
        2, "wugong: --region must be a division code of 2, 4, 6, 9 or 12 digits, not 三甲镇."
    )  # fmt: skip


def test_revoking_by_id_and_by_region_signs_out_every_channel(
    database_url, session_factory, tmp_path
):
    """`staff revoke ID` detaches the cadre's web and Telegram chats and says so; an unknown id
    is one line, exit 2, and changes nothing; `--region` revokes everyone below it only."""
    ids = staff_members(session_factory)
    unknown = wugong("staff", "revoke", "99", database_url=database_url, cwd=tmp_path)
    assert (unknown.returncode, unknown.stdout) == (2, "")
    assert unknown.stderr.strip() == "wugong: There is no staff member 99."
    assert signed_in(session_factory)["w-1"] == ids["cadre"]

    done = wugong("staff", "revoke", str(ids["cadre"]), database_url=database_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"Revoked {ids['cadre']} 王建国 (village cadre, {SANJIA} 高平市三甲镇三甲村): signed out "
        "of telegram 1, web 1; 0 login code(s) made void."
    )
    assert signed_in(session_factory) == {"w-1": None, "7001": None, "7002": ids["other"]}

    region = wugong("staff", "revoke", "--region", "1405811",
                    database_url=database_url, cwd=tmp_path)  # fmt: skip
    assert region.returncode == 2 and "not 1405811" in region.stderr
    region = wugong("staff", "revoke", "--region", "140581100",
                    database_url=database_url, cwd=tmp_path)  # fmt: skip
    assert region.returncode == 0, region.stderr
    assert region.stdout.startswith(f"Revoked {ids['other']} 赵六 (village cadre, {OTHER_VILLAGE}")
    assert signed_in(session_factory)["7002"] is None
    with session_factory() as session:
        assert not any(session.scalars(sa.select(Staff.active)))
