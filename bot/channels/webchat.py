"""The web chat channel: the mobile page at GET / (the chat API arrives with the dialogs)."""

from __future__ import annotations

from html import escape
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from wugong.i18n import normalize_language, translate

PAGE = Path(__file__).resolve().parent.parent / "web" / "index.html"


def page_language(request: Request) -> str:
    """Chinese unless the page is asked for in English (?lang=en)."""
    return normalize_language(request.query_params.get("lang"))


async def index(request: Request) -> HTMLResponse:
    """Serve the web chat page in the visitor's language."""
    language = page_language(request)
    texts = {
        "lang": "zh-CN" if language == "zh_CN" else "en",
        "title": translate(language, "Labour subsidy assistant"),
        "heading": translate(language, "Labour subsidy assistant"),
        "intro": translate(
            language,
            "Check which work subsidies you can get, apply, and follow your application.",
        ),
        "coming": translate(language, "The chat opens here soon."),
    }
    html = PAGE.read_text(encoding="utf-8")
    for key, value in texts.items():
        html = html.replace("{{" + key + "}}", escape(value))
    return HTMLResponse(html)


def routes() -> list[Route]:
    return [Route("/", index, methods=["GET"])]
