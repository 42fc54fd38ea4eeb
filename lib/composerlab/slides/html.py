"""A parsed deck as one self-contained HTML file: 16:9 slides, keyboard navigation, print to PDF.

Everything is in the file: our own CSS and JavaScript from ``static/``
(inlined), figures as ``data:`` URIs, system fonts. Opening it makes no
request at all, so it works offline and on a projector laptop.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

from markdown_it import MarkdownIt

from composerlab.slides.deck import Deck, Directive, Slide
from composerlab.slides.figures import draw
from composerlab.slides.results import Results

STATIC = Path(__file__).resolve().parent / "static"
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_.]+)\s*\}\}")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def _markdown() -> MarkdownIt:
    # CommonMark plus tables; HTML on, since the builder inserts figure and winner blocks into the text.
    return MarkdownIt("commonmark", {"html": True, "typographer": True}).enable(["table", "replacements"])


def missing_marker(name: str) -> str:
    """How a placeholder without a value shows on a slide: marked, so nobody presents it by mistake."""
    return f'<span class="placeholder">[{html.escape(name)}: build with --event DIR]</span>'


def fill(text: str, values: dict[str, str]) -> str:
    """Replace ``{{ name }}`` in Markdown ``text``: values escaped for Markdown and HTML, missing ones marked."""
    def one(match):
        name = match.group(1)
        if name in values:
            return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(values[name], quote=False))
        return missing_marker(name)
    return _PLACEHOLDER.sub(one, text)


def _winner(directive: Directive, results: Results | None) -> str:
    category, place = directive.args[0], int(directive.args[1]) if len(directive.args) > 1 else 1
    label = {"human": "human judges", "ai": "AI judge"}.get(category, category)
    if results is None:
        return (f'<div class="winner"><div class="rank">{place}</div>'
                f'<div class="who">{missing_marker(f"winner {place}, {label}")}</div></div>')
    entry = results.placed(category, place)
    if entry is None:
        return f'<div class="winner"><div class="rank">{place}</div><div class="who">(no entry)</div></div>'
    title = f'<div class="title">{html.escape(entry.title)}</div>' if entry.title else ""
    comments = f'<blockquote>{html.escape(entry.comments)}</blockquote>' if entry.comments else ""
    unit = "points" if category == "human" else "/ 100"
    # the piece itself, embedded: the deck plays it offline, from a projector laptop
    audio = (f'<audio class="play" controls preload="none" src="{entry.audio}" '
             f'aria-label="play {html.escape(entry.title or entry.composer)}"></audio>') if entry.audio else ""
    return (f'<div class="winner rank{place}"><div class="rank">{place}</div><div class="who">'
            f'<div class="composer">{html.escape(entry.composer)}</div>{title}'
            f'<div class="points">{entry.points:g} {unit}</div>{audio}{comments}</div></div>')


def _ranking(directive: Directive, results: Results | None) -> str:
    category = directive.args[0]
    if results is None:
        return f"<p>{missing_marker(f'{category} ranking')}</p>"
    limit = int(directive.params.get("top", 10))
    rows = "".join(f"<tr><td>{e.rank}</td><td>{html.escape(e.composer)}</td><td>{html.escape(e.title)}</td>"
                   f"<td>{e.points:g}</td></tr>" for e in results.category(category)[:limit])
    return ('<table class="ranking"><thead><tr><th>rank</th><th>composer</th><th>composition</th>'
            f"<th>points</th></tr></thead><tbody>{rows}</tbody></table>")


def _figure(directive: Directive, results: Results | None, values: dict[str, str]) -> str:
    name = directive.args[0]
    caption = directive.params.pop("caption", "")
    uri = draw(name, dict(directive.params), results, values)
    alt = html.escape(caption or f"figure: {name}")
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f'<figure class="fig" data-figure="{html.escape(name)}"><img src="{uri}" alt="{alt}">{cap}</figure>'


def render_slide(slide: Slide, md: MarkdownIt, values: dict[str, str], results: Results | None) -> str:
    """One slide as a ``<section>``: its Markdown, its figures and results blocks, its notes (hidden)."""
    pieces = []
    for part in slide.parts:
        if isinstance(part, str):
            pieces.append(md.render(fill(part, values)))
        elif part.kind == "figure":
            pieces.append(_figure(part, results, values))
        elif part.kind == "winner":
            pieces.append(_winner(part, results))
        elif part.kind == "ranking":
            pieces.append(_ranking(part, results))
    notes = f'<aside class="notes">{md.render(fill(slide.notes, values))}</aside>' if slide.notes else ""
    classes = " ".join(["slide"] + slide.classes)
    return (f'<section class="{classes}" id="s{slide.number}" data-number="{slide.number}">'
            f'<div class="body">{"".join(pieces)}</div><footer>{slide.number}</footer>{notes}</section>')


def render_deck(deck: Deck, values: dict[str, str] | None = None, results: Results | None = None) -> str:
    """The whole deck as a self-contained HTML document."""
    md = _markdown()
    values = values or {}
    sections = "\n".join(render_slide(s, md, values, results) for s in deck.slides)
    title = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), f"[{m.group(1)}]"), deck.title)
    css = (STATIC / "deck.css").read_text(encoding="utf-8")
    js = (STATIC / "deck.js").read_text(encoding="utf-8")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; media-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>{html.escape(title)}</title>
<style>{css}</style>
</head>
<body>
<main class="deck" data-slides="{len(deck.slides)}">
{sections}
</main>
<div class="notes-panel" hidden></div>
<script>{js}</script>
</body>
</html>
"""
