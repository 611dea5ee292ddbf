"""WeChat's XML messages, read safely: no DTD, so no entity expansion and no external entity.

A callback is one flat ``<xml>`` element whose children are the fields (``ToUserName``,
``FromUserName``, ``CreateTime``, ``MsgType``, ``Content``, ``MsgId``, ``Event``, …). The
standard library's expat parser expands entities declared in a DTD (a "billion laughs" body
would grow in memory), so any ``<!DOCTYPE``/``<!ENTITY`` is refused before parsing; without a
DTD expat knows only the five predefined entities. Nested elements (menu events' extra
blocks) are kept as their children's texts in one dict.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

# Far more than any message WeChat sends (a text message holds at most 2048 characters).
MAX_XML_BYTES = 64 * 1024
_DECLARATIONS = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.IGNORECASE)


class BadXml(ValueError):
    """Not a WeChat message: too large, a DTD, malformed, or not one flat <xml>."""


def parse(body: bytes) -> dict[str, str]:
    """The fields of one message (names as WeChat spells them, values as text)."""
    if len(body) > MAX_XML_BYTES:
        raise BadXml("too large")
    if _DECLARATIONS.search(body):
        raise BadXml("a DTD is not allowed")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        raise BadXml(f"malformed: {error}") from None
    if root.tag != "xml":
        raise BadXml("the root element is not <xml>")
    fields: dict[str, str] = {}
    for child in root:
        if len(child):
            for grandchild in child.iter():
                if grandchild is not child and not len(grandchild):
                    fields.setdefault(grandchild.tag, (grandchild.text or "").strip())
        else:
            fields[child.tag] = child.text or ""
    return fields
