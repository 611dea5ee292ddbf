"""The help text says the amounts of the parameters: the user's county's when it is known."""

from __future__ import annotations

from bot.messages import Incoming
from db.enums import Channel, HouseholdType
from db.models import ChatIdentity, Household
from db.queries import upsert_person

FENYANG_VILLAGE = "141182100201"  # a village of 汾阳市, which pays by province groups


def _help(conversations, user: str) -> str:
    replies = conversations.handle(Incoming(channel=Channel.WEB, user=user, text="/help"))
    return "\n".join(reply.text for reply in replies)


def test_a_stranger_is_told_shanxis_amounts(conversations):
    text = _help(conversations, "stranger")
    assert "到省外务工1500元" in text and "县以外务工600元" in text
    assert "发1200元" in text and "不低于1000元" in text and "每务工一个月发200元" in text
    assert "山西省的标准" in text


def test_a_fenyang_worker_is_told_fenyangs_amounts(conversations, session_factory):
    # Given a worker whose household is registered in 汾阳 (other provinces 1300, neighbouring
    # ones 800, distant ones 1500; own province 400), When they ask for help, Then they see those
    with session_factory.begin() as session:
        household = Household(
            household_number="1411821002000001",
            region_code=FENYANG_VILLAGE,
            household_type=HouseholdType.POVERTY_ALLEVIATED,
        )
        session.add(household)
        session.flush()
        person = upsert_person(
            session,
            id_number="141182199001011234",
            name="王五",
            household_id=household.id,
            region_code=FENYANG_VILLAGE,
        ).person
        session.add(ChatIdentity(channel=Channel.WEB, external_id="fenyang", person_id=person.id))
    text = _help(conversations, "fenyang")
    assert "到省外务工800–1500元" in text and "县以外务工400元" in text
    assert "汾阳市的标准" in text
