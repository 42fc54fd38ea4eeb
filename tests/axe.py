"""Accessibility audits in the browser tests: axe-core (vendored in ``tests/vendor/axe-core``) run in a Playwright page."""
from __future__ import annotations

from pathlib import Path

AXE_SCRIPT = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def audit(page, impacts=SERIOUS, context: str | None = None) -> list[dict]:
    """axe-core's violations on ``page`` (a Playwright page, loaded) with one of ``impacts``.

    Each item: ``{"id", "impact", "help", "targets"}``, so an assertion message names the rule and
    the elements. ``context`` is a CSS selector to audit only part of the page.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_SCRIPT.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (ctx) => await window.axe.run(ctx ? document.querySelector(ctx) : document,"
        " {resultTypes: ['violations']})", context)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "targets": [" ".join(map(str, node["target"])) for node in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in impacts]


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than its viewport (0: no sideways scrolling)."""
    return int(page.evaluate("() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"))
