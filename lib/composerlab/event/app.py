"""The event server: :func:`create_app` builds the FastAPI app over one event folder; :func:`server` serves it.

What lives as long as the app serves is the app's, on ``app.state`` (the store, the upload path, the
boards), started and stopped in its :func:`lifespan`. A plugin (the quiz) is a callable given the app once
its store is open; the event never imports it (``composerlab serve``, a layer above both, composes them).
"""
from __future__ import annotations

import contextlib
import gc
import threading
import time
from pathlib import Path

import jinja2
import uvicorn
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from composerlab.event import api, pages
from composerlab.event.boards import Boards
from composerlab.event.fastpath import FastPath
from composerlab.event.responses import refusal
from composerlab.event.rules import EventError, validation_reason
from composerlab.event.store import Store
from composerlab.event.uploads import Uploads

PACKAGE = Path(__file__).resolve().parent


def templates() -> jinja2.Environment:
    """The pages' Jinja2 environment: autoescape on for every template, so typed text is shown, never run."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(PACKAGE / "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined)


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI):
    """While the app serves: the upload path's MIDI worker runs; at the end the live streams are told to end,
    the last batch of uploads is written and the worker stopped."""
    app.state.uploads.start()
    try:
        yield
    finally:
        app.state.stopping = True
        await app.state.uploads.stop()


def create_app(event_dir: str | Path, db_url: str | None = None, routers: tuple[APIRouter, ...] = (),
               ai_model_path: str | Path | None = None, plugins: tuple = ()) -> FastAPI:
    """The server for the event in ``event_dir``.

    Parameters
    ----------
    event_dir : str or Path
        A folder made by ``composerlab event new`` (its database and submissions).
    db_url : str, optional
        A SQLAlchemy URL for the database instead of ``event_dir/event.db``
        (e.g. ``postgresql+psycopg://user@host/event`` for several server processes).
    routers : tuple of APIRouter
        More routes on the same app.
    plugins : tuple of callables
        Each is called with the app once the store is open (the quiz:
        ``composerlab.quiz.web.install``); it adds routers and state.
    ai_model_path : path, optional
        Another AI judge than the shipped one.
    """
    store = Store.open(event_dir, db_url)
    app = FastAPI(title=f"Composer Lab event: {store.event().name}", version="1",
                  description="Submissions, judging in rounds, a live leaderboard, the AI judge and awards. "
                              "Facilitator and judges send `Authorization: Bearer <token>`.",
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json",  # /docs is our own page: no CDN
                  lifespan=lifespan)
    app.state.store = store
    app.state.uploads = Uploads(store)  # without the lifespan (in-process tests) it checks uploads itself
    app.state.boards = Boards(store, stopping=lambda: app.state.stopping)
    app.state.templates = templates()
    app.state.ai_model_path = ai_model_path
    app.state.stopping = False  # set when the server is asked to stop: live streams end
    app.state.awards = []  # plugins' award sections (pages.awards_sections)
    app.mount("/static", StaticFiles(directory=PACKAGE / "static"), name="static")
    for router in (api.router, pages.router, *routers):  # the API first: server() answers from its table
        app.include_router(router)
    for plugin in plugins:
        plugin(app)

    add_refusals(app)
    add_bearer_scheme(app)
    return app


def add_refusals(app: FastAPI) -> None:
    """Every refusal the app gives in the event's one shape (:func:`~composerlab.event.responses.refusal`)."""

    @app.exception_handler(EventError)
    async def event_error(request: Request, err: EventError):
        return refusal(request, err.status, err.reason)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, err: StarletteHTTPException):
        reason = err.detail if isinstance(err.detail, str) else str(err.detail)
        return refusal(request, err.status_code, "no such page" if err.status_code == 404 else reason,
                       getattr(err, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, err: RequestValidationError):
        return refusal(request, 422, validation_reason(err.errors()))


def add_bearer_scheme(app: FastAPI) -> None:
    """The OpenAPI schema names the bearer token its routes' ``security`` refers to."""
    made = app.openapi

    def openapi():
        schema = made()
        schema.setdefault("components", {})["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
        return schema

    app.openapi = openapi


class EventServer(uvicorn.Server):
    """uvicorn's server for the event's app: asked to stop, it first tells the live streams to end (they
    would hold it open until uvicorn's graceful shutdown ran out)."""

    def __init__(self, app: FastAPI, config: uvicorn.Config):
        super().__init__(config)
        self.event_app = app

    def handle_exit(self, sig, frame):
        self.event_app.state.stopping = True
        super().handle_exit(sig, frame)


def server(app: FastAPI, host: str = "127.0.0.1", port: int = 8000) -> EventServer:
    """A uvicorn server for the app, the API's busiest routes answered ahead of FastAPI's stack
    (:class:`~composerlab.event.fastpath.FastPath`)."""
    # Everything loaded so far (the app, music21, matplotlib) lives as long as the server: frozen out of the
    # garbage collector's sight, a full collection under a burst of requests no longer walks it (a pause of
    # every request in flight).
    gc.collect()
    gc.freeze()
    # The access log is off: private links carry their token in the path.
    return EventServer(app, uvicorn.Config(FastPath(app, api.router), host=host, port=port, log_level="warning",
                                           access_log=False, timeout_graceful_shutdown=3))


class BackgroundServer:
    """A uvicorn server on a thread (the facilitator notebook, the browser tests); ``stop()`` ends it."""

    def __init__(self, app: FastAPI, host: str = "127.0.0.1", port: int = 8000):
        self.app = app
        self.server = server(app, host, port)
        self.url = f"http://{host}:{port}"
        self.thread = threading.Thread(target=self.server.run, name="composerlab-event", daemon=True)

    def start(self, timeout: float = 30.0) -> "BackgroundServer":
        self.thread.start()
        ends = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > ends:
                raise RuntimeError(f"the event server did not start on {self.url} (is the port taken?)")
            time.sleep(0.05)
        host, port = self.server.servers[0].sockets[0].getsockname()[:2]  # port 0: the one the system chose
        self.url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        self.app.state.stopping = True
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve_in_background(event_dir: str | Path, host: str = "127.0.0.1", port: int = 8000,
                        db_url: str | None = None, plugins: tuple = ()) -> BackgroundServer:
    """Start the event's server on a thread and return it (its ``url``; ``stop()`` when done); port 0: any free one.

    ``plugins`` as in :func:`create_app` (the quiz notebook passes the quiz's).
    """
    return BackgroundServer(create_app(event_dir, db_url, plugins=plugins), host, port).start()
