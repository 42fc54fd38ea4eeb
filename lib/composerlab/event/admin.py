"""The facilitator's page (``/admin/<token>``) and its forms: the day run click by click.

Submissions open and closed (a deadline, a late piece accepted), the public address, the panel of judges
and their progress (add, absent, present, remove), the rounds, the AI judge, withdrawals, the settings,
the exports. Every action that cannot be undone first shows a confirmation page saying what it will do
(and, to close a round, which pieces still lack a score); every form posts and redirects with a line
saying what was done.
"""
from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from composerlab.event import awards, exports, settings
from composerlab.event.control import event_json
from composerlab.event.forms import read_upload
from composerlab.event.judging import start_ai_judge
from composerlab.event.pages import base_url, render, store_of
from composerlab.event.rules import EventError
from composerlab.event.store import Store

router = APIRouter(include_in_schema=False)
YES = "yes"


def admin_of(request: Request, token: str) -> Store:
    store = store_of(request)
    if not store.is_admin(token):
        raise EventError("this facilitator link is not valid for this event", 403)
    return store


@router.get("/admin/{token}", response_class=HTMLResponse)
def admin_page(request: Request, token: str, done: str | None = None, error: str | None = None, status: int = 200):
    store = admin_of(request, token)
    event = store.event(fresh=True)
    rounds = store.rounds()
    judged = set(store.for_judges())
    return render(request, "admin.html", status=status, event=event, facts=event_json(event), token=token,
                  base=base_url(request), judges=store.judges(), progress=store.progress(),
                  rounds={n: exports.round_json(r, store) for n, r in rounds.items()},
                  submissions=store.submissions(), judged=judged, ai=exports.ai_json(store, reveal=True),
                  unscored={n: store.unscored(n) for n in rounds}, error=error, done=done,
                  awards=awards.awards_json(store),
                  warning=settings.check_public_url(event.public_url).warning, zones=("UTC", event.timezone))


