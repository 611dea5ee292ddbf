"""The staff console (/staff): township, county and city offices at a desk, in a browser.

Pages rendered on the server (Jinja2, autoescaped) with a little JavaScript of the project's own
and the charts' library served from here (no CDN: offices may be on a government intranet).
Who may see and do what is the chat's own code (db/queries/review): the console only renders.
Chinese first, English on a switch. See docs/console.md.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from bot.console import auth, dashboard, home, review
from bot.console.web import STATIC, Console


def routes(console: Console) -> list[BaseRoute]:
    """Every route of the console, under /staff."""
    return [
        *auth.routes(console),
        *home.routes(console),
        *review.routes(console),
        *dashboard.routes(console),
        Mount("/staff/static", StaticFiles(directory=STATIC), name="console-static"),
    ]


__all__ = ["Console", "routes"]
