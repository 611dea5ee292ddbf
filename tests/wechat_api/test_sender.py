"""The WeChat sender: customer-service messages inside the window, notices outside it, and
WeChat's refusals mapped to the outcomes workers act on (both databases)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from bot.channels.wechat.sender import WechatSender, menu_options, numbered_text
from common.sending import (
    Blocked,
    Button,
    MaybeSent,
    Message,
    Rejected,
    RetryLater,
    Unreachable,
    button_rows,
    send_sync,
    sender_for,
)
from common.wechat.api import WechatApi
from common.wechat.errors import WechatMediaExpired
from common.wechat.token import MemoryTokenStore
from common.wechat.transport import Timeout
from db.models import ChatIdentity, Notification, NotificationStatus, TellInPerson
from tests.fakes.wechat_api import CUSTOM, SUBSCRIBE, TEMPLATE
from tests.wechat_api.conftest import PUBLIC_URL, _install, add_wechat_user, wechat_runtime_settings
from workers.notifications import deliver_notification

TEMPLATE_JSON = json.dumps(
    {"template_id": "TPL-status", "fields": {"thing1": "title", "thing2": "text", "time3": "time"}}
)
BUTTONS = button_rows([Button("查补贴", "menu:check"), Button("申请补贴", "menu:apply"),
                       Button("我的申请", "menu:status")])  # fmt: skip


@pytest.fixture
def with_template(wechat, engine, session_factory):
    settings = wechat_runtime_settings(wechat, wechat_template=TEMPLATE_JSON)
    yield from _install(settings, engine, session_factory)


@pytest.fixture
def with_subscription(wechat, engine, session_factory):
    settings = wechat_runtime_settings(wechat, wechat_subscribe_template=TEMPLATE_JSON)
    yield from _install(settings, engine, session_factory)


def test_inside_the_window_text_goes_as_a_customer_service_message(
    installed, wechat, session_factory
):
    add_wechat_user(session_factory, "o-near", number=1, wrote_hours_ago=2)
    send_sync("wechat", "o-near", Message("您的申请已受理。"))
    (call,) = wechat.sent("o-near")
    assert call.path == CUSTOM
    assert call.body == {
        "touser": "o-near",
        "msgtype": "text",
        "text": {"content": "您的申请已受理。"},
    }


def test_buttons_go_as_a_msgmenu_numbered_row_by_row(installed, wechat, session_factory):
    add_wechat_user(session_factory, "o-menu", number=2)
    send_sync("wechat", "o-menu", Message("请选择：", buttons=BUTTONS))
    (call,) = wechat.sent("o-menu")
    assert call.body["msgtype"] == "msgmenu"
    menu = call.body["msgmenu"]
    assert menu["head_content"] == "请选择："
    assert menu["list"] == [
        {"id": "1", "content": "查补贴"},
        {"id": "2", "content": "申请补贴"},
        {"id": "3", "content": "我的申请"},
    ]


def test_a_refused_msgmenu_falls_back_to_numbered_text(installed, wechat, session_factory):
    add_wechat_user(session_factory, "o-fallback", number=3)
    wechat.fail_next(CUSTOM, 45027)
    send_sync("wechat", "o-fallback", Message("请选择：", buttons=BUTTONS))
    (call,) = wechat.sent("o-fallback")
    assert call.body["msgtype"] == "text"
    assert call.body["text"]["content"] == "请选择：\n\n1. 查补贴\n2. 申请补贴\n3. 我的申请"


def test_too_many_options_go_as_numbered_text():
    many = Message("选一个村：", buttons=button_rows(Button(f"村{i}", f"v:{i}") for i in range(12)))
    assert [o.id for o in menu_options(many)] == [str(i) for i in range(1, 13)]
    assert numbered_text(many).endswith("\n12. 村11")


def test_many_options_are_sent_as_text(installed, wechat, session_factory):
    add_wechat_user(session_factory, "o-many", number=4)
    many = Message("选一个村：", buttons=button_rows(Button(f"村{i}", f"v:{i}") for i in range(12)))
    send_sync("wechat", "o-many", many)
    (call,) = wechat.sent("o-many")
    assert call.body["msgtype"] == "text" and "12. 村11" in call.body["text"]["content"]


def test_outside_the_window_a_template_links_to_the_web_chat(
    with_template, wechat, session_factory
):
    add_wechat_user(session_factory, "o-away", number=5, wrote_hours_ago=50)
    send_sync("wechat", "o-away", Message("申请已通过\n补贴将于7个工作日内发放。"))
    (call,) = wechat.sent("o-away")
    assert call.path == TEMPLATE
    assert call.body["template_id"] == "TPL-status"
    assert call.body["url"] == PUBLIC_URL + "/"
    assert call.body["data"]["thing1"] == {"value": "申请已通过"}
    assert call.body["data"]["thing2"]["value"].startswith("补贴将于7个工作日内发放")


def test_outside_the_window_a_subscription_notice_when_only_that_is_set(
    with_subscription, wechat, session_factory
):
    add_wechat_user(session_factory, "o-sub", number=6, wrote_hours_ago=None)
    send_sync("wechat", "o-sub", Message("材料待补充"))
    (call,) = wechat.sent("o-sub")
    assert call.path == SUBSCRIBE and call.body["page"] == PUBLIC_URL + "/"


def test_outside_the_window_without_a_template_the_user_is_unreachable(
    installed, wechat, session_factory
):
    add_wechat_user(session_factory, "o-gone", number=7, wrote_hours_ago=49)
    with pytest.raises(Unreachable):
        send_sync("wechat", "o-gone", Message("材料待补充"))
    assert wechat.sent() == []


def test_wechat_closing_the_window_early_falls_back_to_the_template(
    with_template, wechat, session_factory
):
    """45015 inside our window (WeChat's clock disagrees): the template goes instead."""
    add_wechat_user(session_factory, "o-edge", number=8, wrote_hours_ago=47.9)
    wechat.fail_next(CUSTOM, 45015)
    send_sync("wechat", "o-edge", Message("材料待补充"))
    assert [call.path for call in wechat.sent("o-edge")] == [TEMPLATE]


@pytest.mark.parametrize(
    ("code", "outcome", "after"),
    [
        (43004, Blocked, None),
        (40003, Blocked, None),
        (45015, Unreachable, None),
        (45047, RetryLater, None),
        (45009, RetryLater, "tomorrow"),
        (-1, RetryLater, None),
        (40037, Rejected, None),
    ],
)
def test_each_refusal_inside_the_window_maps_to_an_outcome(
    installed, wechat, session_factory, code, outcome, after
):
    add_wechat_user(session_factory, "o-err", number=9)
    wechat.fail_next(CUSTOM, code)
    with pytest.raises(outcome) as raised:
        send_sync("wechat", "o-err", Message("通知"))
    if after == "tomorrow":
        assert 60 <= raised.value.after_seconds <= 24 * 3600 + 5
    elif outcome is RetryLater:
        assert raised.value.after_seconds is None  # one user's quota: no pause of everyone


def test_no_consent_to_a_subscription_notice_is_unreachable(
    with_subscription, wechat, session_factory
):
    add_wechat_user(session_factory, "o-noconsent", number=10, wrote_hours_ago=None)
    wechat.fail_next(SUBSCRIBE, 43101)
    with pytest.raises(Unreachable):
        send_sync("wechat", "o-noconsent", Message("通知"))


def test_a_5xx_is_retried_later_and_a_timeout_is_maybe_sent(installed, wechat, session_factory):
    add_wechat_user(session_factory, "o-net", number=11)
    wechat.http_error_next(CUSTOM, 502)
    with pytest.raises(RetryLater):
        send_sync("wechat", "o-net", Message("通知"))
    sender = sender_for("wechat")
    assert isinstance(sender, WechatSender)
    sender.api = WechatApi(
        wechat.settings(), store=MemoryTokenStore(), timeout=Timeout(read=0.3, connect=1.0)
    )
    wechat.timeout_next(CUSTOM, 1.0)
    with pytest.raises(MaybeSent):
        send_sync("wechat", "o-net", Message("通知"))
    assert len(wechat.calls_of(CUSTOM)) == 2  # the timed-out send was not repeated


def test_an_api_that_cannot_be_reached_is_retried_later(installed, session_factory):
    add_wechat_user(session_factory, "o-down", number=12)
    sender = sender_for("wechat")
    assert isinstance(sender, WechatSender)
    settings = sender.wechat.model_copy(update={"wechat_api_base": "http://127.0.0.1:9"})
    sender.api = WechatApi(settings, store=MemoryTokenStore())
    sender.api.tokens.store.write("T", 100)
    with pytest.raises(RetryLater):
        send_sync("wechat", "o-down", Message("通知"))


def test_media_is_downloaded_and_an_expired_id_is_a_clear_error(wechat, api):
    wechat.media["MEDIA-1"] = b"\xff\xd8jpeg"
    assert api.get_media("MEDIA-1") == b"\xff\xd8jpeg"
    with pytest.raises(WechatMediaExpired) as raised:
        api.get_media("MEDIA-OLD")
    assert raised.value.code == 40007


def _notify(session_factory, identity_id: int, text: str) -> int:
    with session_factory.begin() as session:
        row = Notification(chat_identity_id=identity_id, text=text)
        session.add(row)
        session.flush()
        return row.id


def test_a_status_notice_to_someone_who_unfollowed_goes_to_the_cadres_list(
    installed, wechat, session_factory
):
    """43004 on a status notice: the chat is marked blocked, the notice fails, and the person's
    village cadre gets it on the tell-in-person list, once however often the job runs."""
    identity_id = add_wechat_user(session_factory, "o-unfollowed", number=13)
    wechat.fail_for("o-unfollowed", 43004)
    notification_id = _notify(session_factory, identity_id, "您的申请已通过。")
    deliver_notification.fn(notification_id)
    deliver_notification.fn(notification_id)
    with session_factory() as session:
        assert session.get(Notification, notification_id).status == NotificationStatus.FAILED
        assert session.get(ChatIdentity, identity_id).blocked_at is not None
        (entry,) = session.scalars(sa.select(TellInPerson)).all()
        assert entry.text == "您的申请已通过。" and entry.channel == "wechat"
        assert entry.region_code is not None and entry.done_at is None


def test_a_notice_outside_the_window_with_no_template_goes_to_the_list(
    installed, wechat, session_factory
):
    identity_id = add_wechat_user(session_factory, "o-away2", number=14, wrote_hours_ago=72)
    notification_id = _notify(session_factory, identity_id, "请补充材料。")
    deliver_notification.fn(notification_id)
    with session_factory() as session:
        assert session.get(ChatIdentity, identity_id).blocked_at is None  # still reachable later
        (entry,) = session.scalars(sa.select(TellInPerson)).all()
        assert entry.reason.startswith("unreachable")
