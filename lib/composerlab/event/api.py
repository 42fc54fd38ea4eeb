"""The event's JSON API (``/api/...``), used by the pages and by scripts; documented at ``/docs``.

Facilitator and judges authenticate with ``Authorization: Bearer <token>``
(their private links carry the same token); no token is 401, a wrong one 403.
Every refusal answers ``{"error": reason}``.
"""
from __future__ import annotations

import asyncio
import json
import threading
import time

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field, StrictInt

from composerlab.event import exports, media, uploads
from composerlab.event.rules import ROUNDS, EventError
from composerlab.event.store import Store
from composerlab.event.tables import Judge

router = APIRouter(prefix="/api", tags=["event"])
STREAM_SECONDS = 1800
"""A leaderboard stream ends after this long; the browser's EventSource reconnects by itself."""


def store_of(request: Request) -> Store:
    return request.app.state.store


def token_of(request: Request) -> str:
    """The bearer token, or the ``token`` query parameter (for links an <audio> or <a> opens)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if header:
        raise EventError("the Authorization header must read 'Bearer <token>'", 401)
    token = request.query_params.get("token", "")
    if not token:
        raise EventError("this needs your private token (Authorization: Bearer <token>)", 401)
    return token


# The token checks are coroutines: they read no database (the event and its judges are kept by the store
# once it is open), and a plain function would cost each request a hop to a worker thread and back.
async def require_admin(request: Request) -> Store:
    """Dependency: the facilitator's token, else 401/403."""
    store = store_of(request)
    if not store.is_admin(token_of(request)):
        raise EventError("this token is not the facilitator's", 403)
    return store


async def require_judge(request: Request) -> Judge:
    """Dependency: a judge's token, else 401/403."""
    judge = store_of(request).judge_for(token_of(request))
    if judge is None:
        raise EventError("this token is not a judge's", 403)
    return judge


async def require_judge_or_admin(request: Request) -> None:
    store, token = store_of(request), token_of(request)
    if not store.is_admin(token) and store.judge_for(token) is None:
        raise EventError("this token is neither a judge's nor the facilitator's", 403)


BEARER = {"security": [{"bearer": []}]}


class Uploaded(BaseModel):
    id: int
    stored_as: str
    eligible: bool
    created_at: str


class ScoreIn(BaseModel):
    originality: StrictInt = Field(ge=1, le=5, description="1 Very unimpressed ... 5 Very impressed")
    balance: StrictInt = Field(ge=1, le=5)
    emotional: StrictInt = Field(ge=1, le=5, description="emotional resonance")
    comment: str = Field("", max_length=4000)


class PreliminaryIn(BaseModel):
    mode: str = Field("random", pattern="^(random|everyone)$",
                      description="random: dealt evenly; everyone: every judge scores everything")
    seed: int | None = Field(None, description="seed of the random deal (default: drawn and shown)")


class FinalIn(BaseModel):
    top: StrictInt = Field(3, ge=1, le=20, description="how many of each judge's best pieces go through")



@router.post("/submissions", status_code=201, response_model=Uploaded,
             responses={413: {"description": "too large"}, 415: {"description": "not a MIDI file"},
                        422: {"description": "a missing field"}, 429: {"description": "over the per-composer limit"}},
             openapi_extra={"requestBody": {"content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["title", "file"], "properties": {
                     "alias": {"type": "string"}, "title": {"type": "string"},
                     "file": {"type": "string", "format": "binary"}}}}}}})
async def submit(request: Request):
    """Upload one composition (multipart: ``alias``, ``title``, ``file``). No alias: stored, not eligible."""
    # The server answers this route before FastAPI's stack (fastpath.HotRoutes); the work is the same.
    return JSONResponse(await uploads.submit(store_of(request), request), status_code=201)


@router.get("/submissions", openapi_extra=BEARER)
def list_submissions(store: Store = Depends(require_admin)):
    """Every submission (facilitator)."""
    return [exports.submission_json(row) for row in store.submissions()]


@router.get("/submissions/{submission_id}/audio.mp3", openapi_extra=BEARER,
            dependencies=[Depends(require_judge_or_admin)])
def audio(submission_id: int, request: Request):
    """The piece rendered with the kit's SoundFont (judges and facilitator)."""
    store = store_of(request)
    return Response(media.audio_mp3(store, store.submission(submission_id)), media_type="audio/mpeg",
                    headers={"Cache-Control": "private, max-age=3600"})


