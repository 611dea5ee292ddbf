"""The console's imports, broadcasts and audit log over HTTP: the console's app with these pages
(uploads under tmp_path, a small upload limit), a stub broker holding the jobs the pages send,
and the workers' runtime on the test database to run them as the chat's tests do (`.fn`)."""

from __future__ import annotations

from collections.abc import Iterator

import dramatiq
import pytest
from starlette.applications import Starlette

from bot import console
from bot.channels.edge import EdgeLimits
from common.broker import setup_broker
from common.limits import MemoryLimits
from common.runtime import Runtime
from common.settings import PathSettings, Settings
from tests.console.conftest import LIMITS, browser, clock, signed_in  # noqa: F401
from workers import context

MAX_BYTES = 200_000


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "var" / "imports"


@pytest.fixture
def console_app(session_factory, clock, folder) -> Starlette:  # noqa: F811
    edge = EdgeLimits(MemoryLimits(), Settings().web)
    staff_console = console.Console(session_factory, edge, LIMITS, clock=clock)
    return Starlette(
        routes=[
            *console.routes(staff_console, imports_folder=folder, import_max_bytes=MAX_BYTES),
        ]
    )


@pytest.fixture
def broker():
    broker = setup_broker(None)
    yield broker
    context.install(None)


@pytest.fixture
def runtime(broker, engine, session_factory, tmp_path) -> Iterator[Runtime]:
    """The workers' runtime: var/ under tmp_path, as the console's folder."""
    settings = Settings()
    settings.paths = PathSettings(var_dir=tmp_path / "var")
    installed = Runtime(settings=settings, engine=engine, sessions=session_factory)
    context.install(installed)
    yield installed
    context.install(None)


def sent(broker, queue: str) -> list[tuple]:
    """The arguments of the messages waiting in ``queue`` (taken out of it)."""
    messages = []
    waiting = broker.queues.get(queue)
    while waiting is not None and not waiting.empty():
        messages.append(tuple(dramatiq.Message.decode(waiting.get_nowait()).args))
    return messages
