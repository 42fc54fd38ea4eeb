"""The live quiz's JSON API (``/api/quiz/...``): what the host and player pages, the notebook and scripts use.

The host (the event's facilitator) sends the event's admin token, a player the
``player_token`` their join returned, each as ``Authorization: Bearer <token>``
(or ``?token=`` where a browser cannot set a header, as for an event stream).
Every refusal is ``{"error": reason, "code": code}`` with an HTTP status
(:data:`STATUS`); a bank with problems adds ``"problems"``, one per line.
"""
from __future__ import annotations

import io
import json
import time
from functools import lru_cache
from typing import Any

import segno
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from composerlab.music.samples import load_sample
from composerlab.quiz.bank import bank_from_dict, bank_path, list_banks, read_bank
from composerlab.quiz.server import QuizServer, player_text
from composerlab.sound.audio import mp3_bytes, render

router = APIRouter(prefix="/api/quiz", tags=["quiz"])
BEARER = {"security": [{"bearer": []}]}
STREAM_SECONDS = 1800
"""A stream ends after this long; the browser's EventSource reconnects by itself."""

STATUS = {"unknown_pin": 404, "unknown_player": 403, "nickname_invalid": 422, "nickname_empty": 422,
          "nickname_too_long": 422, "nickname_taken": 409, "game_full": 409, "game_finished": 409,
          "no_players": 409, "not_open": 409, "wrong_question": 409, "late": 409, "already_answered": 409,
          "choice_invalid": 422, "choice_out_of_range": 422}
"""HTTP status of each :class:`~composerlab.quiz.game.QuizError` code."""


def quiz_of(request: Request) -> QuizServer:
    return request.app.state.quiz


def token_of(request: Request, required: bool = True) -> str | None:
    """The bearer token, or the ``token`` query parameter; 401 when required and missing."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    token = request.query_params.get("token") or None
    if token is None and required:
        raise HTTPException(401, "this needs a token (Authorization: Bearer <token>)")
    return token


def is_host(request: Request, token: str | None) -> bool:
    return bool(token) and request.app.state.store.is_admin(token)


def require_host(request: Request) -> QuizServer:
    """Dependency: the event's facilitator token (the quiz's host), else 401/403."""
    if not is_host(request, token_of(request)):
        raise HTTPException(403, "this token is not the facilitator's: only the host runs the quiz")
    return quiz_of(request)


class GameIn(BaseModel):
    bank: str | None = Field(None, description="a bank's name in facilitator/quiz/ (event, lab01, ...)",
                             examples=["event"])
    questions: list[Any] | None = Field(None, description='an inline bank instead: [{"question", "choices": [4 '
                                        'texts], "answer": [indices], "seconds"}]')
    title: str | None = Field(None, max_length=200, description="the inline bank's title")
    count: int | None = Field(None, ge=1, le=200, description="ask this many of the bank's questions (drawn)")
    seed: int = Field(0, description="which questions are drawn when count is given")


class GameOut(BaseModel):
    pin: str
    title: str
    questions: int
    join_url: str


class PlayerIn(BaseModel):
    nickname: Any = Field(..., description="1-20 characters, unique in the game (case ignored)",
                          json_schema_extra={"type": "string"}, examples=["Ada"])


class PlayerOut(BaseModel):
    player_token: str
    nickname: str
    pin: str


class AnswerIn(BaseModel):
    choice: Any = Field(..., description="the button's index, 0-3", json_schema_extra={"type": "integer"},
                        examples=[2])
    question: int | None = Field(None, description="the question's number (1-based) the page shows; a stale "
                                 "page's answer to another question is refused")


def base_url(request: Request) -> str:
    """Where players reach this server: ``app.state.public_url`` (the LAN address) or the request's."""
    return (getattr(request.app.state, "public_url", None) or str(request.base_url)).rstrip("/")


def join_url(request: Request, pin: str) -> str:
    return f"{base_url(request)}/quiz/{pin}"


@router.get("/banks")
def banks():
    """The question banks on this server (names for ``POST /api/quiz/games``)."""
    return {"banks": list_banks()}


@router.post("/games", status_code=201, response_model=GameOut, openapi_extra=BEARER,
             responses={404: {"description": "no such bank"}, 422: {"description": "a malformed bank (every "
                                                                    "problem listed)"}})
def create_game(body: GameIn, request: Request, quiz: QuizServer = Depends(require_host)):
    """Make a game in its lobby from a bank's name or inline questions; players join with its PIN."""
    if (body.bank is None) == (body.questions is None):
        raise HTTPException(422, 'give either "bank" (a bank\'s name) or "questions" (an inline bank)')
    if body.bank is not None:
        bank = read_bank(bank_path(body.bank))  # a name, never a path: the user's text is data
    else:
        bank = bank_from_dict({"questions": body.questions, "title": body.title or "Quiz"})
    game = quiz.create(bank.select(body.count, body.seed))
    return {"pin": game.pin, "title": game.bank.title, "questions": len(game.bank), "join_url": join_url(request,
                                                                                                         game.pin)}


@router.get("/games", openapi_extra=BEARER)
def list_games(quiz: QuizServer = Depends(require_host)):
    """Every game of this server, newest first (host)."""
    games = quiz.games.all()
    return [{"pin": g.pin, "title": g.bank.title, "state": g.state, "players": len(g.players),
             "questions": len(g.bank), "created_at": g.created_at}
            for g in sorted(games, key=lambda g: -g.created_at)]


@router.post("/games/{pin}/players", status_code=201, response_model=PlayerOut,
             responses={404: {"description": "unknown PIN"}, 409: {"description": "nickname taken, game over"},
                        422: {"description": "empty, too long or invalid nickname"}})
