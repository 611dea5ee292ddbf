"""The page opened inside WeChat learns the user's openid (OAuth snsapi_base) against a local
fake of WeChat's API, and from then on speaks as the WeChat chat identity; on SQLite and
PostgreSQL."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from bot.channels.wechat_oauth import check_state, make_state
from db.enums import Channel
from db.models import ChatIdentity, Notification, NotificationStatus, WebSession
from tests.bot.conftest import QUICK_CHECK, WORKER_ID, run
from tests.webchat_wechat.conftest import APPID, GOOD_CODE, OPENID, SECRET


async def authorize(page) -> dict[str, str]:
    """GET /wechat/oauth: the query of the authorize URL it redirects to."""
    response = await page.client.get("/wechat/oauth", params={"next": "/?lang=en"})
    assert response.status_code == 302
    location = response.headers["location"]
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://open.weixin.test/connect/oauth2/authorize"
    )
    assert parts.fragment == "wechat_redirect"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["appid"] == APPID
    assert query["redirect_uri"] == "http://wugong.test/wechat/oauth/callback"
    assert query["response_type"] == "code" and query["scope"] == "snsapi_base"
    assert query["state"].isalnum() and len(query["state"]) <= 128
    return query


def openid_of(session_factory, page) -> str | None:
    token = page.client.cookies.get("wugong_session")
    with session_factory() as session:
        return session.scalar(
            sa.select(WebSession.wechat_openid).where(
                WebSession.token_hash == WebSession.hash_token(token)
            )
        )


async def test_the_page_binds_the_openid_and_speaks_as_the_wechat_user(
    page, fake_wechat, session_factory
):
    assert (await page.open())["wechat"] == "unbound"
    query = await authorize(page)
    response = await page.client.get(
        "/wechat/oauth/callback", params={"code": GOOD_CODE, "state": query["state"]}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/?lang=en"
    assert fake_wechat.calls == [
        {
            "path": "/sns/oauth2/access_token",
            "appid": APPID,
            "secret": SECRET,
            "code": GOOD_CODE,
            "grant_type": "authorization_code",
        }
    ]
    assert openid_of(session_factory, page) == OPENID
    assert (await page.open())["wechat"] == "bound"
    # Bound already: /wechat/oauth goes straight back to the page.
    again = await page.client.get("/wechat/oauth", params={"next": "/"})
    assert again.status_code == 303 and again.headers["location"] == "/"

    await page.say("/start")
    with session_factory() as session:
        identities = session.execute(sa.select(ChatIdentity.channel, ChatIdentity.external_id))
        assert (Channel.WECHAT.value, OPENID) in {(c, e) for c, e in identities}
        web = session.scalar(
            sa.select(sa.func.count())
            .select_from(ChatIdentity)
            .where(ChatIdentity.channel == Channel.WEB)
        )
    assert web == 0  # the page made no web identity of its own


async def test_a_state_not_made_for_this_session_is_refused(page, fake_wechat, session_factory):
    await page.open()
    query = await authorize(page)
    forged = query["state"][:-1] + ("0" if query["state"][-1] != "0" else "1")
    for state in (forged, "", make_state("another-session-hash"), "x" * 200):
        response = await page.client.get(
            "/wechat/oauth/callback", params={"code": GOOD_CODE, "state": state}
        )
        assert response.status_code == 303
        # The page to return to is used once (its cookie then goes): back to / after that.
        assert response.headers["location"] in ("/?lang=en&wechat=failed", "/?wechat=failed")
    assert fake_wechat.calls == []  # the code was never exchanged
    assert openid_of(session_factory, page) is None
    assert (await page.open())["wechat"] == "unbound"


def test_a_state_lapses(keyring):
    state = make_state("hash", now=1_000_000.0)
    assert check_state(state, "hash", now=1_000_100.0)
    assert not check_state(state, "hash", now=1_000_000.0 + 601)
    assert not check_state(state, "other", now=1_000_100.0)


async def test_a_failed_exchange_leaves_the_page_unbound_and_working(
    page, fake_wechat, session_factory
):
    await page.open()
    query = await authorize(page)
    response = await page.client.get(
        "/wechat/oauth/callback", params={"code": "expired-code", "state": query["state"]}
    )
    assert response.headers["location"] == "/?lang=en&wechat=failed"
    assert len(fake_wechat.calls) == 1
    # No code at all (the user went back): no exchange.
    response = await page.client.get("/wechat/oauth/callback", params={"state": query["state"]})
    assert response.headers["location"] == "/?wechat=failed"
    assert len(fake_wechat.calls) == 1
    assert openid_of(session_factory, page) is None
    replies = await page.say("/start")
    assert replies  # the chat works, as the web identity
    with session_factory() as session:
        channels = set(session.scalars(sa.select(ChatIdentity.channel)))
    assert channels == {Channel.WEB.value}


async def test_wechat_down_leaves_the_page_unbound(page, fake_wechat, session_factory):
    await page.open()
    query = await authorize(page)
    fake_wechat.close()  # nobody answers any more
    response = await page.client.get(
        "/wechat/oauth/callback", params={"code": GOOD_CODE, "state": query["state"]}
    )
    assert response.headers["location"] == "/?lang=en&wechat=failed"
    assert openid_of(session_factory, page) is None


async def test_the_page_sees_the_claims_of_the_wechat_user(
    page, fake_wechat, session_factory, chat, registry
):
    """The user applies in the account's chat; the page bound to them shows that claim, and
    the news meant for the account's chat is not shown on the page a second time."""
    wechat = chat(OPENID, Channel.WECHAT)
    run(wechat, QUICK_CHECK)
    wechat.tap("menu:apply")
    wechat.identify(WORKER_ID)
    wechat.tap("bank:file")
    wechat.tap("done")
    wechat.tap("confirm")
    wechat.tap("pledge:accept")
    number = next(w for w in wechat.text.split() if w.startswith("WG2025-"))[:13]

    await page.open()
    query = await authorize(page)
    await page.client.get(
        "/wechat/oauth/callback", params={"code": GOOD_CODE, "state": query["state"]}
    )
    await page.tap("menu:status")
    assert number in page.text

    with session_factory.begin() as session:
        identity = session.scalar(
            sa.select(ChatIdentity.id).where(
                ChatIdentity.channel == Channel.WECHAT, ChatIdentity.external_id == OPENID
            )
        )
        session.add(Notification(chat_identity_id=identity, text="Your claim was approved."))
    polled = await page.client.get("/api/chat/updates")
    assert polled.status_code == 200 and polled.json() == {"replies": []}
    replies = await page.say("hello")
    assert "approved" not in "\n".join(r["text"] for r in replies)
    with session_factory() as session:
        status = session.scalar(sa.select(Notification.status))
    assert status == NotificationStatus.PENDING  # the WeChat sender's to deliver


async def test_without_app_id_and_secret_there_is_no_oauth(
    monkeypatch, engine, session_factory, files
):
    import httpx

    from bot.engine import Conversations
    from common.runtime import Runtime
    from common.settings import Settings
    from tests.bot.conftest import TODAY
    from wugong.web import create_app

    monkeypatch.delenv("WUGONG_WECHAT_APPID", raising=False)
    monkeypatch.delenv("WUGONG_WECHAT_APPSECRET", raising=False)
    runtime = Runtime(settings=Settings(), engine=engine, sessions=session_factory)
    app = create_app(runtime, Conversations(session_factory, today=lambda: TODAY), files=files)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://wugong.test") as client:
        assert (await client.get("/wechat/oauth")).status_code == 404
        assert "wechat" not in (await client.post("/api/session")).json()
