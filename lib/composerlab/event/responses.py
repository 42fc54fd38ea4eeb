"""The event's one way to refuse a request: ``{"error": reason}`` for the API, the error page for a browser."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response


def refusal_json(status: int, reason: str, headers: dict | None = None) -> JSONResponse:
    """``{"error": reason}`` with the status; a 401 says which scheme it wants (``WWW-Authenticate: Bearer``)."""
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    return JSONResponse({"error": reason}, status_code=status, headers=headers)


def refusal(request: Request, status: int, reason: str, headers: dict | None = None) -> Response:
    """:func:`refusal_json` under ``/api``; elsewhere the error page, with the same status and reason."""
    path = request.url.path
    if path == "/api" or path.startswith("/api/"):
        return refusal_json(status, reason, headers)
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    state = request.app.state
    html = state.templates.get_template("error.html").render(status=status, reason=reason, page="error",
                                                             event=state.store.event())
    return HTMLResponse(html, status_code=status, headers=headers)
