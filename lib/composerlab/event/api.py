"""The event's JSON API (``/api/...``), used by the pages and by scripts; documented at ``/docs``.

Facilitator and judges authenticate with ``Authorization: Bearer <token>``
(their private links carry the same token); no token is 401, a wrong one 403.
Every refusal answers ``{"error": reason}``.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field, StrictInt

from composerlab.event import exports, media
from composerlab.event.fastpath import answered_first
from composerlab.event.judging import start_ai_judge
from composerlab.event.rules import ROUNDS, EventError
from composerlab.event.store import Store
from composerlab.event.tables import Judge

router = APIRouter(prefix="/api", tags=["event"])


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
@answered_first
async def submit(request: Request):
    """Upload one composition (multipart: ``alias``, ``title``, ``file``). No alias: stored, not eligible."""
    return JSONResponse(await request.app.state.uploads.submit(request), status_code=201)


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
@answered_first
async def put_score(submission_id: int, body: ScoreIn, request: Request, judge: Judge = Depends(require_judge)):
    """Score a piece in the open round (each call keeps a new version; the latest counts)."""
    # the new version is written in a worker thread: its commit waits for the disk
    row = await run_in_threadpool(store_of(request).put_score, judge.id, submission_id, body.originality,
                                  body.balance, body.emotional, body.comment)
    return exports.score_json(row, judge.name)


@router.get("/leaderboard")
async def leaderboard(request: Request, round: str = Query("preliminary", pattern="^(preliminary|final)$")):
    """A round's leaderboard: only pieces every assigned judge has scored, ranked."""
    boards = request.app.state.boards
    text = boards.current(round) or await run_in_threadpool(boards.text, round)
    return Response(text, media_type="application/json")


@router.get("/leaderboard/stream")
async def leaderboard_stream(request: Request, round: str = Query("preliminary", pattern="^(preliminary|final|ai)$")):
    """Server-sent events: the board (``event: leaderboard``) each time it changes."""
    return StreamingResponse(request.app.state.boards.feed(round).events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.get("/ai")
def ai_results(request: Request):
    """The AI judge's latest run: progress and scores, best first."""
    return exports.ai_json(store_of(request))


@router.post("/ai/run", status_code=202, openapi_extra=BEARER)
def ai_run(request: Request, store: Store = Depends(require_admin)):
    """Start the AI judge over every eligible submission, in the background."""
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
