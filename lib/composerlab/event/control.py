"""The facilitator's JSON controls of the day: submissions open and closed, the event's settings, the panel of
judges and their progress; and the event's public facts (``GET /api/event``).

Routes of the API (``/api/...``, the facilitator's bearer token), apart from :mod:`~composerlab.event.api` only
to keep each module to one concern; the pages' admin forms call the same store methods.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, StrictBool, StrictInt

from composerlab.event import settings
from composerlab.event.api import BEARER, require_admin, store_of
from composerlab.event.exports import when
from composerlab.event.settings import clock_text, closed_reason, megabytes
from composerlab.event.store import Store
from composerlab.event.tables import Event

router = APIRouter(prefix="/api", tags=["facilitator"])


class OpenIn(BaseModel):
    deadline: str | None = Field(None, description="ISO time (with a zone, or the event's local time) or 15:00")


class SettingsIn(BaseModel):
    public_url: str | None = Field(None, description=settings.SETTINGS["public_url"])
    timezone: str | None = Field(None, description=settings.SETTINGS["timezone"])
    max_per_composer: StrictInt | None = Field(None, ge=1, le=50, description=settings.SETTINGS["max_per_composer"])
    judged_per_composer: StrictInt | None = Field(None, ge=1, le=50,
                                                  description=settings.SETTINGS["judged_per_composer"])
    podium_unique: StrictBool | None = Field(None, description=settings.SETTINGS["podium_unique"])
    anonymous: StrictBool | None = Field(None, description=settings.SETTINGS["anonymous"])
    minutes_per_piece: StrictInt | None = Field(None, ge=1, le=60, description=settings.SETTINGS["minutes_per_piece"])


class JudgeIn(BaseModel):
    name: str = Field(..., min_length=1, max_length=100)


def event_json(event: Event) -> dict:
    """What anyone may know of the event: its name, whether submissions are open and until when, its rules."""
    reason = closed_reason(event)
    return {"name": event.name, "open": reason is None, "closed_reason": reason, "deadline": when(event.deadline),
            "deadline_local": clock_text(event.deadline, event.timezone, day=True), "timezone": event.timezone,
            "public_url": event.public_url, "max_per_composer": event.max_per_composer,
            "judged_per_composer": event.judged_per_composer, "max_mb": round(event.max_bytes / 1e6, 1),
            "max_size": megabytes(event.max_bytes), "minutes_per_piece": event.minutes_per_piece,
            "anonymous": event.anonymous, "podium_unique": event.podium_unique}


def sync_public_url(request: Request, event: Event) -> None:
    """The address the quiz's join links and QR codes use follows the event's public URL when it changes."""
    request.app.state.public_url = event.public_url or getattr(request.app.state, "serve_url", None)


@router.get("/event")
def event_facts(request: Request):
    """The event's public facts: submissions open or closed (``closed_reason``), the deadline, the limits."""
    return event_json(store_of(request).event())


@router.post("/submissions/open", openapi_extra=BEARER)
def open_submissions(request: Request, body: OpenIn | None = None, store: Store = Depends(require_admin)):
    """Open submissions, optionally until a deadline (after it uploads are refused as when closed)."""
    event = store.event()
    deadline = settings.parse_deadline((body or OpenIn()).deadline, event.timezone)
    event = store.set_submissions(True, deadline)
    return {"open": closed_reason(event) is None, "deadline": when(event.deadline)}


@router.post("/submissions/close", openapi_extra=BEARER)
def close_submissions(store: Store = Depends(require_admin)):
    """Close submissions now: uploads are refused with the time they closed; the facilitator may still
    accept a late one (``POST /api/submissions`` with the facilitator's token), marked late."""
    event = store.set_submissions(False)
    return {"open": False, "deadline": when(event.deadline), "closed_reason": closed_reason(event)}


@router.post("/settings", openapi_extra=BEARER)
def change_settings(body: SettingsIn, request: Request, store: Store = Depends(require_admin)):
    """Change any of the event's settings (only those sent); the public URL is checked (a scheme, a host
    other devices reach) and the answer carries a ``warning`` to read when it is this machine's own."""
    changes = body.model_dump(exclude_none=True)
    warning = settings.check_public_url(changes["public_url"]).warning if "public_url" in changes else None
    event = store.update_settings(**changes)
    sync_public_url(request, event)
    return {**event_json(event), "warning": warning}


@router.post("/judges", status_code=201, openapi_extra=BEARER)
def add_judge(body: JudgeIn, store: Store = Depends(require_admin)):
    """Add a judge: their name and private token (their link is ``/judge/<token>``)."""
    judge = store.add_judge(body.name)
    return {"name": judge.name, "token": judge.token}


@router.post("/judges/{name}/absent", openapi_extra=BEARER)
def judge_absent(name: str, store: Store = Depends(require_admin)):
    """Mark a judge absent: their unscored pieces of the open round move to the judges present, evenly,
    never to the judge who sent that piece to the final: ``{"moved": n, "dropped", "stuck", ...}``."""
    return store.mark_absent(name)


@router.post("/judges/{name}/present", openapi_extra=BEARER)
def judge_present(name: str, store: Store = Depends(require_admin)):
    """A judge is back: later rounds deal to them again."""
    return store.mark_present(name)


@router.delete("/judges/{name}", openapi_extra=BEARER)
def remove_judge(name: str, store: Store = Depends(require_admin)):
    """Remove a judge: their link stops working; their unscored pieces move as for an absence; their scores
    stay."""
    return store.remove_judge(name)


@router.get("/progress", openapi_extra=BEARER)
def progress(store: Store = Depends(require_admin)):
    """The open round's progress per judge: assigned, scored (and present, removed)."""
    return store.progress()
