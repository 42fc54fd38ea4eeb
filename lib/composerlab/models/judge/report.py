"""The AI judge's report: a ranked CSV and a self-contained HTML page (thumbnails inline, no request leaves it)."""
from __future__ import annotations

import base64
import csv
import html
from dataclasses import asdict
from pathlib import Path

from composerlab.models.judge.scoring import CSV_COLUMNS, DEFAULT_WEIGHT, Verdict


def write_report(verdicts: list[Verdict], output_dir: str | Path, top_n: int = 3,
                 weight: float = DEFAULT_WEIGHT, title: str = "AI judge") -> tuple[Path, Path]:
    """Write ``ai_judge_ranking.csv`` and a self-contained ``ai_judge_report.html``; return both paths."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    csv_path, html_path = output_dir / "ai_judge_ranking.csv", output_dir / "ai_judge_report.html"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for verdict in verdicts:
            row = asdict(verdict)
            writer.writerow({k: "" if row[k] is None else row[k] for k in CSV_COLUMNS})
    html_path.write_text(report_html(verdicts, top_n, weight, title), encoding="utf-8")
    return csv_path, html_path


def report_html(verdicts: list[Verdict], top_n: int = 3, weight: float = DEFAULT_WEIGHT,
                title: str = "AI judge") -> str:
    """The ranking as one HTML page (styles and piano rolls inline, nothing to fetch)."""
    esc = html.escape
    judged = [v for v in verdicts if v.ok]
    failed = [v for v in verdicts if not v.ok]
    rows = []
    for v in judged:
        image = (f'<img alt="piano roll" src="data:image/png;base64,{base64.b64encode(v.roll_png).decode()}">'
                 if v.roll_png else "")
        cls = ' class="top"' if v.rank <= top_n else ""
        rows.append(
            f"<tr{cls}><td>{v.rank}</td><td>{esc(v.file)}</td><td>{esc(v.composer) or '<i>no alias</i>'}</td>"
            f"<td><b>{v.score:.1f}</b><br><small>best window {v.best_window_score:.1f}</small></td>"
            f"<td>{v.classifier:.2f}</td><td>{v.pitch:.2f}</td><td>{image}</td><td>{esc(v.why)}</td></tr>")
    bad = "".join(f"<tr><td>{esc(v.file)}</td><td>{esc(v.error)}</td></tr>" for v in failed)
    podium = "".join(f"<li><b>{esc(v.composer or v.file)}</b> ({esc(v.file)}): {v.score:.1f}</li>"
                     for v in judged[:top_n])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; }} td, th {{ border-bottom: 1px solid #ddd; padding: 4px 8px; vertical-align: middle; }}
tr.top {{ background: #fff6d6; }} th {{ text-align: left; background: #f3f3f3; }} small {{ color: #777; }}
</style></head><body>
<h1>{esc(title)}</h1>
<p>{len(judged)} submissions judged, {len(failed)} could not be judged. Score = 100 &times;
({weight:g} &times; classifier + {1 - weight:g} &times; pitch similarity). Classifier: the model's
probability that 8-bar windows are by Bach (mean over the piece); pitch: how close the piece's pitch
distribution is to the chorales' (1 - Kolmogorov-Smirnov distance).</p>
<h2>Top {top_n}</h2><ol>{podium}</ol>
<h2>Ranking</h2>
<table><tr><th>Rank</th><th>File</th><th>Composer</th><th>Score</th><th>Classifier</th><th>Pitch</th>
<th>Piano roll (first 8 bars)</th><th>Why</th></tr>
{''.join(rows)}</table>
<h2>Not judged</h2>
{f'<table><tr><th>File</th><th>Reason</th></tr>{bad}</table>' if failed else '<p>None: every file was judged.</p>'}
</body></html>
"""
