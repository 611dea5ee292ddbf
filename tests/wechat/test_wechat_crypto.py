"""WeChat's 消息加解密 against known answers from WeChat's own samples and documentation,
not only against itself."""

from __future__ import annotations

import pytest

from bot.channels.wechat.crypto import CallbackRefused, WechatCrypto, aes_key, signature
from bot.channels.wechat.xmlmsg import BadXml, parse

KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

# The official sample code's test (WXBizMsgCryptTest, token "pamtest", appid
# wxb11529c136998cb6): with the random prefix fixed to "aaaabbbbccccdddd", the ciphertexts are.
PAMTEST = WechatCrypto("pamtest", "wxb11529c136998cb6", KEY)
RANDOM = b"aaaabbbbccccdddd"
SHORT = "我是中文abcd123"
SHORT_ENCRYPTED = (
    "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
)
VIDEO = (
    "<xml><ToUserName><![CDATA[oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw]]></ToUserName>"
    "<FromUserName><![CDATA[gh_7f083739789a]]></FromUserName><CreateTime>1407743423</CreateTime>"
    "<MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[eYJ1MbwPRJtOvIEabaxHs7TX2D-"
    "HV71s79GUxqdUkjm6Gs2Ed1KF3ulAOA9H1xG0]]></MediaId><Title><![CDATA[testCallBackReplyVideo]]>"
    "</Title><Description><![CDATA[testCallBackReplyVideo]]></Description></Video></xml>"
)
VIDEO_ENCRYPTED_HEAD = "jn1L23DB+6ELqJ+6bruv23M2GmYfkv0xBh2h+XTBOKVKcgDFHle6gqcZ1cZrk3e1qjPQ1F4Rs"
VIDEO_ENCRYPTED_TAIL = "ajPkdPrEeOwofJb"

# The official Python sample (Sample.py): a message to decrypt, with its msg_signature.
SAMPLE = WechatCrypto("spamtest", "wx2c2769f8efd9abc2", KEY)
SAMPLE_TIMESTAMP, SAMPLE_NONCE = "1409735669", "1320562132"
SAMPLE_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
SAMPLE_ENCRYPTED = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PG"
    "HQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6"
    "tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp"
    "3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhv"
    "Ql+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)
SAMPLE_PLAIN = (
    b"<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n"
    b"<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n"
    b"<CreateTime>1409735668</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n"
    b"<Content><![CDATA[abcdteT]]></Content>\n<MsgId>6054768590064713728</MsgId>\n</xml>"
)

# The documentation's worked example (消息加解密说明, token "AAAAA", EncodingAESKey 43 × "A"):
# the encrypted reply and its msg_signature.
DOCS = WechatCrypto("AAAAA", "wx134c8103faa5a59e", "A" * 43)
DOCS_REPLY = b"<xml><demo_resp>[CDATA[good luck]]</demo_resp></xml>"
DOCS_RANDOM = b"999951349e8ee746"
DOCS_ENCRYPTED = (
    "hE8R6mGXHkJJjU72KxzKUd1GEkKJaEZq7vRL8XgK3o+00k8JGq6+pZJUIlTSyhsX+bxIBQ72g3GyvDdIZcr6+3HAZbSv"
    "PT9t/o11MI7d6WELwqrGd7jMnV0zv3Zc9Nq7"
)
DOCS_SIGNATURE = "03e0812039325c2712ef5f0f980fd14c70d6e307"


def test_encryption_matches_the_official_sample_code():
    assert PAMTEST.encrypt(SHORT.encode(), RANDOM) == SHORT_ENCRYPTED
    video = PAMTEST.encrypt(VIDEO.encode(), RANDOM)
    assert video.startswith(VIDEO_ENCRYPTED_HEAD)
    assert video.endswith(VIDEO_ENCRYPTED_TAIL)
    assert PAMTEST.decrypt(SHORT_ENCRYPTED) == SHORT.encode()
    assert PAMTEST.decrypt(video) == VIDEO.encode()


def test_a_sample_message_is_verified_and_decrypted():
    SAMPLE.check(SAMPLE_SIGNATURE, SAMPLE_TIMESTAMP, SAMPLE_NONCE, SAMPLE_ENCRYPTED)
    plain = SAMPLE.decrypt(SAMPLE_ENCRYPTED)
    assert plain == SAMPLE_PLAIN
    fields = parse(plain)
    assert fields["Content"] == "abcdteT"
    assert fields["MsgId"] == "6054768590064713728"


def test_the_documentations_worked_example():
    assert DOCS.encrypt(DOCS_REPLY, DOCS_RANDOM) == DOCS_ENCRYPTED
    assert DOCS.sign("1713424427", "415670741", DOCS_ENCRYPTED) == DOCS_SIGNATURE
    assert DOCS.decrypt(DOCS_ENCRYPTED) == DOCS_REPLY


def test_signatures_sort_their_parts():
    assert signature("b", "a", "c") == signature("c", "b", "a")
    with pytest.raises(CallbackRefused):
        SAMPLE.check("0" * 40, SAMPLE_TIMESTAMP, SAMPLE_NONCE, SAMPLE_ENCRYPTED)


def test_another_appid_inside_is_refused():
    other = WechatCrypto("spamtest", "wx0000000000000000", KEY)
    with pytest.raises(CallbackRefused, match="appid"):
        other.decrypt(SAMPLE_ENCRYPTED)


@pytest.mark.parametrize("garbage", ["!!!", "YWJj", "A" * 22 + "==", ""])
def test_garbage_is_refused(garbage):
    with pytest.raises(CallbackRefused):
        SAMPLE.decrypt(garbage)


@pytest.mark.parametrize("key", ["short", "!" * 43, "A" * 44])
def test_a_bad_encoding_aes_key_is_refused(key):
    with pytest.raises(ValueError):
        aes_key(key)


def test_no_dtd_no_entities():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]><xml><Content>&lol2;</Content></xml>'
    )
    with pytest.raises(BadXml):
        parse(bomb)
    with pytest.raises(BadXml):
        parse(b"<xml><Content>&undeclared;</Content></xml>")
    with pytest.raises(BadXml):
        parse(b"<other/>")
    assert parse(b"<xml><A>1 &amp; 2</A></xml>") == {"A": "1 & 2"}
