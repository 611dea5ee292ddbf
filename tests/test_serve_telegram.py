"""`wugong serve` with Telegram, end to end: the real process (its event loop, the channel's
HTTP transport) against the fake Bot API over loopback HTTP, in polling and in webhook mode."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.fakes.telegram_api import FakeBotAPI, Updates, serve_fake
from tests.test_serve import clean_environment, free_port, start_server, stop, wait_healthy

USER = 5550001
SECRET = "serve-webhook-secret"


@pytest.fixture
def fake():
    with serve_fake() as fake:
        yield fake


def telegram_environment(fake: FakeBotAPI, port: int, **extra: str) -> dict[str, str]:
    return clean_environment(
        WUGONG_HTTP_PORT=str(port),
        WUGONG_TELEGRAM_TOKEN=fake.token,
        WUGONG_TELEGRAM_BASE_URL=fake.base_url,
        **extra,
    )


def test_serve_polls_telegram_and_answers_in_chinese(tmp_path, fake):
    """Given `wugong serve` with a token, when a user sends /start and then presses the
    quick-check button, both are answered through the Bot API: the menu, the press
    acknowledged, the first question."""
    port = free_port()
    process = start_server(tmp_path, telegram_environment(fake, port))
    updates = Updates()
    try:
        wait_healthy(process, f"http://127.0.0.1:{port}")
        fake.queue_update(updates.text(USER, "/start"))
        fake.wait_for(lambda: len(fake.texts(USER)) >= 1, timeout=30)
        assert "补贴" in fake.texts(USER)[0]
        fake.queue_update(updates.button(USER, "menu:check"))
        fake.wait_for(lambda: len(fake.texts(USER)) >= 2, timeout=30)
        fake.wait_for(lambda: bool(fake.calls_of("answerCallbackQuery")), timeout=30)
        assert "务工" in fake.texts(USER)[1]
    finally:
        output = stop(process)
    assert process.returncode == 0, output
    assert "Traceback" not in output


def test_serve_answers_webhook_updates_and_acknowledges_presses_in_the_answer(tmp_path, fake):
    """Given `wugong serve` in webhook mode, a posted /start is answered before the webhook
    returns, and a pressed button's acknowledgement comes back in the webhook's answer."""
    port = free_port()
    env = telegram_environment(
        fake, port, WUGONG_TELEGRAM_MODE="webhook", WUGONG_TELEGRAM_WEBHOOK_SECRET=SECRET
    )
    process = start_server(tmp_path, env)
    updates = Updates()
    base = f"http://127.0.0.1:{port}"

    def post(update: dict) -> dict:
        request = urllib.request.Request(
            f"{base}/telegram",
            data=json.dumps(update).encode(),
            headers={
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": SECRET,
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer: dict = json.load(response)
            return answer

    try:
        wait_healthy(process, base)
        assert post(updates.text(USER, "/start")) == {}
        assert "补贴" in fake.texts(USER)[0]
        press = updates.button(USER, "menu:check")
        assert post(press) == {
            "method": "answerCallbackQuery",
            "callback_query_id": press["callback_query"]["id"],
        }
        assert "务工" in fake.texts(USER)[1]
    finally:
        output = stop(process)
    assert process.returncode == 0, output
    assert "Traceback" not in output
