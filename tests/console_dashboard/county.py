"""A small 高平 (140581) written by hand, with one claim in 泽州 (140525), for the dashboard tests.

Claims of 2026 (amounts in yuan; T transport, S stable employment; days of submission in China):

    米山镇 140581101 (米西村)                    三甲镇 140581102 (西栗庄村)
    c1 T 1500 paid on time         03-02       c7 S 1200 paid on its due date     03-02
    c2 T  600 paid 23:30 of due    03-02       c8 S 1200 rejected                 03-02
    c3 T 1500 paid 00:30 after due 03-02       c9 T 1500 submitted                06-01
    c4 T  600 roster sent          03-09       c10 T 600 withdrawn                06-01
    c5 T 1500 approved             03-09
    c6 T 1500 village review       01-05 01:00 (04 January 17:00 in UTC: ISO week 1 there)

Drafts that must never count: an unverified draft (T 1500, 米山镇, "submitted" 03-02) and an
unverified draft withdrawn when taken up. 2025: l1 T 1500 paid (2025-03-03), l2 rejected
(2025-03-11). 泽州: e1 T 1500 paid on time (2026-03-02).

The roster of c1–c4 went to finance on Monday 2026-09-28: 7 working days later, across 国庆,
is 2026-10-13 (weekdays alone would say 10-07). c7's roster went on 2026-11-02, due 11-11.
Ratings: c1 满意, c2 基本满意, c3 不满意, c7 满意, e1 满意. Budgets: 高平 transport 50 万元
(≥ 800 people, no satisfaction target: 95 %), stable 25 万元 (≥ 200 people, 90 %); 泽州
transport 20 万元 (≥ 300 people).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from db.enums import ApplicationStatus, Channel, Program, Rating
from db.models import (
    Application,
    BudgetAllocation,
    ChatIdentity,
    RosterBatch,
    RosterStatus,
    Satisfaction,
)
from db.queries import upsert_person
from db.workdays import add_workdays

COUNTY = "140581"
CITY = "1405"
ZEZHOU = "140525"
MISHAN, SANJIA = "140581101", "140581102"
MISHAN_VILLAGE, SANJIA_VILLAGE = "140581101201", "140581102203"
ZEZHOU_VILLAGE = "140525100001"
YEAR = 2026
CHINA = timedelta(hours=8)
T, S = Program.TRANSPORT, Program.STABLE_EMPLOYMENT
_S = ApplicationStatus
_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]


def id_number(index: int) -> str:
    """A valid resident ID of 高平, born 1990-03-15, sequence ``index``."""
    body = f"14058119900315{index:03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]
    return body + check


def china(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment given in China's time, as the aware UTC datetime stored."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC) - CHINA


@dataclass
class County:
    first_roster_due: date
    second_roster_due: date


class _Writer:
    def __init__(self, session) -> None:
        self.session = session
        self.people = 0
        self.chat = ChatIdentity(channel=Channel.WEB, external_id="rater")
        session.add(self.chat)
        session.flush()

    def claim(self, program, amount, village, status, submitted, *, year=YEAR, **extra):
        self.people += 1
        person = upsert_person(
            self.session, id_number=id_number(self.people), name=f"工人{self.people}",
            region_code=village,
        ).person  # fmt: skip
        application = Application(
            person_id=person.id, program=program, year=year, region_code=village, status=status,
            facts={}, amount_fen=amount * 100, submitted_at=submitted, **extra,
        )  # fmt: skip
        self.session.add(application)
        self.session.flush()
        return application

    def paid(self, program, amount, village, submitted, batch, paid_at, rating, **extra):
        application = self.claim(
            program, amount, village, _S.PAID, submitted, roster_batch_id=batch.id,
            paid_at=paid_at, **extra,
        )  # fmt: skip
        self.session.add(
            Satisfaction(application_id=application.id, chat_identity_id=self.chat.id,
                         county_code=village[:6], rating=rating)
        )  # fmt: skip
        return application


def _batch(session, county, program, sent_day: date) -> RosterBatch:
    batch = RosterBatch(
        county_code=county, year=YEAR, program=program, status=RosterStatus.SENT,
        sent_at=china(sent_day.year, sent_day.month, sent_day.day),
        due_date=add_workdays(sent_day, 7),
    )  # fmt: skip
    session.add(batch)
    session.flush()
    return batch


def build_county(session_factory) -> County:
    with session_factory.begin() as session:
        write = _Writer(session)
        first = _batch(session, COUNTY, T, date(2026, 9, 28))
        second = _batch(session, COUNTY, S, date(2026, 11, 2))
        zezhou = _batch(session, ZEZHOU, T, date(2026, 9, 28))
        march2, march9, june1 = china(2026, 3, 2), china(2026, 3, 9), china(2026, 6, 1)
        m, s = MISHAN_VILLAGE, SANJIA_VILLAGE
        # 米山镇
        write.paid(T, 1500, m, march2, first, china(2026, 10, 12, 8), Rating.SATISFIED)
        write.paid(T, 600, m, march2, first, china(2026, 10, 13, 23, 30),
                   Rating.BASICALLY_SATISFIED)  # fmt: skip
        write.paid(T, 1500, m, march2, first, china(2026, 10, 14, 0, 30), Rating.DISSATISFIED)
        write.claim(T, 600, m, _S.ROSTER_SENT, march9, roster_batch_id=first.id)
        write.claim(T, 1500, m, _S.APPROVED, march9)
        write.claim(T, 1500, m, _S.VILLAGE_REVIEW, datetime(2026, 1, 4, 17, tzinfo=UTC))
        # 三甲镇
        write.paid(S, 1200, s, march2, second, china(2026, 11, 11, 10), Rating.SATISFIED)
        write.claim(S, 1200, s, _S.REJECTED, march2)
        write.claim(T, 1500, s, _S.SUBMITTED, june1)
        write.claim(T, 600, s, _S.WITHDRAWN, june1)
        # drafts: made in a chat not verified as the person
        write.claim(T, 1500, m, _S.DRAFT, march2, identity_verified=False)
        write.claim(T, 1500, m, _S.WITHDRAWN, march2, identity_verified=False)
        # last year
        write.claim(T, 1500, m, _S.PAID, china(2025, 3, 3), year=2025, paid_at=china(2025, 6, 1))
        write.claim(T, 1500, s, _S.REJECTED, china(2025, 3, 11), year=2025)
        # 泽州
        write.paid(T, 1500, ZEZHOU_VILLAGE, march2, zezhou, china(2026, 10, 9), Rating.SATISFIED)
        session.add_all(
            [
                BudgetAllocation(county_code=COUNTY, year=YEAR, program=T, amount_fen=50_000_000,
                                 target_persons=800, source_document="GP26"),
                BudgetAllocation(county_code=COUNTY, year=YEAR, program=S, amount_fen=25_000_000,
                                 target_persons=200, target_satisfaction_permille=900,
                                 source_document="GP26"),
                BudgetAllocation(county_code=ZEZHOU, year=YEAR, program=T, amount_fen=20_000_000,
                                 target_persons=300, source_document="测试"),
                BudgetAllocation(county_code=COUNTY, year=2025, program=T, amount_fen=1,
                                 target_persons=1, source_document="another year"),
            ]
        )  # fmt: skip
        return County(first.due_date, second.due_date)
