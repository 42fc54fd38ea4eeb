"""The API's busiest routes (uploads, scores) answered ahead of FastAPI's stack, read from the API's own router.

:func:`answered_first` marks a route's endpoint; :class:`FastPath`, the ASGI app ``composerlab serve``
runs, calls the marked endpoints itself and passes every other request to the app.
"""
from __future__ import annotations

import inspect
import json
import re

from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match

from composerlab.event.responses import refusal_json
from composerlab.event.rules import EventError, validation_reason

WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")
"""A path parameter the fast path converts itself; anything else is left to the app's validation."""


def answered_first(endpoint):
    """Mark a route's endpoint to be called by :class:`FastPath` ahead of FastAPI's stack (a decorator,
    under the route's own)."""
    endpoint.answered_first = True
    return endpoint


class DirectCall:
    """One marked route: whether a request is its, and its endpoint called with the request's arguments."""

    def __init__(self, route: APIRoute, ahead: list):
        dependant = route.dependant
        self.route, self.ahead = route, ahead  # ahead: the routes the app would try before this one
        self.status = route.status_code or 200
        self.request_name = dependant.request_param_name
        self.path_names = [field.name for field in dependant.path_params]
        self.depends = [(sub.name, sub.call) for sub in dependant.dependencies]
        self.body = [(field.name, field.field_info.annotation) for field in dependant.body_params]
        if not self.takes_only_what_it_can_give(dependant):
            raise TypeError(f"{route.path}: an endpoint answered first takes only the request, whole-number path "
                            "parameters, async dependencies on the request and one JSON body model")

    def takes_only_what_it_can_give(self, dependant) -> bool:
        plain = not (dependant.query_params or dependant.header_params or dependant.cookie_params)
        whole = all(field.field_info.annotation is int for field in dependant.path_params)
        depends = all(inspect.iscoroutinefunction(sub.call) and sub.request_param_name and not
                      (sub.dependencies or sub.path_params or sub.query_params or sub.body_params)
                      for sub in dependant.dependencies)
        body = len(self.body) <= 1 and all(isinstance(model, type) and issubclass(model, BaseModel)
                                           for _, model in self.body)
        return plain and whole and depends and body and inspect.iscoroutinefunction(self.route.endpoint)

    def matches(self, scope) -> dict | None:
        """The scope's additions (the path parameters, as text) if this route is the app's answer, else None."""
        match, child = self.route.matches(scope)
        if match is not Match.FULL or any(route.matches(scope)[0] is Match.FULL for route in self.ahead):
            return None
        params = child["path_params"]
        if self.declines(scope) or not all(WHOLE_NUMBER.fullmatch(params[name]) for name in self.path_names):
            return None
        return child

    def declines(self, scope) -> bool:
        """A body FastAPI would not read as JSON (no content type, or another one) is left to the app."""
        if not self.body:
            return False
        content_type = next((value for key, value in scope["headers"] if key == b"content-type"), b"")
        kind = content_type.split(b";", 1)[0].strip().lower()
        return not (kind == b"application/json" or kind.startswith(b"application/") and kind.endswith(b"+json"))

    async def __call__(self, request: Request) -> Response:
        """The endpoint's answer, as FastAPI would give it: the body read, the dependencies, the path, the
        body validated, in that order (so the same request gets the same refusal both ways)."""
        body = await json_body(request) if self.body else None
        args = {self.request_name: request} if self.request_name else {}
        for name, call in self.depends:
            args[name] = await call(request)
        for name in self.path_names:
            args[name] = int(request.path_params[name])
        for name, model in self.body:
            if body is MISSING:
                raise EventError(validation_reason([{"type": "missing", "loc": ("body",), "msg": "Field required",
                                                     "input": None}]), 422)
            try:
                args[name] = model.model_validate(body, from_attributes=True)  # as FastAPI validates a body
            except ValidationError as err:
                raise EventError(validation_reason(err.errors()), 422) from None
        result = await self.route.endpoint(**args)
        return result if isinstance(result, Response) else JSONResponse(result, status_code=self.status)


MISSING = object()


async def json_body(request: Request):
    """The request's JSON body (:data:`MISSING` when empty); bad JSON is refused as FastAPI refuses it."""
    raw = await request.body()
    if not raw:
        return MISSING
    try:
        return json.loads(raw)
    except json.JSONDecodeError as err:
        raise EventError(validation_reason([{"type": "json_invalid", "loc": ("body", err.pos),
                                             "msg": "JSON decode error", "input": {}}]), 422) from None


class FastPath:
    """The app, with the routes of ``router`` marked :func:`answered_first` called ahead of its stack.

    A marked endpoint stays an ordinary route of the app: ``router`` (one of the app's own, the first it
    includes) says which path goes to it, and the app's OpenAPI page documents it. FastPath calls it without
    FastAPI's middleware, routing, dependency and serialisation layers: a burst of uploads is answered on
    one core, and every upload waits behind the requests before it. The endpoint may take only what
    FastPath gives it the way FastAPI would (the request, whole-number path parameters, ``async``
    dependencies on the request alone, one JSON body model); a marked route that takes more is refused
    when the table is read. A request a marked route does not take (a path id that is not a number, a body
    that is not JSON) goes to the app, for the app's own answer.
    """

    def __init__(self, app, router):
        self.app, self.router = app, router
        self.calls: list[DirectCall] | None = None  # read from the router on the first request

    def table(self) -> list[DirectCall]:
        if self.calls is None:
            calls, ahead = [], []
            for route in self.router.routes:
                if isinstance(route, APIRoute) and getattr(route.endpoint, "answered_first", False):
                    calls.append(DirectCall(route, list(ahead)))
                ahead.append(route)
            self.calls = calls
        return self.calls

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            for call in self.table():
                child = call.matches(scope)
                if child is not None:
                    return await self.answer(call, {**scope, **child, "app": self.app}, receive, send)
        await self.app(scope, receive, send)

    async def answer(self, call: DirectCall, scope, receive, send) -> None:
        try:
            response = await call(Request(scope, receive))
        except EventError as err:
            response = refusal_json(err.status, err.reason)
        await response(scope, receive, send)
