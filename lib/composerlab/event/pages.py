"""The event's HTML pages: submit, judge, facilitator (rounds), leaderboard, awards, API docs.

Pages work without JavaScript (plain forms that post and redirect); the
leaderboard's script adds the live updates and the search box. Private pages
carry their token in the link (``/judge/<token>``, ``/admin/<token>``), as
the private links printed by ``composerlab event new``.
"""
from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from composerlab.event import exports
from composerlab.event.facilitator import qr_svg
from composerlab.event.forms import read_upload
from composerlab.event.judging import start_ai_judge
from composerlab.event.rules import CRITERIA, CRITERIA_TITLES, SCALE, EventError
from composerlab.event.store import Store
from composerlab.event.tables import Judge

router = APIRouter(include_in_schema=False)


def awards_sections(app) -> list[dict]:
    """What plugins add to the awards page: ``{"id", "title", "empty", "rows": [{"rank", "name", "detail"}]}`` each.

    A plugin (the quiz) appends a callable returning such sections (or []) to ``app.state.awards``.
    """
    return [section for source in getattr(app.state, "awards", ()) for section in source()]


def _store(request: Request) -> Store:
    return request.app.state.store


def render(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    context.setdefault("event", _store(request).event())
    context.setdefault("page", template.removesuffix(".html"))
    html = request.app.state.templates.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status)


def _judge(request: Request, token: str) -> Judge:
    judge = _store(request).judge_for(token)
    if judge is None:
        raise EventError("this judge link is not valid for this event; ask the facilitator for yours", 403)
    return judge


def _admin(request: Request, token: str) -> Store:
    store = _store(request)
    if not store.is_admin(token):
        raise EventError("this facilitator link is not valid for this event", 403)
    return store


def submission_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/"


# -- submit --------------------------------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def submit_page(request: Request):
    return render(request, "submit.html", receipt=None, error=None, form={})


@router.post("/submit", response_class=HTMLResponse)
async def submit_form(request: Request):
    store = _store(request)
    fields: dict = {}
    try:
        fields, file_name, data = await read_upload(request, store.event().max_bytes)
        receipt = await request.app.state.uploads.store_upload(fields, file_name, data)
    except EventError as err:
        return render(request, "submit.html", status=err.status, receipt=None, error=err.reason, form=fields)
    return render(request, "submit.html", status=201, receipt=receipt, error=None, form={})


@router.get("/qr.svg")
def qr_code(request: Request):
    """The submission page's address as a QR code, for the projector."""
    return Response(qr_svg(submission_url(request)), media_type="image/svg+xml")


# -- judge ---------------------------------------------------------------------------------------------------------
def _judge_page(request: Request, token: str, status: int = 200, error: str | None = None, saved: int | None = None):
    store = _store(request)
    judge = _judge(request, token)
    current = store.current_round()
    pieces, trail = [], {}
    if current is not None:
        pieces = store.assignments(judge.id, current.name)
        trail = store.history(current.name, judge.id)
    mine = {piece: versions[0] for piece, versions in trail.items()}
    return render(request, "judge.html", status=status, judge=judge, token=token, current=current, pieces=pieces,
                  mine=mine, trail=trail, criteria=CRITERIA, titles=CRITERIA_TITLES, scale=SCALE, error=error, saved=saved,
                  quote=quote)


@router.get("/judge/{token}", response_class=HTMLResponse)
def judge_page(request: Request, token: str, saved: int | None = None):
    return _judge_page(request, token, saved=saved)


@router.post("/judge/{token}/score/{submission_id}", response_class=HTMLResponse)
def judge_score(request: Request, token: str, submission_id: int, originality: str = Form(""),
                balance: str = Form(""), emotional: str = Form(""), comment: str = Form("")):
    judge = _judge(request, token)
    values = {}
    try:
        for name, raw in (("originality", originality), ("balance", balance), ("emotional", emotional)):
            if not raw.strip().isdigit():
                raise EventError(f"choose a score from 1 to 5 for {CRITERIA_TITLES[name].lower()}", 422)
            values[name] = int(raw)
        _store(request).put_score(judge.id, submission_id, comment=comment, **values)
    except EventError as err:
        return _judge_page(request, token, status=err.status, error=err.reason)
    return RedirectResponse(f"/judge/{quote(token)}?saved={submission_id}#piece-{submission_id}", status_code=303)


# -- facilitator ---------------------------------------------------------------------------------------------------
@router.get("/admin/{token}", response_class=HTMLResponse)
def admin_page(request: Request, token: str, error: str | None = None):
    store = _admin(request, token)
    rounds = store.rounds()
    base = submission_url(request)
    return render(request, "admin.html", token=token, quote=quote, base=base, judges=store.judges(),
                  rounds={n: exports.round_json(r, store) for n, r in rounds.items()},
                  submissions=store.submissions(), ai=exports.ai_json(store), error=error)


def _admin_action(request: Request, token: str, action):
    store = _admin(request, token)
    try:
        action(store)
    except EventError as err:
        return admin_page(request, token, error=err.reason)
    return RedirectResponse(f"/admin/{quote(token)}", status_code=303)


@router.post("/admin/{token}/rounds/preliminary", response_class=HTMLResponse)
def admin_preliminary(request: Request, token: str, mode: str = Form("random"), seed: str = Form("")):
    seed_value = int(seed) if seed.strip().lstrip("-").isdigit() else None
    return _admin_action(request, token, lambda s: s.open_preliminary(mode, seed_value))


@router.post("/admin/{token}/rounds/final", response_class=HTMLResponse)
def admin_final(request: Request, token: str, top: str = Form("3")):
    top_value = int(top) if top.strip().isdigit() else 3
    return _admin_action(request, token, lambda s: s.open_final(top_value))


@router.post("/admin/{token}/rounds/{round_name}/close", response_class=HTMLResponse)
def admin_close(request: Request, token: str, round_name: str):
    return _admin_action(request, token, lambda s: s.close_round(round_name))


@router.post("/admin/{token}/ai", response_class=HTMLResponse)
def admin_ai(request: Request, token: str):
    return _admin_action(request, token, lambda s: start_ai_judge(s, request.app.state.ai_model_path))


# -- public boards -------------------------------------------------------------------------------------------------
@router.get("/leaderboard", response_class=HTMLResponse)
def leaderboard_page(request: Request, round: str = "preliminary"):
    if round not in ("preliminary", "final", "ai"):
        raise EventError(f"there is no '{round}' leaderboard; choose preliminary, final or ai", 404)
    store = _store(request)
    board = exports.ai_json(store) if round == "ai" else exports.leaderboard_json(store, round)
    return render(request, "leaderboard.html", board=board, tab=round, criteria=CRITERIA, titles=CRITERIA_TITLES,
                  extras=awards_sections(request.app))


@router.get("/awards", response_class=HTMLResponse)
def awards_page(request: Request):
    store = _store(request)
    round_name, human = exports.winners(store)
    return render(request, "awards.html", round_name=round_name, human=human, ai=exports.ai_json(store)["rows"][:3],
                  extras=awards_sections(request.app))


@router.get("/docs", response_class=HTMLResponse)
def docs_page(request: Request):
    """The API, from the app's own OpenAPI schema (no CDN-hosted Swagger UI)."""
    schema = request.app.openapi()
    routes = [(path, method.upper(), op) for path, methods in schema["paths"].items() for method, op in methods.items()]
    return render(request, "docs.html", routes=routes, schema=schema)
