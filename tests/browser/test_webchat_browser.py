"""The web chat page in headless Chromium on a 360-px phone screen, against `wugong serve`.

Debian's Chromium (/usr/bin/chromium, or WUGONG_TEST_CHROMIUM) is driven by Playwright for Python;
Playwright's own browser download does not work here and is never used.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from db.engine import make_engine, make_sessionmaker
from db.enums import Channel
from db.models import ChatIdentity, Notification, WebSession
from tests.fakes.serving import free_port

CHROMIUM = Path(os.environ.get("WUGONG_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}
TIMEOUT_MS = 20_000


def _missing(message: str) -> None:
    if os.environ.get("WUGONG_TEST_REQUIRE_SERVICES"):
        pytest.fail(f"{message}, but WUGONG_TEST_REQUIRE_SERVICES is set")
    pytest.skip(message)


def wait_healthy(process: subprocess.Popen[str], base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise AssertionError(f"server exited early:\n{output}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("server did not become healthy in time")


@dataclass(frozen=True)
class Server:
    base: str
    database_url: str


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`wugong serve`, embedded default (a fresh SQLite database), on a free port."""
    folder = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WUGONG_")}
    env["WUGONG_HTTP_PORT"] = str(port)
    env["WUGONG_TODAY"] = "2025-12-01"  # the conversations' clock, whatever day the tests run
    process = subprocess.Popen(
        [sys.executable, "-m", "wugong.cli", "serve"],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(process, base)
        yield Server(base, f"sqlite:///{folder / 'var' / 'wugong.sqlite3'}")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
    assert "Traceback" not in output, output


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, with a fresh profile (Playwright makes a new one)."""
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing (apt-get install chromium): browser tests skipped")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[dev]'): browser tests skipped")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    """A new phone-sized page with its own storage; a script error fails the test."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def on_console(message) -> None:
        # A failed fetch is logged by the browser itself; the offline test causes that on purpose.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    page.on("console", on_console)
    yield page
    context.close()
    assert not errors, errors


def bot_turns(page) -> int:
    return page.locator('.turn[data-who="bot"]').count()


def wait_for_answer(page, before: int) -> None:
    """Wait until new bot messages arrived and the page is no longer busy."""
    page.wait_for_function(
        "before => document.querySelectorAll('.turn[data-who=\"bot\"]').length > before"
        " && document.getElementById('log').getAttribute('aria-busy') === 'false'",
        arg=before,
    )


def tap(page, value: str) -> None:
    """Tap the offered button whose value is `value` (it must be on the screen and enabled)."""
    before = bot_turns(page)
    button = page.locator(f'.buttons button[data-value="{value}"]:enabled').last
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44, f"{value} button too small: {box}"
    button.tap()
    wait_for_answer(page, before)


def type_answer(page, text: str) -> None:
    """Type into the message box and press Enter, as where no button offers the answer."""
    before = bot_turns(page)
    page.locator("#text").fill(text)
    page.locator("#text").press("Enter")
    wait_for_answer(page, before)


def session_cookie(page) -> dict:
    """The page's session cookie: set by the server, out of the script's reach."""
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "wugong_session"]
    return cookie


def last_bot_text(page) -> str:
    return page.locator('.turn[data-who="bot"] .bubble').last.inner_text()


def test_a_quick_check_on_a_phone(page, server, tmp_path):
    """Given the page on a 360-px phone, when a worker taps and types through the quick check,
    then the results bubble shows 1500 (transport) and 1200 (stable employment), the page never
    scrolls sideways, and a reload shows the same conversation."""
    page.goto(server.base + "/")
    page.locator('.buttons button[data-value="menu:check"]').wait_for()
    assert page.title() == "务工补贴助手"
    cookie = session_cookie(page)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie") == ""
    assert page.evaluate("localStorage.length") == 0

    tap(page, "menu:check")
    for text in ("江苏", "2025-03", "2025-11"):
        type_answer(page, text)
    tap(page, "employer:one")
    type_answer(page, "4000")
    tap(page, "hh:poverty_alleviated")
    for text in ("高平", "1990-03"):
        type_answer(page, text)

    results = last_bot_text(page)
    assert "1500" in results
    assert "1200" in results
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    log_box = page.locator("#log").bounding_box()
    assert log_box is not None and log_box["width"] <= PHONE["width"]
    page.screenshot(path=tmp_path / "webchat-results-360.png")
    page.locator(".turn").nth(1).scroll_into_view_if_needed()
    page.screenshot(path=tmp_path / "webchat-start-360.png")

    page.reload()
    page.locator('.turn[data-who="bot"]').last.wait_for()
    assert "1500" in last_bot_text(page)
    assert session_cookie(page)["value"] == cookie["value"]


