"""The event's public and judges' HTML pages: submit and the receipt, the projector's join page, judge,
leaderboard, awards, API docs. The facilitator's page is :mod:`~composerlab.event.admin`.

Pages work without JavaScript (plain forms that post and redirect: a refresh never sends a form again); the
leaderboard's script adds the live updates and the search box. Private pages carry their token in the
link (``/judge/<token>``, ``/receipt/<token>``), as the private links printed by ``composerlab event new``.
"""
from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from composerlab.event import awards, exports, settings
from composerlab.event.control import event_json
from composerlab.event.facilitator import public_base, qr_svg
from composerlab.event.forms import read_upload
from composerlab.event.rules import CRITERIA, CRITERIA_TITLES, SCALE, EventError
from composerlab.event.store import Store
from composerlab.event.tables import Judge

router = APIRouter(include_in_schema=False)
ANCHORS = {1: "nothing new, hard to enjoy", 2: "a little of the input changed; uneven",
           3: "pleasant, some ideas of its own", 4: "fresh ideas, well balanced, it stays with you",
           5: "surprising, polished, moving: you want to hear it again"}
"""What each score sounds like, for the judges' page and sheet (the scale's titles are the event's own)."""


def store_of(request: Request) -> Store:
    return request.app.state.store


def helpers(event) -> dict:
    """What every template may call: times in the event's zone, counts with their noun, sizes in MB."""
    return {"local": lambda value, day=True: settings.clock_text(value, event.timezone, day=day, seconds=True),
            "count": settings.pieces_text, "mb": settings.megabytes, "quote": quote}


