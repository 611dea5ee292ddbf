"""The signature algorithms against the worked examples of the providers' documentation."""

from __future__ import annotations

import hashlib

from common.sms import aliyun, tencent


def test_aliyun_rpc_signature_of_the_documented_example():
    # "Signature mechanism" (RPC APIs, signature version 1.0): DescribeRegions with AccessKey
    # testid / testsecret, GET.
    params = {
        "TimeStamp": "2016-02-23T12:46:24Z",
        "Format": "XML",
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "Version": "2014-05-26",
        "SignatureVersion": "1.0",
    }
    text = aliyun.string_to_sign("GET", params)
    assert text == (
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML"
        "%26SignatureMethod%3DHMAC-SHA1"
        "%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0"
        "%26TimeStamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
    )
    assert aliyun.signature("testsecret", text) == "CT9X0VtwR86fNWSnsc6v8YGOjuE="


def test_aliyun_percent_encoding_is_rfc_3986():
    assert aliyun.percent_encode("a b*c~d/e+f") == "a%20b%2Ac~d%2Fe%2Bf"
    assert aliyun.percent_encode("务工") == "%E5%8A%A1%E5%B7%A5"
    assert aliyun.percent_encode('{"code":"123456"}') == "%7B%22code%22%3A%22123456%22%7D"


EXAMPLE_PAYLOAD = (
    b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
)


def test_tencent_tc3_signature_of_the_documented_example():
    # "Signature v3": CVM DescribeInstances at 1551113065 with the documentation's example keys.
    assert hashlib.sha256(EXAMPLE_PAYLOAD).hexdigest() == (
        "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    )
    canonical = tencent.canonical_request("cvm.tencentcloudapi.com", EXAMPLE_PAYLOAD)
    assert canonical == (
        "POST\n/\n\ncontent-type:application/json; charset=utf-8\n"
        "host:cvm.tencentcloudapi.com\n\ncontent-type;host\n"
        "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    )
    assert tencent.string_to_sign(1551113065, "cvm", canonical) == (
        "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
        "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
    )
    assert tencent.authorization(
        "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        host="cvm.tencentcloudapi.com",
        payload=EXAMPLE_PAYLOAD,
        timestamp=1551113065,
        service="cvm",
    ) == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/"
        "tc3_request, SignedHeaders=content-type;host, "
        "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )


def test_tencent_credential_date_is_the_utc_date():
    # 1551113065 is 2019-02-26 00:44:25 in UTC+8: the scope's date is still 2019-02-25.
    assert tencent.utc_date(1551113065) == "2019-02-25"