def test_a_failed_request_says_so_politely_and_can_be_retried(page, server):
    """Given the phone loses its connection, when a message is sent, then a translated offline
    message with a retry button appears; once back online, the retry gets the answer."""
    page.goto(server.base + "/")
    page.locator('.buttons button[data-value="menu:check"]').wait_for()
    texts = page.evaluate("JSON.parse(document.getElementById('texts').textContent)")

    page.context.set_offline(True)
    page.locator("#text").fill("菜单")
    page.locator("#text").press("Enter")
    alert = page.locator('.failure [role="alert"]')
    alert.wait_for()
    assert alert.inner_text() == texts["offline"]

    page.context.set_offline(False)
    before = bot_turns(page)
    page.locator(".failure .buttons button").tap()
    wait_for_answer(page, before)
    assert page.locator(".failure").count() == 0
    assert page.locator('.turn[data-who="bot"] .buttons button:enabled').count() > 0


def test_a_notification_arrives_while_the_page_is_open(page, server):
    """Given the page at the menu, when a notification is written for its session and the page
    polls, then it shows as a bot message with its button, and the menu stays usable."""
    page.goto(server.base + "/")
    page.locator('.buttons button[data-value="menu:check"]').wait_for()
    session = WebSession.hash_token(session_cookie(page)["value"])
    engine = make_engine(server.database_url)
    try:
        with make_sessionmaker(engine).begin() as db:
            owner = db.scalars(
                sa.select(ChatIdentity.id).where(
                    ChatIdentity.channel == Channel.WEB, ChatIdentity.external_id == session
                )
            ).one()
            db.add(
                Notification(
                    chat_identity_id=owner,
                    text="您的申请已通过村级审核。",
                    buttons=[{"label": "查看进度", "value": "menu:status"}],
                )
            )
    finally:
        engine.dispose()

    before = bot_turns(page)
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # polls now
    wait_for_answer(page, before)
    assert last_bot_text(page).endswith("您的申请已通过村级审核。")
    assert page.locator('.buttons button[data-value="menu:check"]:enabled').count() == 1
    tap(page, "menu:status")


def tiny_png() -> bytes:
    """A real 2×2 PNG."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xc8\x10\x2e" * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_a_proof_photo_is_sent_with_the_file_button(page, server, tmp_path):
    """Given the page on a 360-px phone at the proof step of an application, when the worker
    picks a PNG with the file button, then the proof is acknowledged, the page does not scroll
    sideways, and the file is kept encrypted under the server's data directory."""
    page.goto(server.base + "/")
    page.locator('.buttons button[data-value="menu:check"]').wait_for()
    attach = page.get_by_role("button", name="发送照片或 PDF 文件")
    box = attach.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44
    tap(page, "menu:check")
    for text in ("江苏", "2025-03", "2025-11"):
        type_answer(page, text)
    tap(page, "employer:one")
    type_answer(page, "4000")
    tap(page, "hh:poverty_alleviated")
    for text in ("高平", "1990-03"):
        type_answer(page, text)
    tap(page, "menu:apply")
    type_answer(page, "140581199003151232")
    tap(page, "verify:nocode")  # no code: the claim goes on as a draft
    type_answer(page, "6217000010002000308")
    type_answer(page, "高平农商银行")
    assert page.locator('.buttons button[data-value="done"]:enabled').count() == 1

    picture = tmp_path / "证明.png"
    picture.write_bytes(tiny_png())
    before = bot_turns(page)
    with page.expect_file_chooser() as chooser:
        attach.tap()
    chooser.value.set_files(str(picture))
    wait_for_answer(page, before)
    assert "证明.png" in page.locator('.turn[data-who="user"] .bubble').last.inner_text()
    assert "已收到 1 张照片" in last_bot_text(page)
    assert page.locator(".failure").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=tmp_path / "webchat-upload-360.png")

    kept = [
        p
        for p in (Path(server.database_url[len("sqlite:///") :]).parent / "attachments").rglob("*")
        if p.is_file()
    ]
    assert len(kept) == 1 and tiny_png() not in kept[0].read_bytes()


def test_switching_language_mid_check_relabels_the_page_and_keeps_the_answers(page, server):
    """Given a worker halfway through the check in Chinese, when they type 说英语, then the
    question is asked again in English, the page's own labels turn English (and stay so after a
    reload), and the answers given so far still count; the link back switches both again."""
    page.goto(server.base + "/")
    tap(page, "menu:check")
    type_answer(page, "在江苏苏州一个厂里")
    assert page.locator("#send").inner_text() == "发送"
    type_answer(page, "说英语")
    assert "Since when have you worked there" in last_bot_text(page)
    assert page.locator("#send").inner_text() == "Send"
    assert page.locator("#text").get_attribute("placeholder") == "Type your answer here"
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.title() == "Labour subsidy assistant"
    assert page.locator(".other-lang").inner_text() == "中文"
    type_answer(page, "3月到11月")
    assert "one employer" in last_bot_text(page)
    page.reload()
    page.locator('.turn[data-who="bot"]').last.wait_for()
    assert page.locator("#send").inner_text() == "Send"
    before = bot_turns(page)
    page.locator(".other-lang").tap()
    wait_for_answer(page, before)
    assert page.locator("#send").inner_text() == "发送"
    assert "一家单位" in last_bot_text(page), "the same question again, in Chinese"
