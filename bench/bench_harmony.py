"""Benchmark of accompaniment harmony on tunes that are not chorale sopranos.

Run: ``python bench/bench_harmony.py`` (about 5 minutes on a 2-core CPU the
first time, while music21 parses the tune books; the tunes are then kept in
``.cache/harmony_tunes/``). ``--model`` names another model or chain,
``--json`` saves every figure, ``--reference`` measures the chorales'
reference ranges again, ``--extra`` measures :data:`EXTRA_TUNES` too (other
books' tunes, to check that nothing was fitted to :data:`TUNES`), and
``--compare-raw`` judges the model's raw decoding beside its default one
(``decoding="raw"``, the generator's own likeliest pitches).

For each of the :data:`TUNES` (folk tunes from music21's corpus: 4/4, 3/4 and
2/4, with and without pickups) it composes with the model at its defaults
(``compose_chain(music, "bach")``) and measures the whole tune, first bar to
last (``--bars N`` measures the first N bars only, as when compose
accompanied 8 bars of 4/4 at most):

- consonant beats, chord fit, parallels per bar
  (:mod:`composerlab.music.harmony`, on the tune's own beats);
- bars accompanied: of the bars where the melody sounds (a pickup bar left
  out), the share where an accompanying part sounds too; "every bar
  accompanied" counts the tunes where that share is 1;
- the AI judge's score of those bars (``judge_music``).

Then the same for the validation chorales' sopranos (whole chorales), beside Bach's own voices,
and the share of tunes whose consonant beats and chord fit both lie inside the
chorales' 10th-90th percentile ranges (target: 85%).
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

BARS = None
"""Bars measured from the start of each tune (the pickup bar, if any, is bar 1); None: the whole tune."""
TARGET_IN_RANGE = 0.85
"""Share of tunes whose consonant beats and chord fit are both inside the chorales' ranges."""
MAX_PARALLELS_PER_BAR = 0.15
EXCERPT_RANGES = {"consonant_beats": {"p10": 0.594, "p90": 0.897}, "chord_fit": {"p10": 0.875, "p90": 1.0}}
"""A second yardstick: the 5th-95th percentile of 8-bar windows of the chorales (815 windows, every 4 bars).

The issue's ranges are the 10th-90th percentile of *whole* chorales; 8 bars vary more than a whole
chorale, and only about two thirds of Bach's own 8-bar excerpts fall inside both of them (see the
"Bach's own voices" block), so 85% of tunes inside them asks more than Bach does. Bach's 8-bar
windows fall 88% inside these (keys named p10/p90 so :func:`inside` reads both tables).
"""

TUNES = (
    # (music21 corpus name, "#" and the tune's place in its book; meter; starts with a pickup)
    ("essenFolksong/kinder0.abc#25", "4/4", False),   # Schlaf, Kindchen, schlaf
    ("essenFolksong/kinder0.abc#9", "4/4", False),    # Schlauf man Wawerl
    ("essenFolksong/kinder0.abc#120", "4/4", False),  # Wir fahren auf die See
    ("ryansMammoth/BonniestLassInAyerStrathspey.abc", "4/4", False),
    ("essenFolksong/kinder0.abc#35", "4/4", True),    # Nun schlaf, mein liebes Kindelein
    ("oneills1850/0001-0050.abc#17", "4/4", True),    # Teig Maire's Daughter
    ("oneills1850/0001-0050.abc#42", "4/4", True),    # The Pretty Girls of Ballymena
    ("ryansMammoth/BellesOfCampbelltownStrathspey.abc", "4/4", True),
    ("essenFolksong/kinder0.abc#15", "3/4", False),   # Suse, lewe Suse
    ("essenFolksong/kinder0.abc#16", "3/4", False),   # Sause, liebe Ninne
    ("essenFolksong/kinder0.abc#28", "3/4", False),   # Husse busse
    ("oneills1850/0001-0050.abc#47", "3/4", False),   # Rory Dall's Sister's Lament
    ("essenFolksong/kinder0.abc#71", "3/4", True),    # Was traegt die Gans
    ("essenFolksong/kinder0.abc#128", "3/4", True),   # Adam ging und wollte sich erquicken
    ("oneills1850/0001-0050.abc#10", "3/4", True),    # The Friar's Hill
    ("oneills1850/0001-0050.abc#16", "3/4", True),    # My Darling I Am Fond of You
    ("essenFolksong/kinder0.abc#37", "2/4", False),   # Lirum larum Loeffelstiel
    ("essenFolksong/kinder0.abc#149", "2/4", False),  # Alle meine Entchen
    ("ryansMammoth/7thRegimentReel.abc", "2/4", False),
    ("oneills1850/0001-0050.abc#1", "2/4", False),    # The Enchanted Valley
    ("essenFolksong/kinder0.abc#104", "2/4", True),   # Wir treten auf die Kette
    ("oneills1850/0001-0050.abc#9", "2/4", True),     # I Could But I Wont
    ("ryansMammoth/AmericanHornpipe.abc", "2/4", True),
    ("ryansMammoth/AldridgesHornpipe.abc", "2/4", True),
)
"""The tunes measured: 24 tonal melodies (key correlation 0.8 or more), 8 per meter, 12 with pickups."""

