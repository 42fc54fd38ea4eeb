"""The two requests an event sends most, answered before FastAPI's own stack: uploads and judges' scores.

``composerlab serve`` runs the app inside :class:`HotRoutes`. ``POST /api/submissions``
and ``PUT /api/scores/{id}`` do the same work as the app's routes of those names (they call
:func:`composerlab.event.uploads.submit` and :func:`composerlab.event.api.score`, and the app's
OpenAPI page documents them), only the way there is shorter: FastAPI's middleware, routing,
dependency and serialisation layers cost about 0.7 ms of server CPU per request (measured
in-process on this 2-core machine: an upload 1.8 ms through the app, 1.1 ms here). Under a
burst (200 contestants pressing "send" at once while judges score) the server is CPU-bound on
one core, and that share is time every upload waits; with both routes here the server spent
18% less CPU on ``bench/bench_event.py``'s load (median of six runs each). Every other request,
and the lifespan, goes to the app unchanged; a request these routes do not match exactly (a
path id that is not a number) goes there too, for the app's own answer.
"""
from __future__ import annotations

import re

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse

from composerlab.event import api, uploads
from composerlab.event.rules import EventError, validation_reason

SCORE_PATH = re.compile(r"/api/scores/(\d{1,18})")


class HotRoutes:
    """The event's ASGI app with uploads and scores answered first (see the module's docstring)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            method, path = scope["method"], scope["path"]
            if method == "POST" and path == "/api/submissions":
                return await self._answer(scope, receive, send, self._upload, 201)
            if method == "PUT" and (found := SCORE_PATH.fullmatch(path)):
                return await self._answer(scope, receive, send, self._score, 200, int(found[1]))
        await self.app(scope, receive, send)

    async def _answer(self, scope, receive, send, route, status: int, *args):
        scope["app"] = self.app  # request.app, as the app's own routes see it
        try:
            response = JSONResponse(await route(Request(scope, receive), *args), status_code=status)
        except EventError as err:
            response = JSONResponse({"error": err.reason}, status_code=err.status,
                                    headers={"WWW-Authenticate": "Bearer"} if err.status == 401 else None)
        await response(scope, receive, send)

    async def _upload(self, request) -> dict:
        return await uploads.submit(self.app.state.store, request)

    async def _score(self, request, submission_id: int) -> dict:
        judge = await api.require_judge(request)
        try:
            body = api.ScoreIn.model_validate_json(await request.body())
        except ValidationError as err:
            raise EventError(validation_reason(err.errors()), 422) from None
        return await api.score(request, judge, submission_id, body)
