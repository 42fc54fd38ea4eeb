"""The event server: :func:`create_app` builds the FastAPI app over one event folder.

The JSON API (:mod:`~composerlab.event.api`) and the HTML pages
(:mod:`~composerlab.event.pages`) are routers on one app; a later part (the
quiz) plugs in as a *plugin*: a callable given the app once its store is
open, which adds its routers, keeps its own tables in the event's database
(``app.state.store.engine``) and may add sections to the awards page
(``app.state.awards``, see :func:`~composerlab.event.pages.awards_sections`). The event never imports
the quiz: ``composerlab serve`` (the command line, a layer above both)
composes them. Run it with ``composerlab serve DIR`` (or
:func:`serve_in_background` from a notebook).
"""
from __future__ import annotations

import asyncio
import gc

import threading
import time
from pathlib import Path

import jinja2
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from composerlab.event import api, pages, uploads
from composerlab.event.fastpath import HotRoutes
from composerlab.event.rules import EventError, validation_reason
from composerlab.event.store import Store

PACKAGE = Path(__file__).resolve().parent


def templates() -> jinja2.Environment:
    """The pages' Jinja2 environment: autoescape on for every template, so typed text is shown, never run."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(PACKAGE / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    return env


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def _error_response(request: Request, status: int, reason: str, headers=None):
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    if _wants_json(request):
        return JSONResponse({"error": reason}, status_code=status, headers=headers)
    html = request.app.state.templates.get_template("error.html").render(status=status, reason=reason, page="error",
                                                                        event=request.app.state.store.event())
    return HTMLResponse(html, status_code=status, headers=headers)


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
    import composerlab.music.midi  # noqa: F401  (the MIDI reader's libraries load now, not on the first upload)

    app = FastAPI(title=f"Composer Lab event: {store.event().name}", version="1",
                  description="Submissions, judging in rounds, a live leaderboard, the AI judge and awards. "
                              "Facilitator and judges send `Authorization: Bearer <token>`.",
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json")  # /docs is our own page: no CDN
    app.state.store = store
    app.state.templates = templates()
    app.state.ai_model_path = ai_model_path
    app.state.stopping = False  # set when the server is asked to stop: live streams end
    app.state.awards = []  # plugins' award sections (pages.awards_sections)
    app.mount("/static", StaticFiles(directory=PACKAGE / "static"), name="static")
    for router in (api.router, pages.router, *routers):
        app.include_router(router)
    for plugin in plugins:
        plugin(app)

    @app.exception_handler(EventError)
    async def event_error(request: Request, err: EventError):
        return _error_response(request, err.status, err.reason)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, err: StarletteHTTPException):
        reason = err.detail if isinstance(err.detail, str) else str(err.detail)
        return _error_response(request, err.status_code, "no such page" if err.status_code == 404 else reason,
                               getattr(err, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, err: RequestValidationError):
        return _error_response(request, 422, validation_reason(err.errors()))

    original_openapi = app.openapi

    def openapi():
        schema = original_openapi()
        schema.setdefault("components", {})["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
        return schema

    app.openapi = openapi
    return app


def server(app: FastAPI, host: str = "127.0.0.1", port: int = 8000):
    """A uvicorn server for the app that, asked to stop, first ends the live streams (they would hold it open)."""
    import uvicorn

    class EventServer(uvicorn.Server):
        def handle_exit(self, sig, frame):
            app.state.stopping = True
            super().handle_exit(sig, frame)

        def run(self, sockets=None):
            """uvicorn's run, except that a task still running after the shutdown gets 3 s to end once
            cancelled, not forever (``asyncio.run`` waits for every task, so one that ignores its
            cancellation kept the process alive after Ctrl+C; seen under the load benchmark)."""
            loop = (self.config.get_loop_factory() or asyncio.new_event_loop)()
            interrupted = None
            uploads.CHECKER.start()  # uploads' MIDI data is read in a worker process, on the other core
            try:
                try:
                    loop.run_until_complete(self.serve(sockets=sockets))
                except KeyboardInterrupt as err:  # uvicorn hands Ctrl+C back once it has shut down
                    interrupted = err
                pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
                for task in pending:
                    task.cancel()
                if pending:
                    loop.run_until_complete(asyncio.wait(pending, timeout=3))
                loop.run_until_complete(asyncio.wait_for(loop.shutdown_asyncgens(), 3))
            finally:
                loop.close()
                uploads.CHECKER.stop()
            if interrupted is not None:
                raise interrupted

    # Everything loaded so far (the app, music21, matplotlib: about 200,000 objects) lives as long as the
    # server: out of the garbage collector's sight, a full collection under a burst of requests no longer
    # walks it (0.15 s each on this CPU, a pause of every request in flight).
    gc.collect()
    gc.freeze()
    # The access log is off: private links carry their token in the path.
    return EventServer(uvicorn.Config(HotRoutes(app), host=host, port=port, log_level="warning",
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