EXTRA_TUNES = (
    # Other books than TUNES': a check that the decoder's settings are not fitted to TUNES. Picked by
    # rule, not by ear: in each book's order, the tunes with a music21 key correlation of 0.8 or more,
    # 8 to 40 bars of 4/4, 3/4 or 2/4 as our reader reads them, at most 4 per (meter, pickup) and 2 per
    # book and (meter, pickup); books tried in this order until every group had 4 (3/4 without pickup got 3).
    ("essenFolksong/erk5.abc#3", "4/4", True),     # Ic sie die morgensterre
    ("essenFolksong/erk5.abc#6", "4/4", True),     # Es waren drei Schelmen
    ("essenFolksong/erk5.abc#7", "4/4", False),    # Da zu Mitterfasten es geschah
    ("essenFolksong/erk5.abc#12", "2/4", True),    # Es stand eine Lind im tiefen Thal
    ("essenFolksong/erk5.abc#13", "3/4", True),    # Es haett ein Maidlein ein Reiter hold
    ("essenFolksong/erk5.abc#15", "3/4", True),    # Es waren zwei Gespielen
    ("essenFolksong/erk5.abc#23", "2/4", True),    # Ach Mutter liebe Mutter
    ("essenFolksong/altdeu10.abc#8", "4/4", True),    # Der Brautmoerder
    ("essenFolksong/altdeu10.abc#20", "3/4", True),   # Tanhuser
    ("essenFolksong/altdeu10.abc#27", "3/4", True),   # Zwei Koenigskinder
    ("essenFolksong/altdeu10.abc#32", "4/4", True),   # Herr von Falkenstein
    ("essenFolksong/altdeu10.abc#81", "2/4", True),   # Wassermanns Braut
    ("essenFolksong/altdeu10.abc#185", "4/4", False),  # Liebeslied
    ("essenFolksong/altdeu10.abc#197", "4/4", False),  # Die alte Schwieger und die Schnur
    ("essenFolksong/altdeu10.abc#257", "3/4", False),  # Volksmelodie des 14. Jahrhunderts
    ("oneills1850/0051-0100.abc#6", "4/4", False),     # Sailing Back of Whiddy
    ("oneills1850/0051-0100.abc#17", "2/4", False),    # My Love Has Gone
    ("oneills1850/0051-0100.abc#29", "2/4", True),     # The Bold Soldier Boy
    ("airdsAirs/book1.abc#2", "2/4", False),           # Quick Step, 25th Regt.
    ("airdsAirs/book1.abc#8", "2/4", False),           # Quick Step, 21st Regt.
    ("miscFolk/northumbrianminstrelsyopus.abc#4", "3/4", False),   # The Bewick and the Graeme
    ("miscFolk/northumbrianminstrelsyopus.abc#25", "3/4", False),  # Sair Fyel'd, Hinny
    ("miscFolk/northumbrianminstrelsyopus.abc#39", "2/4", False),  # Bobby Shaftoe
)
"""23 more tonal tunes from five other books (``--extra`` measures them too)."""

COLUMNS = ("consonant_beats", "chord_fit", "parallels_per_bar", "bars_accompanied", "judge")


def load_tune(name: str):
    """A tune of :data:`TUNES` as a Multitrack, parsed by music21 once and kept as MIDI in the cache."""
    from composerlab.music.midi import read_midi, write_midi
    from composerlab.music.notation import load_corpus
    from composerlab.paths import cache_dir

    path = cache_dir() / "harmony_tunes" / (name.replace("/", "__").replace("#", "_") + ".mid")
    if not path.is_file():
        write_midi(load_corpus(name), path)
    return read_midi(path)


