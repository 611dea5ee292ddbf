"""The staff console (/staff): township, county and city offices at a desk, in a browser.

Pages rendered on the server (Jinja2, autoescaped) with a little JavaScript of the project's own
and the charts' library served from here (no CDN: offices may be on a government intranet).
Who may see and do what is the chat's own code (db/queries/review): the console only renders.
Chinese first, English on a switch. See docs/console.md.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from bot.console import (
    audit,
    auth,
    broadcasts,
    dashboard,
    finance,
    home,
    imports,
    notices,
    review,
)
from bot.console.web import STATIC, Console


def routes(
    console: Console,
    *,
    imports_folder: Path | None = None,
    import_max_bytes: int = imports.MAX_IMPORT_BYTES,
) -> list[BaseRoute]:
    """Every route of the console, under /staff; uploaded monitoring exports wait for their
    import in `imports_folder` (default: the data directory's imports/, where the chat's go)."""
    return [
        *auth.routes(console),
        *home.routes(console),
        *review.routes(console),
        *dashboard.routes(console),
        *notices.routes(console),
        *finance.routes(console),
        *imports.routes(console, imports_folder, max_bytes=import_max_bytes),
        *broadcasts.routes(console),
        *audit.routes(console),
        Mount("/staff/static", StaticFiles(directory=STATIC), name="console-static"),
    ]


__all__ = ["Console", "routes"]