def done(token: str, message: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/{quote(token)}?done={quote(message)}", status_code=303)


def confirm(request: Request, token: str, action: str, title: str, lines: list[str], fields: dict,
            button: str) -> HTMLResponse:
    """The page that asks before an action: what it does, the form's fields again, a button to go on."""
    return render(request, "confirm.html", token=token, action=action, title=title, lines=lines,
                  fields={**fields, "confirm": YES}, button=button)


def act(request: Request, token: str, run) -> HTMLResponse | RedirectResponse:
    """Run ``run(store) -> message`` and redirect with it; a refusal shows the page again with the reason."""
    store = admin_of(request, token)
    try:
        return done(token, run(store))
    except EventError as err:
        return admin_page(request, token, error=err.reason, status=err.status)


async def form_of(request: Request) -> dict:
    return {key: value for key, value in (await request.form()).items() if isinstance(value, str)}


# -- submissions -------------------------------------------------------------------------------------------------
@router.post("/admin/{token}/submissions/open", response_class=HTMLResponse)
async def open_submissions(request: Request, token: str):
    form = await form_of(request)

    def run(store: Store) -> str:
        event = store.event()
        deadline = settings.parse_deadline(form.get("deadline"), event.timezone)
        store.set_submissions(True, deadline)
        until = f" until {settings.clock_text(deadline, event.timezone, day=True)}" if deadline else ""
        return f"Submissions are open{until}."
    return act(request, token, run)


@router.post("/admin/{token}/submissions/close", response_class=HTMLResponse)
async def close_submissions(request: Request, token: str):
    form = await form_of(request)
    store = admin_of(request, token)
    if form.get("confirm") != YES:
        count = settings.pieces_text(len(store.submissions()))
        return confirm(request, token, "submissions/close", "Close submissions now?",
                       [f"{count} received so far.", "Contestants' uploads are refused from now on, with the time "
                        "they closed; you can still accept a late piece on this page (it is marked late)."],
                       {}, "Yes, close submissions")
    return act(request, token, lambda s: f"Submissions {settings.closed_reason(s.set_submissions(False))}.")


@router.post("/admin/{token}/late", response_class=HTMLResponse)
async def accept_late(request: Request, token: str):
    """The facilitator uploads a piece after submissions closed (it is marked late everywhere)."""
    store = admin_of(request, token)
    try:
        fields, file_name, data = await read_upload(request, store.event().max_bytes)
        receipt = await request.app.state.uploads.store_upload(fields, file_name, data, accept_late=True)
    except EventError as err:
        return admin_page(request, token, error=f"Not stored: {err.reason}", status=err.status)
    late = " (marked late)" if receipt.late else ""
    return done(token, f"Stored {receipt.stored_as}{late}; its receipt: {base_url(request)}receipt/"
                       f"{receipt.withdraw_token}")


@router.post("/admin/{token}/submissions/{submission_id}/withdraw", response_class=HTMLResponse)
async def withdraw(request: Request, token: str, submission_id: int):
    form = await form_of(request)
    store = admin_of(request, token)
    row = store.submission(submission_id)
    if form.get("confirm") != YES:
        return confirm(request, token, f"submissions/{submission_id}/withdraw", f"Withdraw #{row.id} {row.title}?",
                       [f"By {row.alias or '(no alias)'}, stored as {row.stored_as}.",
                        "It leaves the rounds, the boards and the AI ranking; it stays in the exports with the "
                        "reason.", f"Reason: {form.get('reason') or '(none given: write one)'}"],
                       {"reason": form.get("reason", "")}, "Yes, withdraw it")
    return act(request, token, lambda s: f"Withdrew #{s.withdraw(submission_id, form.get('reason', '')).id}: "
                                         f"{form.get('reason', '')}.")


# -- address and settings ----------------------------------------------------------------------------------------
@router.post("/admin/{token}/settings", response_class=HTMLResponse)
async def change_settings(request: Request, token: str):
    form = await form_of(request)

    def run(store: Store) -> str:
        changes = {}
        if "public_url" in form:
            changes["public_url"] = form["public_url"]
        if "timezone" in form:
            changes["timezone"] = form["timezone"].strip()
        for key in ("max_per_composer", "judged_per_composer", "minutes_per_piece"):
            if form.get(key, "").strip():
                if not form[key].strip().isdigit():
                    raise EventError(f"{settings.SETTINGS[key]}: a whole number, not '{form[key]}'", 422)
                changes[key] = int(form[key])
        if "flags" in form:  # the check boxes are sent only when ticked
            changes["anonymous"] = form.get("anonymous") == "on"
            changes["podium_unique"] = form.get("podium_unique") == "on"
        event = store.update_settings(**changes)
        request.app.state.public_url = event.public_url or request.app.state.serve_url
        warning = settings.check_public_url(event.public_url).warning
        return "Settings saved." + (f" Warning: {warning}" if warning else "")
    return act(request, token, run)


# -- judges --------------------------------------------------------------------------------------------------------
@router.post("/admin/{token}/judges", response_class=HTMLResponse)
async def add_judge(request: Request, token: str):
    form = await form_of(request)
    return act(request, token, lambda s: (lambda j: f"Added the judge {j.name}: their private link is "
                                          f"{base_url(request)}judge/{j.token}")(s.add_judge(form.get("name", ""))))


def moved_text(report: dict) -> str:
    parts = [f"{settings.pieces_text(report['moved'])} moved to the judges present"]
    if report["dropped"]:
        parts.append(f"{settings.pieces_text(report['dropped'])} judged by their other judges alone")
    if report["to_sender"]:
        parts.append(f"{settings.pieces_text(report['to_sender'])} go to the one judge left, who sent them")
    if report["stuck"]:
        parts.append(f"nobody present may judge #{', #'.join(map(str, report['stuck']))}: add a judge")
    return "; ".join(parts) if report["round"] else "no round is open, so nothing moved"


@router.post("/admin/{token}/judges/{name}/{change}", response_class=HTMLResponse)
async def judge_change(request: Request, token: str, name: str, change: str):
    form = await form_of(request)
    store = admin_of(request, token)
    if change not in ("absent", "present", "remove"):
        raise EventError(f"'{change}' is not something a judge can be marked: absent, present or remove", 404)
    judge = store.judge_named(name)
    if change != "present" and form.get("confirm") != YES:
        progress = store.progress()
        mine = progress["judges"].get(judge.name, {"assigned": 0, "scored": 0})
        left = mine["assigned"] - mine["scored"]
        what = ("Remove" if change == "remove" else "Mark absent") + f" {judge.name}?"
        lines = [f"{judge.name} has scored {mine['scored']} of {mine['assigned']} in the open round "
                 f"({progress['round'] or 'no round is open'}).",
                 f"Their {settings.pieces_text(left)} still to score move to the judges present, evenly, never to "
                 "the judge who sent a piece to the final."]
        if change == "remove":
            lines.append("Their private link stops working; every score they gave is kept.")
        return confirm(request, token, f"judges/{quote(judge.name)}/{change}", what, lines, {},
                       "Yes, " + ("remove them" if change == "remove" else "mark them absent"))
    runs = {"absent": lambda s: f"{judge.name} is absent: {moved_text(s.mark_absent(judge.name))}.",
            "present": lambda s: (s.mark_present(judge.name), f"{judge.name} is present again.")[1],
            "remove": lambda s: f"Removed {judge.name}: {moved_text(s.remove_judge(judge.name))}."}
    return act(request, token, runs[change])


# -- rounds and the AI judge -------------------------------------------------------------------------------------
@router.post("/admin/{token}/rounds/preliminary", response_class=HTMLResponse)
async def open_preliminary(request: Request, token: str):
    form = await form_of(request)
    store = admin_of(request, token)
    seed = int(form["seed"]) if form.get("seed", "").strip().lstrip("-").isdigit() else None
    top = form.get("from_ai_top", "").strip()
    if top and not top.isdigit():
        return admin_page(request, token, error=f"the AI judge's top N must be a whole number, not '{top}'",
                          status=422)
    top_n = int(top) if top else None
    # the AI judge's top N is the one-day format: every judge scores those N (the API can still deal them)
    mode = "everyone" if top_n else (form.get("mode") or None)
    if form.get("confirm") != YES:
        pieces = len(store.for_judges())
        judges = [j.name for j in store.judges() if j.present and not j.removed]
        how = (f"every judge scores the AI judge's top {top_n}" if top_n else
               "every judge scores everything" if mode == "everyone" else "dealt evenly at random")
        lines = [f"{settings.pieces_text(pieces)} count for the judges; {how}; judges present: "
                 f"{', '.join(judges) or 'none'}."]
        if settings.closed_reason(store.event()) is None:
            lines.append("Submissions are still open: opening the round closes them now.")
        return confirm(request, token, "rounds/preliminary", "Open the preliminary round?", lines,
                       {k: form.get(k, "") for k in ("mode", "seed", "from_ai_top")}, "Yes, open the preliminary round")
    return act(request, token, lambda s: f"The preliminary round is open ({s.open_preliminary(mode, seed, top_n).mode}).")


@router.post("/admin/{token}/rounds/final", response_class=HTMLResponse)
async def open_final(request: Request, token: str):
    form = await form_of(request)
    top = int(form["top"]) if form.get("top", "").strip().isdigit() else 3
    if form.get("confirm") != YES:
        admin_of(request, token)
        return confirm(request, token, "rounds/final", "Open the final?",
                       [f"Each judge's top {top} of the preliminary go through, judged by the other judges present."],
                       {"top": str(top)}, "Yes, open the final")

    def run(store: Store) -> str:
        final = store.open_final(top)
        return "The final is open." + (f" Note: {final.note}." if final.note else "")
    return act(request, token, run)


@router.post("/admin/{token}/rounds/{round_name}/close", response_class=HTMLResponse)
async def close_round(request: Request, token: str, round_name: str):
    form = await form_of(request)
    store = admin_of(request, token)
    if form.get("confirm") != YES:
        missing = store.unscored(round_name)
        lines = [f"{settings.pieces_text(len(missing), 'score')} still missing; these pieces will not reach the "
                 "board:"] + [f"#{m['id']} {m['title']} (waiting for {m['judge']})" for m in missing] if missing else [
                 "Every assigned piece has all its scores."]
        return confirm(request, token, f"rounds/{round_name}/close", f"Close the {round_name} round?",
                       lines + ["Scores can no longer change once it is closed."], {}, f"Yes, close the {round_name} round")
    return act(request, token, lambda s: f"The {s.close_round(round_name, confirm=True).name} round is closed.")


@router.post("/admin/{token}/ai", response_class=HTMLResponse)
def run_ai(request: Request, token: str):
    return act(request, token, lambda s: f"The AI judge is running (run {start_ai_judge(s, request.app.state.ai_model_path)}).")