@router.get("/submissions/{submission_id}/roll.png", openapi_extra=BEARER,
            dependencies=[Depends(require_judge_or_admin)])
def roll(submission_id: int, request: Request):
    """A piano roll of the first bars (judges and facilitator)."""
    store = store_of(request)
    return Response(media.roll_png(store, store.submission(submission_id)), media_type="image/png",
                    headers={"Cache-Control": "private, max-age=3600"})


@router.get("/rounds")
def rounds(request: Request):
    """The rounds and their state."""
    return {name: exports.round_json(r) for name, r in store_of(request).rounds().items()}


@router.post("/rounds/preliminary", openapi_extra=BEARER)
def open_preliminary(body: PreliminaryIn | None = None, store: Store = Depends(require_admin)):
    """Open the preliminary round: deal the eligible pieces to the judges (or every judge everything)."""
    body = body or PreliminaryIn()
    return exports.round_json(store.open_preliminary(body.mode, body.seed), store)


@router.post("/rounds/final", openapi_extra=BEARER)
def open_final(body: FinalIn | None = None, store: Store = Depends(require_admin)):
    """Open the final: each judge's top pieces, judged by every other judge."""
    return exports.round_json(store.open_final((body or FinalIn()).top), store)


@router.post("/rounds/{round_name}/close", openapi_extra=BEARER)
def close_round(round_name: str, store: Store = Depends(require_admin)):
    """Close a round: its scores can no longer change."""
    if round_name not in ROUNDS:
        raise EventError(f"round is 'preliminary' or 'final', not '{round_name}'", 404)
    return exports.round_json(store.close_round(round_name), store)


@router.get("/assignments", openapi_extra=BEARER)
def assignments(request: Request, judge: Judge = Depends(require_judge)):
    """The judge's submissions in the open round, with the judge's latest score of each."""
    store = store_of(request)
    current = store.current_round()
    if current is None:
        return {"judge": judge.name, "round": None, "submissions": []}
    mine = {v.submission_id: v for v in store.latest_scores(current.name, judge.id)}
    return {"judge": judge.name, "round": current.name,
            "submissions": [exports.submission_json(row, mine.get(row.id), public=True)
                            for row in store.assignments(judge.id, current.name)]}


@router.put("/scores/{submission_id}", openapi_extra=BEARER,
            responses={403: {"description": "not assigned to this judge"}, 422: {"description": "out of range"}})
async def put_score(submission_id: int, body: ScoreIn, request: Request, judge: Judge = Depends(require_judge)):
    """Score a piece in the open round (each call keeps a new version; the latest counts)."""
    # The server answers this route before FastAPI's stack (fastpath.HotRoutes); the work is the same.
    return await score(request, judge, submission_id, body)


async def score(request: Request, judge: Judge, submission_id: int, body: ScoreIn) -> dict:
    """``PUT /api/scores/{id}``'s work: the new version written (in a worker thread: a commit waits for the
    disk), and the answer."""
    row = await run_in_threadpool(store_of(request).put_score, judge.id, submission_id, body.originality,
                                  body.balance, body.emotional, body.comment)
    return exports.score_json(row, judge.name)


_boards: dict[tuple[int, str], tuple[int, float, str]] = {}
_boards_lock = threading.Lock()


def board_text(store: Store, round_name: str, max_age: float = 0.0) -> str:
    """A board as JSON text, built once per change and shared by every open page.

    ``max_age`` > 0 lets a live stream reuse a board that young even if a write came since (many writes
    a second become one build a second); a plain request (``max_age`` 0) always gets the latest.
    """
    revision = store.revision()
    key = (id(store), round_name)
    with _boards_lock:  # the other pages wait for the one build, then share it
        cached = _boards.get(key)
        if cached is not None and (cached[0] == revision or time.monotonic() - cached[1] < max_age):
            return cached[2]
        board = exports.ai_json(store) if round_name == "ai" else exports.leaderboard_json(store, round_name)
        text = json.dumps(board)
        _boards[key] = (revision, time.monotonic(), text)
        return text


