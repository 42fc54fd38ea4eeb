"""The host's view of a live quiz inside a notebook (ipywidgets), driving the server's JSON API.

:class:`HostView` shows what the web host page shows, for a facilitator who
runs the event from Jupyter: the join link, the PIN and the QR code big, the
lobby filling with nicknames, then per question its text, the seconds left and
the count of answers, the reveal (answers per choice, the correct ones, the top
five) and the podium. Its one button is the host's "next"; a thread refreshes
the view twice a second while :meth:`HostView.watch` runs. Every name shown is
HTML-escaped.
"""
from __future__ import annotations

import threading
from html import escape

import ipywidgets as widgets

from composerlab.quiz.host import QuizAPIError, QuizHost, ranking_html

COLOURS = ("#e21b3c", "#1368ce", "#d89e00", "#26890c")
SHAPES = ("▲", "◆", "●", "■")


def status_html(status: dict, join_url: str, qr_svg: str = "") -> str:
    """The host's screen for one status of the game, as HTML (what :class:`HostView` shows)."""
    state = status["state"]
    if state == "lobby":
        names = " ".join(f"<span style='background:#eee;border-radius:1em;padding:.2em .7em;margin:.2em;"
                         f"display:inline-block'>{escape(n)}</span>" for n in status["nicknames"])
        return (f"<div style='display:flex;gap:2em;align-items:center'><div style='width:260px'>{qr_svg}</div>"
                f"<div><p style='font-size:1.6em;margin:0'>Join at <b>{escape(join_url)}</b></p>"
                f"<p style='font-size:5em;font-weight:900;letter-spacing:.1em;margin:0'>{escape(status['pin'])}</p>"
                f"</div></div><h3>{status['players']} players</h3><div>{names}</div>")
    if state == "finished":
        places = "".join(f"<div style='text-align:center;width:12em'><b style='font-size:1.6em'>"
                         f"{escape(r['nickname'])}</b><br>{r['points']} points<div style='background:"
                         f"{'#c99a06' if r['rank'] == 1 else '#ccc'};height:{(4 - r['rank']) * 3}em;font-size:2em;"
                         f"font-weight:900'>{r['rank']}</div></div>"
                         for r in sorted(status["podium"], key=lambda r: (2, 1, 3).index(r["rank"])))
        return f"<h2>Podium</h2><div style='display:flex;align-items:flex-end;gap:1em'>{places or 'Nobody played.'}</div>"
    question, reveal = status["question"], status.get("reveal")
    head = (f"<p>Question {status['question_number']} of {status['questions']} · "
            + (f"<b>{status['seconds_left']:.0f} s left</b> · " if state == "question" else "<b>closed</b> · ")
            + f"{status['answers']} of {status['players']} answered</p>"
            f"<h2 style='font-size:1.8em'>{escape(question['question'])}</h2>")
    rows = []
    for i, text in enumerate(question["choices"]):
        mark = count = ""
        if reveal:
            mark = " ✓" if i in reveal["correct"] else ""
            count = f"<b style='float:right'>{reveal['counts'][i]}</b>"
        faded = ";opacity:.45" if reveal and i not in reveal["correct"] else ""
        rows.append(f"<div style='background:{COLOURS[i]};color:#fff;padding:.6em 1em;margin:.3em 0;"
                    f"border-radius:8px;font-size:1.3em{faded}'>{SHAPES[i]} {escape(text)}{mark}{count}</div>")
    html = head + "".join(rows)
    if reveal:
        if reveal.get("explanation"):
            html += f"<p><i>{escape(reveal['explanation'])}</i></p>"
        html += ranking_html(reveal["top"])
    return html


class HostView:
    """A game's host screen in a notebook: ``display(view.widget)``, then click "Next" (or call :meth:`next`)."""

    def __init__(self, host: QuizHost):
        self.host = host
        self.join_url = host.join_url()
        self.qr = host.qr_svg()
        self.screen = widgets.HTML()
        self.button = widgets.Button(description="Start", button_style="primary",
                                     layout=widgets.Layout(width="14em", height="3em"))
        self.message = widgets.HTML()
        self.button.on_click(lambda _: self.next())
        link = f"<a href='{escape(host.host_page())}' target='_blank'>the same view as a web page</a>"
        self.widget = widgets.VBox([widgets.HBox([self.button, self.message]), self.screen,
                                    widgets.HTML(f"<small>Open {link} for the projector.</small>")])
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.refresh()

    def refresh(self) -> dict:
        """Read the game's status and redraw; returns the status."""
        status = self.host.status()
        self.screen.value = status_html(status, self.join_url, self.qr)
        labels = {"lobby": "Start", "question": "Close question", "finished": "Game over",
                  "reveal": "Next question" if status["question_number"] < status["questions"] else "Podium"}
        self.button.description = labels[status["state"]]
        self.button.disabled = status["state"] == "finished"
        return status

    def next(self) -> dict:
        """The host's "next"; a refusal (nobody joined yet) is shown beside the button."""
        try:
            self.host.next()
            self.message.value = ""
        except QuizAPIError as err:
            self.message.value = f"<span style='color:#b3261e'>{escape(err.reason)}</span>"
        return self.refresh()

    def watch(self, every: float = 0.5) -> "HostView":
        """Redraw every ``every`` seconds on a thread (the lobby filling, the countdown), until :meth:`stop`."""
        def run():
            while not self._stop.wait(every):
                try:
                    self.refresh()
                except (QuizAPIError, OSError):
                    pass

        self._stop.clear()
        self._thread = threading.Thread(target=run, name="quiz-host-view", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
