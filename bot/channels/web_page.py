"""The web chat page: GET / in Chinese or English, with its texts and cache-busting versions."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

from starlette.requests import Request

from common.i18n import LANGUAGES, normalize_language, translate

WEB = Path(__file__).resolve().parent.parent / "web"
PAGE = WEB / "index.html"
STATIC = WEB / "static"


def page_language(request: Request) -> str:
    """Chinese unless the page is asked for in English (?lang=en)."""
    return normalize_language(request.query_params.get("lang"))


# The page only talks to us; the texts block is JSON, which CSP does not run as a script.
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
}


@dataclass(frozen=True)
class PageTemplate:
    """The page read once at start-up, with content hashes that keep stale caches away."""

    html: str
    css_version: str
    js_version: str

    @classmethod
    def load(cls) -> PageTemplate:
        def version(path: Path) -> str:
            return hashlib.sha256(path.read_bytes()).hexdigest()[:12]

        return cls(
            html=PAGE.read_text(encoding="utf-8"),
            css_version=version(STATIC / "chat.css"),
            js_version=version(STATIC / "chat.js"),
        )


def _script_json(value: dict[str, Any]) -> str:
    """JSON that is safe inside a <script> element."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")


def page_texts(language: str) -> dict[str, str]:
    """The strings the page script shows itself: labels, the busy and the failure messages."""
    return {
        "lang": "zh-CN" if language == "zh_CN" else "en",
        "you": translate(language, "You"),
        "assistant": translate(language, "Assistant"),
        "busy": translate(language, "The assistant is answering…"),
        "offline": translate(language, "No connection. Please check your network and try again."),
        "failed": translate(language, "Sorry, that did not work. Please try again."),
        "retry": translate(language, "Try again"),
        "attach": translate(language, "Send a photo or a PDF file"),
        "too_big": translate(
            language, "The file is too large: send a photo or a PDF of at most 10 MB."
        ),
        "wechat_failed": translate(
            language,
            "This page could not be linked to your WeChat account; the chat works without it.",
        ),
    }


def page_labels(language: str) -> dict[str, str]:
    """The page's own labels in `language`: what the page shows outside the conversation, and
    the chat's answer carries when the conversation switched language (the page relabels)."""
    return {
        "lang": "zh-CN" if language == "zh_CN" else "en",
        "title": translate(language, "Labour subsidy assistant"),
        "heading": translate(language, "Labour subsidy assistant"),
        "intro": translate(
            language,
            "Check which work subsidies you can get, apply, and follow your application.",
        ),
        "messages_label": translate(language, "Conversation"),
        "input_label": translate(language, "Your message"),
        "placeholder": translate(language, "Type your answer here"),
        "send": translate(language, "Send"),
        "attach_label": translate(language, "Send a photo or a PDF file"),
        "noscript": translate(language, "Please turn on JavaScript to use the chat."),
        "other_lang_href": "/" if language == "en" else "/?lang=en",
        "other_lang": "中文" if language == "en" else "English",
        "other_lang_code": "zh-CN" if language == "en" else "en",
    }


def render_page(template: PageTemplate, language: str) -> str:
    """The web chat page in `language`."""
    texts = {
        **page_labels(language),
        "css_version": template.css_version,
        "js_version": template.js_version,
    }
    html = template.html
    for key, value in texts.items():
        html = html.replace("{{" + key + "}}", escape(value))
    return html.replace("{{texts_json}}", _script_json({**page_texts(language), "pages": _pages()}))


@cache
def _pages() -> dict[str, dict[str, Any]]:
    """The page's labels and texts in every language, by the page's language tag: the same for
    every request, so made once."""
    return {
        page_labels(code)["lang"]: {**page_labels(code), "texts": page_texts(code)}
        for code in LANGUAGES
    }