def current_board(store: Store, round_name: str) -> str | None:
    """The board's text if it is built for the latest revision this process knows of, else None; reads no
    database and takes no lock, so a page's reload is answered on the event loop (no worker thread)."""
    revision = store.known_revision()
    cached = _boards.get((id(store), round_name))
    return cached[2] if cached is not None and revision is not None and cached[0] == revision else None


@router.get("/leaderboard")
async def leaderboard(request: Request, round: str = Query("preliminary", pattern="^(preliminary|final)$")):
    """A round's leaderboard: only pieces every assigned judge has scored, ranked."""
    store = store_of(request)
    text = current_board(store, round) or await run_in_threadpool(board_text, store, round)
    return Response(text, media_type="application/json")


class BoardFeed:
    """One poller per board for every open stream of the app: 50 pages cost one check every half second."""

    def __init__(self, store: Store, round_name: str, stopping):
        self.store, self.round_name, self.stopping = store, round_name, stopping
        self.text, self.version, self.listeners = "", 0, 0
        self.changed = asyncio.Condition()
        self.task: asyncio.Task | None = None

    def join(self) -> None:
        self.listeners += 1
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._poll())

    async def _poll(self) -> None:
        while self.listeners > 0 and not self.stopping():
            text = await run_in_threadpool(board_text, self.store, self.round_name, 1.0)
            if text != self.text:
                async with self.changed:
                    self.text, self.version = text, self.version + 1
                    self.changed.notify_all()
            await asyncio.sleep(0.5)

    async def next(self, seen: int, timeout: float) -> tuple[int, str] | None:
        """The board once it differs from version ``seen``; None after ``timeout`` seconds without a change."""
        async with self.changed:
            if self.version == seen:
                try:
                    await asyncio.wait_for(self.changed.wait(), timeout)
                except TimeoutError:
                    return None
            return self.version, self.text


@router.get("/leaderboard/stream")
async def leaderboard_stream(request: Request, round: str = Query("preliminary", pattern="^(preliminary|final|ai)$")):
    """Server-sent events: the board (``event: leaderboard``) each time it changes."""
    state = request.app.state
    feeds = state.__dict__.setdefault("board_feeds", {})
    feed = feeds.get(round) or feeds.setdefault(round, BoardFeed(store_of(request), round, lambda: state.stopping))

    async def events():
        feed.join()
        try:
            seen, quiet_since, ends = 0, time.monotonic(), time.monotonic() + STREAM_SECONDS
            yield "retry: 2000\n\n"
            while time.monotonic() < ends and not state.stopping:  # bounded; EventSource reconnects
                got = await feed.next(seen, timeout=1.0)
                if got is not None:  # only a board that changed is sent (an upload alone changes none)
                    (seen, text), quiet_since = got, time.monotonic()
                    yield f"event: leaderboard\ndata: {text}\n\n"
                elif time.monotonic() - quiet_since > 15:
                    quiet_since = time.monotonic()
                    yield ": still here\n\n"  # keeps proxies from closing an idle stream
        finally:
            feed.listeners -= 1

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.get("/ai")
def ai_results(request: Request):
    """The AI judge's latest run: progress and scores, best first."""
    return exports.ai_json(store_of(request))


@router.post("/ai/run", status_code=202, openapi_extra=BEARER)
def ai_run(request: Request, store: Store = Depends(require_admin)):
    """Start the AI judge over every eligible submission, in the background."""
    from composerlab.event.judging import start_ai_judge

    run_id = start_ai_judge(store, request.app.state.ai_model_path)
    return {"run": run_id}


@router.get("/export/scores.csv", openapi_extra=BEARER)
def export_scores(store: Store = Depends(require_admin)):
    """Every version of every score (the audit trail), as CSV."""
    return Response(exports.scores_csv(store), media_type="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="scores.csv"'})


@router.get("/export/leaderboard.csv", openapi_extra=BEARER)
def export_leaderboard(round: str = Query("preliminary", pattern="^(preliminary|final)$"),
                       store: Store = Depends(require_admin)):
    """A round's leaderboard as CSV."""
    return Response(exports.leaderboard_csv(store, round), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="leaderboard-{round}.csv"'})


@router.get("/export/submissions.zip", openapi_extra=BEARER)
def export_zip(store: Store = Depends(require_admin)):
    """Every submission's MIDI file, named by the convention, in one zip."""
    return Response(exports.submissions_zip(store), media_type="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="submissions.zip"'})
