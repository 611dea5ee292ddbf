"""The console's home: who is signed in, for which region, and where to go."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.console.web import Console, StaffUser, staff_page


def routes(console: Console) -> list[BaseRoute]:
    async def home(request: Request, user: StaffUser) -> Response:
        return console.render(request, "home.html", user)

    return [Route("/staff", staff_page(console)(home), methods=["GET"])]