def render(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    event = context.setdefault("event", store_of(request).event())
    context.setdefault("page", template.removesuffix(".html"))
    html = request.app.state.templates.get_template(template).render(request=request, **helpers(event), **context)
    return HTMLResponse(html, status_code=status)


def base_url(request: Request) -> str:
    """Where contestants reach the event: its public URL, else the address this request came to."""
    return public_base(store_of(request), str(request.base_url)) + "/"


# -- submit and the receipt ----------------------------------------------------------------------------------------
def submit_view(request: Request, status: int = 200, error: str | None = None, form: dict | None = None):
    store = store_of(request)
    event = store.event(fresh=True)
    return render(request, "submit.html", status=status, event=event, facts=event_json(event), error=error,
                  form=form or {})


@router.get("/", response_class=HTMLResponse)
def submit_page(request: Request):
    return submit_view(request)


@router.post("/submit", response_class=HTMLResponse)
async def submit_form(request: Request):
    """Store an upload, then redirect to its receipt (post/redirect/get: reloading the receipt sends nothing)."""
    store = store_of(request)
    fields: dict = {}
    try:
        request.app.state.uploads.refuse_if_closed(False)
        fields, file_name, data = await read_upload(request, store.event().max_bytes)
        receipt = await request.app.state.uploads.store_upload(fields, file_name, data)
    except EventError as err:
        return submit_view(request, status=err.status, error=err.reason, form=fields)
    return RedirectResponse(f"/receipt/{quote(receipt.withdraw_token)}", status_code=303)


def receipt_view(request: Request, token: str, status: int = 200, error: str | None = None):
    store = store_of(request)
    row = store.by_receipt(token)
    event = store.event(fresh=True)
    replaced_by = next((r for r in store.submissions() if r.replaces == row.id), None)
    return render(request, "receipt.html", status=status, event=event, facts=event_json(event), row=row,
                  token=token, for_judges=row.id in set(store.for_judges()), replaced_by=replaced_by, error=error)


@router.get("/receipt/{token}", response_class=HTMLResponse)
def receipt_page(request: Request, token: str):
    return receipt_view(request, token)


@router.post("/receipt/{token}/withdraw", response_class=HTMLResponse)
def receipt_withdraw(request: Request, token: str, reason: str = Form(""), sure: str = Form("")):
    store = store_of(request)
    row = store.by_receipt(token)
    if sure != "yes":
        return receipt_view(request, token, 422, "tick the box to confirm you withdraw this piece")
    try:
        store.withdraw(row.id, reason, token=token)
    except EventError as err:
        return receipt_view(request, token, err.status, err.reason)
    return RedirectResponse(f"/receipt/{quote(token)}", status_code=303)


@router.post("/receipt/{token}/replace", response_class=HTMLResponse)
async def receipt_replace(request: Request, token: str):
    store = store_of(request)
    row = store.by_receipt(token)
    try:
        request.app.state.uploads.refuse_if_closed(False)
        fields, file_name, data = await read_upload(request, store.event().max_bytes)
        fields = {"alias": row.alias, "title": fields.get("title") or row.title}
        new = await request.app.state.uploads.store_upload(fields, file_name, data, replaces=row.id, receipt=token)
    except EventError as err:
        return receipt_view(request, token, err.status, err.reason)
    return RedirectResponse(f"/receipt/{quote(new.withdraw_token)}", status_code=303)


@router.get("/join", response_class=HTMLResponse)
def join_page(request: Request):
    """The projector's page: the join QR code and address, nothing private."""
    return render(request, "join.html", url=base_url(request), facts=event_json(store_of(request).event()))


@router.get("/qr.svg")
def qr_code(request: Request):
    """The submission page's public address as a QR code, for the projector."""
    return Response(qr_svg(base_url(request)), media_type="image/svg+xml")


# -- judge ---------------------------------------------------------------------------------------------------------
def judge_of(request: Request, token: str) -> Judge:
    judge = store_of(request).judge_for(token)
    if judge is None:
        raise EventError("this judge link is not valid for this event; ask the facilitator for yours", 403)
    return judge


def judge_view(request: Request, token: str, status: int = 200, error: str | None = None, saved: int | None = None):
    store = store_of(request)
    judge = judge_of(request, token)
    current = store.current_round()
    pieces, trail = [], {}
    if current is not None:
        pieces = store.assignments(judge.id, current.name)
        trail = store.history(current.name, judge.id)
    mine = {piece: versions[0] for piece, versions in trail.items()}
    shown = {p.id: exports.submission_json(p, public=True, anonymous=exports.hidden(store)) for p in pieces}
    return render(request, "judge.html", status=status, judge=judge, token=token, current=current, pieces=pieces,
                  shown=shown, mine=mine, trail=trail, criteria=CRITERIA, titles=CRITERIA_TITLES, scale=SCALE,
                  anchors=ANCHORS, error=error, saved=saved)


@router.get("/judge/{token}", response_class=HTMLResponse)
def judge_page(request: Request, token: str, saved: int | None = None):
    return judge_view(request, token, saved=saved)


@router.post("/judge/{token}/score/{submission_id}", response_class=HTMLResponse)
def judge_score(request: Request, token: str, submission_id: int, originality: str = Form(""),
                balance: str = Form(""), emotional: str = Form(""), comment: str = Form("")):
    judge = judge_of(request, token)
    values = {}
    try:
        for name, raw in (("originality", originality), ("balance", balance), ("emotional", emotional)):
            if not raw.strip().isdigit():
                raise EventError(f"choose a score from 1 to 5 for {CRITERIA_TITLES[name].lower()}", 422)
            values[name] = int(raw)
        store_of(request).put_score(judge.id, submission_id, comment=comment, **values)
    except EventError as err:
        return judge_view(request, token, status=err.status, error=err.reason)
    return RedirectResponse(f"/judge/{quote(token)}?saved={submission_id}#piece-{submission_id}", status_code=303)


# -- public boards -------------------------------------------------------------------------------------------------
@router.get("/leaderboard", response_class=HTMLResponse)
def leaderboard_page(request: Request, round: str = "preliminary"):
    if round not in ("preliminary", "final", "ai"):
        raise EventError(f"there is no '{round}' leaderboard; choose preliminary, final or ai", 404)
    store = store_of(request)
    board = exports.ai_json(store) if round == "ai" else exports.leaderboard_json(store, round)
    return render(request, "leaderboard.html", board=board, tab=round, criteria=CRITERIA, titles=CRITERIA_TITLES,
                  extras=awards.plugin_sections(request.app))


@router.get("/awards", response_class=HTMLResponse)
def awards_page(request: Request):
    """The winners, names revealed, each podium piece playable; the notes first when anything is missing."""
    found = awards.awards_json(store_of(request), awards.plugin_sections(request.app))
    return render(request, "awards.html", awards=found, podium=[r for r in found["human"] if r["place"]],
                  ai=[r for r in found["ai"] if r["place"]], extras=found["quiz"])


@router.get("/docs", response_class=HTMLResponse)
def docs_page(request: Request):
    """The API, from the app's own OpenAPI schema (no CDN-hosted Swagger UI)."""
    schema = request.app.openapi()
    routes = [(path, method.upper(), op) for path, methods in schema["paths"].items() for method, op in methods.items()]
    return render(request, "docs.html", routes=routes, schema=schema)
