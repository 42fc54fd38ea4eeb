"""The live quiz's HTML pages: join (PIN + nickname), play (the phone), host (the big screen).

``/quiz`` and ``/quiz/{pin}`` are the players' (no login: the join gives a
player token the page keeps in ``localStorage``, so a reload rejoins the same
player); ``/quiz/host/{token}`` is the facilitator's (the event's admin
token), where a game is made and then run on the projector. The pages' scripts
drive the JSON API (:mod:`composerlab.quiz.api`) and its event stream; every
script and style is served from this package (``/quiz/static/``).
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from starlette.exceptions import HTTPException

from composerlab.quiz.api import join_url
from composerlab.quiz.bank import bank_path, list_banks, read_bank

router = APIRouter(include_in_schema=False)
PACKAGE = Path(__file__).resolve().parent
"""The quiz package's folder: its ``templates/`` and ``static/`` live here."""
STATIC = ("quiz.css", "play.js", "host.js")


def templates() -> jinja2.Environment:
    """The quiz pages' Jinja2 environment: autoescape on, so a nickname with HTML shows as text."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(PACKAGE / "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined)


def render(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    event = request.app.state.store.event()
    context.setdefault("event_name", event.name if event else "Composer Lab")
    context.setdefault("page", template.removesuffix(".html"))
    html = request.app.state.quiz_templates.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status)


def _host(request: Request, token: str) -> None:
    if not request.app.state.store.is_admin(token):
        raise HTTPException(403, "this host link is not valid for this event; use the facilitator's private link")


@router.get("/quiz/static/{name}")
def static(name: str):
    if name not in STATIC:
        raise HTTPException(404, "no such file")
    return FileResponse(PACKAGE / "static" / name, headers={"Cache-Control": "no-cache"})


@router.get("/quiz", response_class=HTMLResponse)
def join_page(request: Request, pin: str = ""):
    return render(request, "join.html", pin=pin[:6])


@router.get("/quiz/{pin}", response_class=HTMLResponse)
def play_page(request: Request, pin: str):
    game = request.app.state.quiz.games.get(pin)  # unknown_pin: the error page says so
    return render(request, "play.html", pin=game.pin, title=game.bank.title)


@router.get("/quiz/host/{token}", response_class=HTMLResponse)
def host_start(request: Request, token: str, error: str | None = None):
    _host(request, token)
    games = sorted(request.app.state.quiz.games.all(), key=lambda g: -g.created_at)
    return render(request, "host_start.html", token=token, quote=quote, banks=list_banks(), games=games,
                  error=error)


@router.post("/quiz/host/{token}/games")
def host_create(request: Request, token: str, bank: str = Form("event"), count: str = Form("")):
    _host(request, token)
    chosen = read_bank(bank_path(bank))  # a name, never a path
    number = int(count) if count.strip().isdigit() and int(count) > 0 else None
    game = request.app.state.quiz.create(chosen.select(number, seed=len(request.app.state.quiz.games.all())))
    return RedirectResponse(f"/quiz/host/{quote(token)}/{game.pin}", status_code=303)


@router.get("/quiz/host/{token}/{pin}", response_class=HTMLResponse)
def host_page(request: Request, token: str, pin: str):
    _host(request, token)
    game = request.app.state.quiz.games.get(pin)
    return render(request, "host.html", token=token, pin=game.pin, title=game.bank.title,
                  join_url=join_url(request, game.pin), questions=len(game.bank))
