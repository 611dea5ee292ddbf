"""The staff console in headless Chromium at a desk screen (1366×768), against `wugong serve`:
sign in with a one-time code, filter the queue, approve two claims by keyboard, open a claim and
its photo, and see the dashboard's charts drawn with the numbers of its tables."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from common.attachments import FileStore
from db import crypto
from db.crypto import Keyring, install_keyring
from db.engine import make_engine, make_sessionmaker
from db.enums import ApplicationStatus, AttachmentKind, Severity, StaffRole
from db.models import Attachment, BudgetAllocation, Finding, Staff
from db.queries import staff as roles
from db.types import utcnow
from tests.browser.test_webchat_browser import TIMEOUT_MS, wait_healthy
from tests.browser.test_webchat_browser import browser as browser
from tests.console.test_review_pages import PNG
from tests.console_dashboard.county import COUNTY, build_county
from tests.fakes.serving import free_port
from tests.review.conftest import add_claim

DESK = {"width": 1366, "height": 768}
SECRET = "console-browser-test-secret-key-0123456789abcdefghijklmnop"


@dataclass(frozen=True)
class Office:
    base: str
    database_url: str
    code: str
    claims: tuple[int, int, int]  # two clean claims waiting for the county, one blocked


@contextmanager
def served_keys() -> Iterator[None]:
    """The served process's keys, for what this process writes into its database."""
    previous = crypto._installed
    install_keyring(Keyring.from_secret(SECRET.encode()))
    try:
        yield
    finally:
        install_keyring(previous)


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    """`wugong serve` on a fresh SQLite database with 高平's year, three claims waiting for the
    county (one with a blocking finding and a photo), and a login code of its administrator."""
    folder = tmp_path_factory.mktemp("console")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WUGONG_")}
    env.update(WUGONG_HTTP_PORT=str(port), WUGONG_SECRET_KEY=SECRET)
    process = subprocess.Popen(
        [sys.executable, "-m", "wugong.cli", "serve"],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    database_url = f"sqlite:///{folder / 'var' / 'wugong.sqlite3'}"
    try:
        wait_healthy(process, base)
        with served_keys():
            code, claims = seed(folder, database_url)
        yield Office(base, database_url, code, claims)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
    assert "Traceback" not in output, output


def seed(folder: Path, database_url: str) -> tuple[str, tuple[int, int, int]]:
    engine = make_engine(database_url)
    try:
        sessions = make_sessionmaker(engine)
        build_county(sessions)
        with sessions.begin() as session:  # room in 2025's transport budget for the claims
            session.execute(
                sa.update(BudgetAllocation)
                .where(BudgetAllocation.year == 2025)
                .values(amount_fen=10_000_000)
            )
        claims = (
            add_claim(sessions, "张三", "140581199001011234", ApplicationStatus.COUNTY_REVIEW),
            add_claim(sessions, "王五", "140581199303035678", ApplicationStatus.COUNTY_REVIEW),
            add_claim(sessions, "赵六", "140581198001010228", ApplicationStatus.COUNTY_REVIEW),
        )
        kept = FileStore(folder / "var").keep(PNG)
        with sessions.begin() as session:
            session.add(
                Finding(
                    application_id=claims[2],
                    code="no_registry_work_record",
                    severity=Severity.ERROR,
                    registry_values={},
                )
            )
            session.add(
                Attachment(
                    application_id=claims[2],
                    kind=AttachmentKind.WAGE_PROOF,
                    file_name="工资条.png",
                    storage_path=kept.storage_path,
                    sha256=kept.sha256,
                    size=kept.size,
                    content_type="image/png",
                )
            )
            staff = Staff(name="李县长", role=StaffRole.COUNTY_ADMIN, region_code=COUNTY)
            session.add(staff)
            session.flush()
            code = roles.issue_login_code(session, staff.id, 24, utcnow())
        return code, claims
    finally:
        engine.dispose()


@pytest.fixture
def desk(browser):
    """A desk-sized page; a script error fails the test."""
    context = browser.new_context(viewport=DESK, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()
    assert not errors, errors


def unlabelled(page) -> list[str]:
    """Form fields nobody can name: no <label>, no aria-label (hidden fields aside)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
            .map(el => el.name)"""
    )


def tables_without_headers(page) -> int:
    return page.evaluate(
        "() => [...document.querySelectorAll('table')].filter(t => !t.querySelector('th')).length"
    )


def test_a_clerk_works_through_the_queue_by_keyboard(desk, office):
    page = desk
    page.goto(office.base + "/staff")
    assert "/staff/login" in page.url
    page.wait_for_function("document.activeElement && document.activeElement.id === 'code'")
    page.keyboard.type(office.code)  # the code field has the focus
    page.keyboard.press("Enter")
    page.wait_for_url(office.base + "/staff")
    assert "李县长" in page.inner_text("header")

    page.focus('nav a[href="/staff/queue"]')
    page.keyboard.press("Enter")
    page.wait_for_url("**/staff/queue")
    page.select_option("select[name=status]", "county_review")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**status=county_review**")
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 3
    assert unlabelled(page) == [] and tables_without_headers(page) == 0
    assert page.locator(f'table.queue a[href="/staff/claims/{office.claims[2]}"]').count() == 1
    # the blocked claim says so in words, not only in colour
    assert "no_registry_work_record" in rows.nth(2).inner_text()

    for claim in office.claims[:2]:
        page.focus(f"#pick-{claim}")
        page.keyboard.press("Space")
    page.focus("form[action='/staff/queue/approve'] button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    told = page.inner_text("section[aria-labelledby=outcomes-title]")
    assert told.count("审核通过") == 2
    assert page.locator("table.queue tbody tr").count() == 1  # only the blocked one waits

    page.click(f'a[href="/staff/claims/{office.claims[2]}"]')
    page.wait_for_url(f"**/staff/claims/{office.claims[2]}")
    assert "监测系统里没有此人的务工记录" in page.inner_text("main")
    photo = page.locator("img.photo")
    photo.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", photo.element_handle())
    assert unlabelled(page) == [] and tables_without_headers(page) == 0


def test_the_dashboard_draws_the_numbers_of_its_tables(desk, office):
    page = desk
    page.goto(office.base + "/staff/login")
    page.fill("#code", login_code_again(office))
    page.click("button[type=submit]")
    page.goto(office.base + "/staff/dashboard?year=2026")
    page.wait_for_selector("body[data-charts-drawn]")
    people = page.locator("#c140581-people svg")
    assert people.count() == 1
    labels = page.evaluate(
        "() => [...document.querySelectorAll('#c140581-people svg text')].map(t => t.textContent)"
    )
    for number in ("5", "800", "1", "200"):  # the bars' labels: supported and target
        assert number in labels, labels
    table = page.locator("figure[aria-labelledby='c140581-people-title'] table")
    assert "800" in table.inner_text() and "0.6%" in table.inner_text()
    legend = page.evaluate(
        "() => [...document.querySelectorAll('#c140581-budget svg text')].map(t => t.textContent)"
    )
    assert {"下达资金", "已核定", "已发放"} <= set(legend)  # series named, not only coloured
    assert "500,000" in legend
    assert tables_without_headers(page) == 0
    download = page.locator("a[href^='/staff/dashboard.xlsx']")
    assert download.count() == 1


def login_code_again(office: Office) -> str:
    """A fresh login code for the same administrator (a code works once)."""
    engine = make_engine(office.database_url)
    try:
        with served_keys(), make_sessionmaker(engine).begin() as session:
            staff_id = session.scalar(sa.select(Staff.id).where(Staff.name == "李县长"))
            return roles.issue_login_code(session, staff_id, 24, utcnow())
    finally:
        engine.dispose()
