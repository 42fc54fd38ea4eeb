"""What the facilitator does from a terminal or a notebook: links, QR codes, a rehearsal, waiting on the AI judge.

Used by ``composerlab event new`` / ``composerlab serve`` and by
``facilitator/run_event.ipynb``.
"""
from __future__ import annotations

import io
import random
import socket
import time
from urllib.parse import quote

import segno

from composerlab.event.judging import latest_run
from composerlab.event.rules import CRITERIA
from composerlab.event.store import Store
from composerlab.music.midi import midi_bytes
from composerlab.music.samples import SAMPLES, load_sample


def links(base: str, store: Store) -> dict:
    """The event's addresses: public pages, the facilitator's and each judge's private link."""
    base = base.rstrip("/")
    event = store.event()
    return {"submit": f"{base}/", "leaderboard": f"{base}/leaderboard", "awards": f"{base}/awards",
            "api": f"{base}/docs", "admin": f"{base}/admin/{quote(event.admin_token)}",
            "judges": {j.name: f"{base}/judge/{quote(j.token)}" for j in store.judges()}}


def links_text(found: dict) -> str:
    lines = [f"  submission page:  {found['submit']}", f"  leaderboard:      {found['leaderboard']}",
             f"  awards:           {found['awards']}", f"  API:              {found['api']}",
             f"  facilitator (private): {found['admin']}"]
    lines += [f"  judge {name} (private): {url}" for name, url in found["judges"].items()]
    return "\n".join(lines)


def qr_svg(url: str, scale: int = 6) -> str:
    """A QR code of ``url`` as SVG text (the submission page on the projector)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=scale, border=2)
    return buffer.getvalue().decode()


def lan_address() -> str:
    """This machine's address on the local network (no packet is sent), or 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def rehearsal_submissions(store: Store, n: int = 6, seed: int = 0) -> list[str]:
    """Upload ``n`` sample melodies under made-up aliases, to rehearse the event before contestants arrive."""
    keys = sorted(SAMPLES)
    rng = random.Random(seed)
    stored = []
    for i in range(n):
        key = keys[i % len(keys)]
        music = load_sample(key, program=rng.choice([0, 40, 73]))
        receipt = store.add_submission(f"rehearsal_{i + 1}", f"{SAMPLES[key].title} (take {i // len(keys) + 1})",
                                       f"{key}.mid", midi_bytes(music))
        stored.append(receipt.stored_as)
    return stored


def rehearsal_scores(store: Store, seed: int = 0) -> int:
    """Every judge scores every piece assigned in the open round at random, with a comment (a rehearsal only)."""
    current = store.current_round()
    if current is None:
        return 0
    rng = random.Random(seed)
    sent = 0
    for judge in store.judges():
        for piece in store.assignments(judge.id, current.name):
            values = {c: rng.randint(1, 5) for c in CRITERIA}
            store.put_score(judge.id, piece.id, comment=f"{judge.name}: a rehearsal comment on {piece.title}",
                            **values)
            sent += 1
    return sent


def wait_for_ai_judge(store: Store, timeout: float = 600.0, every: float = 1.0, progress=print):
    """Wait until the latest AI-judge run ends (printing done/total as it goes); returns the run."""
    ends, shown = time.monotonic() + timeout, None
    while True:
        run = latest_run(store)
        if run is None:
            raise RuntimeError("the AI judge has not been started")
        if (run.done, run.total) != shown and progress:
            progress(f"AI judge: {run.done}/{run.total} judged ({run.state})")
            shown = (run.done, run.total)
        if run.state != "running":
            return run
        if time.monotonic() > ends:
            raise TimeoutError(f"the AI judge was still running after {timeout:.0f} s")
        time.sleep(every)