def measure(composition: np.ndarray, time_signature, has_pickup: bool) -> dict:
    """The harmony figures and bars accompanied of a (tracks, steps, 128) composition, melody first."""
    from composerlab.music.harmony import evaluate_harmony
    from composerlab.music.pianoroll import steps_per_bar

    bar = steps_per_bar(time_signature)
    composition = np.asarray(composition) > 0
    bars = composition.shape[1] // bar
    per_bar = composition[:, : bars * bar].reshape(len(composition), bars, bar, -1).any(axis=(2, 3))
    melody_bars = per_bar[0].copy()
    if has_pickup:
        melody_bars[0] = False
    accompanied = per_bar[1:].any(axis=0)
    share = float(accompanied[melody_bars].mean()) if melody_bars.any() else float("nan")
    return {**evaluate_harmony(composition, time_signature), "bars_accompanied": share}


def _cut(multitrack, steps: int) -> np.ndarray:
    from composerlab.music.pianoroll import stack_rolls

    return stack_rolls(multitrack, steps) > 0


def _as_multitrack(composition: np.ndarray, time_signature, name: str):
    import pypianoroll

    from composerlab.music.pianoroll import DEFAULT_VELOCITY, new_multitrack

    tracks = [pypianoroll.StandardTrack(name=f"part {i + 1}", program=0,
                                        pianoroll=part.astype(np.uint8) * DEFAULT_VELOCITY)
              for i, part in enumerate(composition)]
    return new_multitrack(tracks, composition.shape[1], 100.0, tuple(time_signature), name)


def judge_score(composition: np.ndarray, time_signature, name: str, judge) -> float:
    from composerlab.models.judge.scoring import judge_music

    return float(judge_music(_as_multitrack(composition, time_signature, name), judge).score)


def bench_tunes(model: str, judge, seed: int = 0, bars: int | None = BARS, tunes=TUNES,
                compare_raw: bool = False) -> list[dict]:
    """One row per tune. ``compare_raw``: also judge the model's raw decoding (``decoding="raw"``,
    the generator's own likeliest pitches) of each tune, as ``judge_raw``."""
    from composerlab.models.catalog import compose_chain
    from composerlab.music.melody import count_bars
    from composerlab.music.pianoroll import steps_per_bar, time_signature_of

    rows = []
    for name, meter, has_pickup in tunes:
        music = load_tune(name)
        time_signature = time_signature_of(music)
        steps = (bars or count_bars(music)) * steps_per_bar(time_signature)
        melody = _cut(music, steps).any(axis=0)
        first_bar = melody[: steps_per_bar(time_signature)]
        found_pickup = bool(first_bar.any() and not first_bar[0].any())
        started = time.perf_counter()
        composed = compose_chain(music, model, seed=seed)
        seconds = time.perf_counter() - started
        composition = _cut(composed, steps)
        composition[0] = melody  # the tune as given (compose keeps it, octave and all)
        row = {"tune": name, "meter": "/".join(map(str, time_signature)), "pickup": found_pickup,
               "listed_meter": meter, "listed_pickup": has_pickup, "compose_s": seconds, "bars": steps // steps_per_bar(time_signature),
               **measure(composition, time_signature, found_pickup)}
        row["judge"] = judge_score(composition, time_signature, name, judge)
        if compare_raw:
            raw = _cut(compose_chain(music, model, seed=seed, params={model: {"decoding": "raw"}}), steps)
            raw[0] = melody
            row["judge_raw"] = judge_score(raw, time_signature, name, judge)
        rows.append(row)
    return rows


def bench_chorales(model: str, judge, seed: int = 0, bars: int | None = BARS,
                   compare_raw: bool = False) -> tuple[list[dict], list[dict]]:
    """(Bach's own, the model's) rows for every validation chorale, whole or its first ``bars`` bars."""
    from composerlab.models.catalog import compose_chain
    from composerlab.models.corpora.chorales import load_chorales
    from composerlab.models.corpora.split import is_validation

    ours, bach = [], []
    for piece in [c for c in load_chorales() if is_validation(c.name)]:
        real = piece.roll[:, : bars * 16] if bars else piece.roll
        soprano = _as_multitrack(real[:1], (4, 4), piece.name)
        composed = compose_chain(soprano, model, seed=seed)
        fake = np.zeros_like(real)
        cut = _cut(composed, real.shape[1])
        fake[: len(cut)] = cut[: len(fake)]
        fake[0] = real[0]
        for rows, roll in ((bach, real), (ours, fake)):
            row = {"tune": piece.name, "meter": "4/4", "pickup": False, **measure(roll, (4, 4), False)}
            row["judge"] = judge_score(roll, (4, 4), piece.name, judge)
            rows.append(row)
        if compare_raw:
            raw = np.zeros_like(real)
            cut = _cut(compose_chain(soprano, model, seed=seed, params={model: {"decoding": "raw"}}), real.shape[1])
            raw[: len(cut)] = cut[: len(raw)]
            raw[0] = real[0]
            ours[-1]["judge_raw"] = judge_score(raw, (4, 4), piece.name, judge)
    return bach, ours


