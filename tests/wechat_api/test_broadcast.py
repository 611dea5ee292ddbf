"""A broadcast to WeChat users keeps its exactly-once bookkeeping through WeChat's refusals
(the real broadcast worker path, both databases)."""

from __future__ import annotations

import sqlalchemy as sa

from db.enums import BroadcastStatus, DeliveryStatus
from db.models import Broadcast, ChatIdentity, Delivery
from db.queries import broadcasts as rows
from tests.messaging.test_broadcasts import TEXT, drain
from tests.wechat_api.conftest import add_wechat_user


def test_a_broadcast_with_a_quota_and_an_unfollow_among_its_wechat_users(
    installed, wechat, session_factory
):
    """Given 6 WeChat users inside the window, one over its customer-service quota (45047 on
    every try) and one no longer following (43004): the 4 others get the notice exactly once,
    the unfollowed one is marked and never retried, the quota one is retried a few times and
    then counted failed; sending again changes nothing."""
    openids = [f"o-bc-{i}" for i in range(6)]
    ids = {
        openid: add_wechat_user(session_factory, openid, number=100 + i)
        for i, openid in enumerate(openids)
    }
    wechat.fail_for("o-bc-1", 45047)
    wechat.fail_for("o-bc-2", 43004)
    with session_factory.begin() as session:
        number = rows.create_broadcast(session, rows.Audience(), TEXT).id
    drain(number)

    delivered = wechat.delivered()
    assert delivered == {openid: 1 for openid in openids if openid not in ("o-bc-1", "o-bc-2")}
    quota_tries = len([c for c in wechat.calls_of("/cgi-bin/message/custom/send")
                       if c.touser == "o-bc-1"])  # fmt: skip
    assert 1 < quota_tries <= 5
    assert len([c for c in wechat.calls if c.touser == "o-bc-2"]) == 1
    with session_factory() as session:
        broadcast = session.get(Broadcast, number)
        assert broadcast.status == BroadcastStatus.FINISHED
        assert (broadcast.sent, broadcast.blocked, broadcast.failed, broadcast.ambiguous) == (
            4,
            1,
            1,
            0,
        )
        statuses = dict(
            session.execute(sa.select(Delivery.chat_identity_id, Delivery.status)).all()
        )
        assert statuses[ids["o-bc-2"]] == DeliveryStatus.BLOCKED
        assert statuses[ids["o-bc-1"]] == DeliveryStatus.FAILED
        assert session.get(ChatIdentity, ids["o-bc-2"]).blocked_at is not None
        assert session.get(ChatIdentity, ids["o-bc-1"]).blocked_at is None

    from workers.broadcasts import send_broadcast

    send_broadcast.fn(number)  # a redelivered message finds nothing to do
    assert wechat.delivered() == delivered
