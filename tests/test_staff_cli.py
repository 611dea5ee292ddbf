"""`wugong staff invite`: only codes of the register at the role's level; one line otherwise."""

from __future__ import annotations

import pytest

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