async def join(pin: str, body: PlayerIn, request: Request):
    """Join a game with a nickname; keep the ``player_token`` (a page reload rejoins with it)."""
    quiz = quiz_of(request)
    player = await run_in_threadpool(quiz.join, pin, body.nickname)
    quiz.poke(pin)
    return {"player_token": player.token, "nickname": player.nickname, "pin": pin}


@router.post("/games/{pin}/next", openapi_extra=BEARER, responses={409: {"description": "nobody joined; game over"}})
async def next_step(pin: str, request: Request, quiz: QuizServer = Depends(require_host)):
    """The host's "next": open the first or next question, close the open one early, or end the game."""
    status = await run_in_threadpool(quiz.advance, pin)
    quiz.poke(pin)
    return status


@router.get("/games/{pin}", responses={404: {"description": "unknown PIN"}})
def game_status(pin: str, request: Request):
    """The game's state (``lobby``, ``question``, ``reveal``, ``finished``), the open question without its
    answer and the seconds left, the answer count; at a reveal the counts per choice, the correct ones and the
    top five; at the end the podium. With a player's token, ``me``: their points, streak, rank and last result."""
    token = token_of(request, required=False)
    player = None if token is None or is_host(request, token) else token
    return quiz_of(request).status(pin, player)


@router.post("/games/{pin}/answers", status_code=201,
             responses={409: {"description": "late, second answer, or no question open"},
                        422: {"description": "choice out of range"}})
async def answer(pin: str, body: AnswerIn, request: Request):
    """A player's answer to the open question (player token). Timed by the server: it counts from the opening."""
    quiz = quiz_of(request)
    token = token_of(request)
    got = await run_in_threadpool(quiz.answer, pin, token, body.choice, body.question)
    quiz.poke(pin)
    return {"accepted": True, "choice": got.choice, "seconds": round(got.seconds, 3)}


@router.get("/games/{pin}/scoreboard")
def scoreboard(pin: str, request: Request):
    """Every player ranked: ``rank``, ``nickname``, ``points``, ``streak`` (ties broken: faster, then earlier)."""
    return quiz_of(request).act(pin, lambda g: g.scoreboard())


@router.get("/games/{pin}/qr.svg")
def qr(pin: str, request: Request):
    """The game's join link as a QR code (SVG), for the big screen."""
    quiz_of(request).games.get(pin)
    buffer = io.BytesIO()
    segno.make(join_url(request, pin), error="m").save(buffer, kind="svg", scale=10, border=2)
    return Response(buffer.getvalue(), media_type="image/svg+xml")


@router.get("/games/{pin}/stream")
async def stream(pin: str, request: Request):
    """Server-sent events: ``event: status`` with the game's status when it changes (a player's page: when
    the state or the question changes; with the host's token: every change, answer counts included) and,
    with a player's token, ``event: me`` (points, rank, last result) after each question."""
    quiz = quiz_of(request)
    token = token_of(request, required=False)
    host = is_host(request, token)
    feed = quiz.feed(pin)
    state = request.app.state
    if token and not host:
        await run_in_threadpool(quiz.status, pin, token)  # unknown_player before the stream starts

    async def events():
        feed.join(lambda: state.stopping)
        try:
            yield "retry: 1000\n\n"
            first = await run_in_threadpool(quiz.status, pin, None if host or not token else token)
            me = first.pop("me", None)
            seen = feed.host_serial if host else feed.player_serial
            sent = (first["state"], first["question_number"])
            yield f"event: status\ndata: {json.dumps(first) if host else player_text(first)}\n\n"
            if me is not None:
                yield f"event: me\ndata: {json.dumps(me)}\n\n"
            quiet, ends = time.monotonic(), time.monotonic() + STREAM_SECONDS
            while time.monotonic() < ends and not state.stopping:
                got = await feed.next(host, seen, timeout=1.0)
                if got is None:
                    if time.monotonic() - quiet > 15:
                        quiet = time.monotonic()
                        yield ": still here\n\n"
                    continue
                (seen, text, key), quiet = got, time.monotonic()
                if not host and key == sent:
                    continue  # this page has it already (the feed's first message after the page's first)
                sent = key
                yield f"event: status\ndata: {text}\n\n"
                if token and not host and '"state": "question"' not in text:
                    view = await feed.me(token)
                    yield f"event: me\ndata: {json.dumps(view)}\n\n"
        finally:
            feed.leave()

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.get("/games/{pin}/picture")
def picture(pin: str, request: Request):
    """The picture of the open (or just revealed) question, when its bank gives one."""
    def find(game):
        if game.state not in ("question", "reveal") or not game.bank.questions[game.index].picture:
            raise HTTPException(404, "the current question has no picture")
        return game.bank.questions[game.index].picture

    return FileResponse(quiz_of(request).act(pin, find), headers={"Cache-Control": "no-cache"})


@lru_cache(maxsize=16)
def melody_mp3(name: str) -> bytes:
    """A sample melody rendered with the kit's SoundFont, as MP3 (a bank plays a few at most: each once)."""
    return mp3_bytes(*render(load_sample(name)))


@router.get("/games/{pin}/melody.mp3")
def melody(pin: str, request: Request):
    """The sample melody of the open (or just revealed) question, rendered with the kit's SoundFont."""
    def find(game):
        if game.state not in ("question", "reveal") or not game.bank.questions[game.index].melody:
            raise HTTPException(404, "the current question has no melody")
        return game.bank.questions[game.index].melody

    name = quiz_of(request).act(pin, find)
    return Response(melody_mp3(name), media_type="audio/mpeg", headers={"Cache-Control": "max-age=3600"})