def inside(row: dict, reference: dict | None = None) -> bool:
    from composerlab.music.harmony import in_reference_range

    return all(np.isfinite(row[k]) and in_reference_range(k, row[k], reference)
               for k in ("consonant_beats", "chord_fit"))


def summary(rows: list[dict]) -> dict:
    return {
        **{k: float(np.nanmean([r[k] for r in rows])) for k in COLUMNS + ("judge_raw",) if k in rows[0]},
        "in_both_ranges": sum(inside(r) for r in rows), "tunes": len(rows),
        "in_both_excerpt_ranges": sum(inside(r, EXCERPT_RANGES) for r in rows),
        "parallels_ok": sum(r["parallels_per_bar"] <= MAX_PARALLELS_PER_BAR for r in rows),
        "fully_accompanied": sum(r["bars_accompanied"] == 1.0 for r in rows),
    }


def print_rows(title: str, rows: list[dict]) -> None:
    print(title)
    print(f"{'tune':<52}{'meter':>6}{'pickup':>7}{'consonant':>10}{'chord fit':>10}{'par/bar':>8}"
          f"{'accomp.':>8}{'judge':>7}  in ranges")
    for r in rows:
        print(f"{r['tune'][:51]:<52}{r['meter']:>6}{'yes' if r['pickup'] else 'no':>7}{r['consonant_beats']:>10.3f}"
              f"{r['chord_fit']:>10.3f}{r['parallels_per_bar']:>8.3f}{r['bars_accompanied']:>8.2f}"
              f"{r['judge']:>7.1f}  {'yes' if inside(r) else 'no'}")
    s = summary(rows)
    if "judge_raw" in rows[0]:
        print(f"(AI judge of the same model's raw decoding: mean {s['judge_raw']:.1f})")
    print(f"{'mean':<65}{s['consonant_beats']:>10.3f}{s['chord_fit']:>10.3f}{s['parallels_per_bar']:>8.3f}"
          f"{s['bars_accompanied']:>8.2f}{s['judge']:>7.1f}")
    print()


def print_verdict(s: dict) -> None:
    from composerlab.music.harmony import CHORALE_REFERENCE

    c, f = CHORALE_REFERENCE["consonant_beats"], CHORALE_REFERENCE["chord_fit"]
    share = s["in_both_ranges"] / s["tunes"]
    print(f"tunes with consonant beats in {c['p10']:.2f}-{c['p90']:.2f} and chord fit in {f['p10']:.2f}-{f['p90']:.2f} "
          f"(chorales' 10th-90th pct): {s['in_both_ranges']} of {s['tunes']} = {share:.0%} "
          f"(target {TARGET_IN_RANGE:.0%}; ratio {share / TARGET_IN_RANGE:.2f}) "
          f"{'ok' if share >= TARGET_IN_RANGE else 'MISSED'}")
    e, g = EXCERPT_RANGES["consonant_beats"], EXCERPT_RANGES["chord_fit"]
    print(f"  (inside the 8-bar excerpt ranges {e['p10']:.2f}-{e['p90']:.2f} and {g['p10']:.2f}-{g['p90']:.2f}: "
          f"{s['in_both_excerpt_ranges']} of {s['tunes']} = {s['in_both_excerpt_ranges'] / s['tunes']:.0%})")
    print(f"parallels per bar at most {MAX_PARALLELS_PER_BAR}: {s['parallels_ok']} of {s['tunes']} tunes "
          f"(mean {s['parallels_per_bar']:.3f}) {'ok' if s['parallels_ok'] == s['tunes'] else 'MISSED'}")
    print(f"every bar accompanied: {s['fully_accompanied']} of {s['tunes']} tunes "
          f"{'ok' if s['fully_accompanied'] == s['tunes'] else 'MISSED'}")
    print(f"AI judge mean score: {s['judge']:.1f}"
          + (f" (raw decoding: {s['judge_raw']:.1f})" if "judge_raw" in s else ""))


