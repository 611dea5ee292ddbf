"""`wugong broadcast` from the command line, on the embedded SQLite database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from db.crypto import Keyring, install_keyring
from db.engine import make_engine, make_sessionmaker
from db.enums import BroadcastStatus, DeliveryStatus, StaffRole
from db.migrate import upgrade
from db.models import Broadcast, Delivery
from tests.messaging.conftest import COUNTY, add_identity


@pytest.fixture
def embedded(tmp_path: Path):
    """An embedded var/ folder with a migrated database: two beneficiaries and a cadre."""
    var = tmp_path / "var"
    var.mkdir()
    secret = b"cli-test-secret-0123456789abcdefghijklmnopqrstuvwxyz"
    (var / "secret.key").write_bytes(secret)
    engine = make_engine(f"sqlite:///{var / 'wugong.sqlite3'}")
    upgrade(engine)
    install_keyring(Keyring.from_secret(secret))
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        add_identity(session, 7001)
        add_identity(session, 7002)
        add_identity(session, 7003, role=StaffRole.CADRE, region="140581100200")
    yield tmp_path, sessions
    engine.dispose()


def wugong(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WUGONG_")}
    env["WUGONG_LANGUAGE"] = "en"
    return subprocess.run(
        [sys.executable, "-m", "wugong.cli", "broadcast", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_dry_run_counts_and_sends_nothing(embedded):
    """Given two beneficiaries, --dry-run prints the count and the text and writes nothing."""
    cwd, sessions = embedded
    result = wugong(
        cwd, "--text", "申报将于12月25日截止", "--audience", "beneficiaries", "--dry-run"
    )
    assert result.returncode == 0, result.stderr
    assert "2 recipient(s)" in result.stdout and "申报将于12月25日截止" in result.stdout
    with sessions() as session:
        assert session.scalars(sa.select(Broadcast)).all() == []


def test_a_broadcast_is_written_for_the_server_to_send_and_can_be_cancelled(embedded):
    """Given --yes, the broadcast and one delivery per recipient are written (the running
    server's sweep sends them); --show prints the progress and --cancel stops it."""
    cwd, sessions = embedded
    result = wugong(cwd, "--text", "通知", "--audience", "cadre", f"region:{COUNTY}", "--yes")
    assert result.returncode == 0, result.stderr
    assert "Broadcast 1 is sending to 1 recipient(s)" in result.stdout
    with sessions() as session:
        broadcast = session.get(Broadcast, 1)
        assert broadcast.heartbeat_at is None  # no sender yet: the sweep starts them
        assert len(session.scalars(sa.select(Delivery)).all()) == 1
    shown = wugong(cwd, "--show", "1")
    assert "0 being sent, 1 pending, of 1" in shown.stdout
    assert shown.stderr == ""  # the result only, no log lines at the default level
    with sessions.begin() as session:  # a sender has claimed the row and is sending it
        session.execute(sa.update(Delivery).values(status=DeliveryStatus.CLAIMED))
    assert "1 being sent, 0 pending, of 1" in wugong(cwd, "--show", "1").stdout
    cancelled = wugong(cwd, "--cancel", "1")
    assert cancelled.returncode == 0 and "cancelled" in cancelled.stdout
    with sessions() as session:
        assert session.get(Broadcast, 1).status == BroadcastStatus.CANCELLED


def test_a_bad_audience_is_one_clear_line(embedded):
    """Given an unknown audience word, the command exits 2 with one line on stderr."""
    cwd, _ = embedded
    result = wugong(cwd, "--text", "x", "--audience", "mayors", "--yes")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "mayors" in result.stderr
