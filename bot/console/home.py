"""The console's home: who is signed in, for which region, what waits for them, where to go."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.console.web import Console, StaffUser, staff_page
from db.queries import review_queue


def routes(console: Console) -> list[BaseRoute]:
    def waiting(user: StaffUser) -> int:
        with console.sessions() as session:
            staff = user.member(session)
            return review_queue.queue_size(session, staff) if staff is not None else 0

    async def home(request: Request, user: StaffUser) -> Response:
        count = await asyncio.to_thread(waiting, user)
        return console.render(request, "home.html", user, waiting=count)

    return [Route("/staff", staff_page(console)(home), methods=["GET"])]