def print_reference() -> dict:
    """Measure the harmony figures of every whole chorale and print them beside CHORALE_REFERENCE."""
    from composerlab.models.corpora.chorales import load_chorales
    from composerlab.music.harmony import CHORALE_REFERENCE, HARMONY_NAMES, evaluate_harmony

    rows = [evaluate_harmony(c.roll) for c in load_chorales()]
    measured = {}
    print(f"Reference over {len(rows)} whole chorales (4/4, four voices)")
    print(f"{'measure':<20}{'mean':>8}{'median':>8}{'p10':>8}{'p90':>8}   stored mean, p10, p90")
    for name in HARMONY_NAMES:
        v = np.array([r[name] for r in rows])
        v = v[np.isfinite(v)]
        measured[name] = {"mean": float(v.mean()), "median": float(np.median(v)),
                          "p10": float(np.percentile(v, 10)), "p90": float(np.percentile(v, 90))}
        m, stored = measured[name], CHORALE_REFERENCE[name]
        print(f"{name:<20}{m['mean']:>8.3f}{m['median']:>8.3f}{m['p10']:>8.3f}{m['p90']:>8.3f}   "
              f"{stored['mean']:.3f}, {stored['p10']:.3f}, {stored['p90']:.3f}")
    print()
    return measured


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="bach", help="model or chain to compose with (default: bach)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also save every figure to this file (e.g. out/bench_harmony.json)")
    parser.add_argument("--reference", action="store_true", help="measure the chorales' reference ranges first")
    parser.add_argument("--extra", action="store_true",
                        help="also measure EXTRA_TUNES, other books' tunes (a check against fitting TUNES)")
    parser.add_argument("--compare-raw", action="store_true",
                        help="also judge the model's raw decoding of each tune (decoding='raw')")
    parser.add_argument("--bars", type=int, default=BARS,
                        help="measure only the first N bars of each tune and chorale (default: the whole of it)")
    args = parser.parse_args(argv)

    from composerlab.models.judge.network import load_judge

    results = {"model": args.model, "seed": args.seed, "bars": args.bars or "whole"}
    span = f"first {args.bars} bars" if args.bars else "whole tunes"
    if args.reference:
        results["reference"] = print_reference()
    judge = load_judge()
    started = time.perf_counter()
    tunes = bench_tunes(args.model, judge, args.seed, args.bars, compare_raw=args.compare_raw)
    print_rows(f"{len(tunes)} folk tunes composed with '{args.model}' ({span}, "
               f"{sum(r['bars'] for r in tunes)} bars in all)", tunes)
    listed = [r for r in tunes if (r["meter"], r["pickup"]) != (r["listed_meter"], r["listed_pickup"])]
    for r in listed:
        print(f"note: {r['tune']} reads as {r['meter']}, pickup {r['pickup']}; TUNES lists "
              f"{r['listed_meter']}, pickup {r['listed_pickup']}")
    extra = []
    if args.extra:
        extra = bench_tunes(args.model, judge, args.seed, args.bars, EXTRA_TUNES, compare_raw=args.compare_raw)
        print_rows(f"{len(extra)} more folk tunes from other books (EXTRA_TUNES) composed with '{args.model}' "
                   f"({span}, {sum(r['bars'] for r in extra)} bars in all)", extra)
    bach, ours = bench_chorales(args.model, judge, args.seed, args.bars, args.compare_raw)
    print_rows(f"{len(ours)} validation chorales ({span}): sopranos composed with '{args.model}'", ours)
    print_rows(f"the same {len(bach)} validation chorales: Bach's own voices", bach)
    for title, rows in (("Folk tunes", tunes), ("More folk tunes (EXTRA_TUNES)", extra),
                        ("Validation chorales (ours)", ours), ("Validation chorales (Bach)", bach)):
        if not rows:
            continue
        print(f"== {title}")
        print_verdict(summary(rows))
    print(f"\n({time.perf_counter() - started:.0f} s; compose median "
          f"{np.median([r['compose_s'] for r in tunes]) * 1000:.0f} ms per tune)")
    results.update({"tunes": tunes, "extra_tunes": extra, "chorales_ours": ours, "chorales_bach": bach,
                    "summary": {"tunes": summary(tunes), "chorales_ours": summary(ours),
                                "chorales_bach": summary(bach), **({"extra_tunes": summary(extra)} if extra else {})}})
    if args.json:
        from pathlib import Path

        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=1, default=float))
        print(f"saved {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
