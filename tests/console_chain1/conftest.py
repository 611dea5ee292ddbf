"""The console's pages of the rest of the chain over HTTP: the console with the notices,
objections, budget and roster pages, and the public pages they link to (the printable notices
and the one-time roster downloads), on the test database, with the tests' clock."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from starlette.applications import Starlette

from bot import console
from bot.channels import exports, notice_pages
from bot.channels.edge import EdgeLimits
from common.limits import MemoryLimits
from common.settings import Settings
from db.enums import Channel, NoticeLevel, NoticeStatus
from db.models import Application, ChatIdentity, Notice, NoticeItem, Staff
from db.queries import upsert_person
from db.queries.notices import post_notice
from db.queries.objections import object_to_notice
from tests.console.conftest import LIMITS, START, browser, clock, signed_in  # noqa: F401


@pytest.fixture
def console_app(session_factory, clock) -> Starlette:  # noqa: F811
    edge = EdgeLimits(MemoryLimits(), Settings().web)
    staff_console = console.Console(session_factory, edge, LIMITS, clock=clock)
    return Starlette(
        routes=[
            *console.routes(staff_console),
            *exports.routes(session_factory),
            *notice_pages.routes(session_factory),
        ]
    )


def english(browser) -> None:  # noqa: F811
    """Wording checks read English: they hold before the catalogs are merged."""
    browser.cookies.set("wugong_lang", "en")


def status_of(session_factory, application_id: int):
    with session_factory() as session:
        return session.get(Application, application_id).status


def on_draft(session_factory, application_id: int, region: str, level: NoticeLevel) -> None:
    """Put an approved claim on the draft notice of its village or township, as approving does."""
    from db.queries.review import draft_notice

    with session_factory.begin() as session:
        notice = draft_notice(session, level, region, create=True)
        session.add(NoticeItem(notice_id=notice.id, application_id=application_id))


def posted(session_factory, staff_id: int, region: str, *, days: int = 5) -> str:
    """Post the draft notice of ``region`` as the staff member does in the chat."""
    with session_factory.begin() as session:
        staff = session.get(Staff, staff_id)
        return post_notice(session, staff, region, now=START, days=days).notice.number


def objector(session_factory, name: str = "赵六", id_number: str = "140581198001010228") -> int:
    """A chat verified as a villager (who may object)."""
    with session_factory.begin() as session:
        person = upsert_person(
            session, id_number=id_number, name=name, region_code="140581100200"
        ).person
        identity = ChatIdentity(
            channel=Channel.WEB,
            external_id=f"objector-{id_number}",
            state={},
            person_id=person.id,
            phone_verified=True,
        )
        session.add(identity)
        session.flush()
        return identity.id


def object_to(session_factory, identity_id: int, number: str, text: str) -> int:
    """The objection to the whole notice ``number``; its id."""
    with session_factory.begin() as session:
        identity = session.get(ChatIdentity, identity_id)
        notice = session.scalars(sa.select(Notice).where(Notice.number == number)).one()
        assert notice.status == NoticeStatus.POSTED
        objected = object_to_notice(
            session, identity, notice, text, application_ids=None, now=START, per_day=3
        )
        return objected.objections[0].id
