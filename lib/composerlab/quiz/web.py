"""Putting the live quiz on the event's server: :func:`install` is the plugin ``create_app`` calls.

The quiz and the event server are siblings in the layers (neither imports the
other), so the command line composes them: ``composerlab serve`` builds the
event's app with ``plugins=(install,)``, and the quiz notebook starts the
server the same way. :func:`install` needs three things of the app it joins,
all duck-typed: ``app.state.store`` with ``engine`` (the event's database, where
the quiz keeps its tables), ``is_admin(token)`` (the facilitator hosts the
quiz) and ``event().name``; and ``app.state.awards``, a list to which it adds
the quiz's winners for the awards page.
"""
from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from composerlab.quiz import api, pages
from composerlab.quiz.bank import QuizBankError, UnknownBankError
from composerlab.quiz.game import QuizError
from composerlab.quiz.server import QuizSaveError, QuizServer
from composerlab.quiz.store import QuizStore

def _refusal(request: Request, status: int, body: dict):
    if request.url.path.startswith("/api/"):
        return JSONResponse(body, status_code=status)
    return pages.render(request, "error.html", status=status, reason=body["error"],
                        problems=body.get("problems", []))


def install(app) -> QuizServer:
    """Add the quiz (API, pages, tables in the event's database, its winners on the awards page) to ``app``."""
    quiz = QuizServer(QuizStore(app.state.store.engine))
    app.state.quiz = quiz
    app.state.quiz_templates = pages.templates()
    app.include_router(api.router)
    app.include_router(pages.router)

    @app.exception_handler(QuizError)
    async def quiz_error(request: Request, err: QuizError):
        return _refusal(request, api.STATUS.get(err.code, 409), err.to_dict())

    @app.exception_handler(QuizBankError)
    async def bank_error(request: Request, err: QuizBankError):
        return _refusal(request, 422, {"error": f"{err.name}: the bank has {len(err.problems)} problem"
                                                f"{'s' if len(err.problems) != 1 else ''}", "code": "bank_invalid",
                                       "problems": [str(p) for p in err.problems]})

    @app.exception_handler(UnknownBankError)
    async def unknown_bank(request: Request, err: UnknownBankError):
        return _refusal(request, 404, {"error": str(err), "code": "unknown_bank"})

    @app.exception_handler(QuizSaveError)
    async def save_error(request: Request, err: QuizSaveError):
        return _refusal(request, 503, {"error": str(err), "code": "not_saved"})

    app.state.awards.append(lambda: awards(quiz))
    return quiz


def awards(quiz: QuizServer) -> list[dict]:
    """The awards page's quiz section: the latest finished game's podium (read from the database)."""
    top = quiz.store.winners(3)
    rows = [{"rank": r["rank"], "name": r["nickname"], "detail": f"{r['points']} points"} for r in top]
    title = f"Quiz champion ({top[0]['title']})" if top else "Quiz champion"
    return [{"id": "quiz-winners", "title": title, "rows": rows,
             "empty": "No quiz has been played to the end yet."}]
