"""Benchmark of the genre models: each one's metrics beside its own corpus's, and the ratio.

Run: ``python bench/bench_genres.py`` (seconds per genre on a 2-core CPU). Only the held-out
pieces are read (the files each shipped json names; cached in ``.cache/genres/<genre>_held_v1.*``:
about 10-20 s per genre the first time), or the whole corpus where ``composerlab train gan --genre``
cached it. ``--genre NAME`` measures one; ``--seed N`` another accompaniment; ``--decoding raw``
the model alone for comparison; ``--split train`` a sample of training pieces instead, where a
decoding weight is chosen (``--voicing parallel=2`` tries one; the held-out pieces never choose);
``--write`` sets the shipped models to chord decoding at their corpus's dissonance and writes the
figures into their json and card (:func:`composerlab.models.cards.genres.remeasure`).

Prints, for every shipped genre model (``palestrina``, ``monteverdi``, ``quartet``):

- the melodies of its held-out pieces accompanied by ``compose()`` (the public API, at its
  defaults), each metric of the composers' own parts ("pieces") and of the model's, the ratio model /
  pieces and whether it is within 25%; then each metric over the whole corpus ("corpus", every piece;
  the held-out pieces are a sample of it) and the ratio model / corpus (the acceptance:
  "its metrics within 25% of its own corpus's");
- the corpus's harmony over whole pieces (mean, 10th-90th percentile): the genre's reference,
  as the chorales' is for ``bach``;
- load time and the latency of accompanying Twinkle (32 bars: the tune four times) with it.

The genres' own decoding weights (``GENRES`` in ``models/corpora/genres.py``) were chosen with
``--split train`` / ``--split training --voicing NAME=VALUE``, never on held-out pieces:

- ``monteverdi``: registers that move phrase by phrase (follow 0.3, wander 6, on a sample of 12
  training madrigals) and a parallel cost of 1 (on all 39 training madrigals: 0.118 parallels a bar
  against their 0.121; the cost of 2 chosen on the 12 gave 0.049, no cost 0.267);
- ``quartet`` (36 training movements): rests 0.35 (notes of an eighth or more 1.14 times the movements'
  share, 1.32 without), tacet 0.45 (empty bars 0.053 against 0.059, 0.045 without), parallel -1.5
  (doublings in octaves are the quartets' idiom, 0.87 parallels a bar there; 0.90 with those rests),
  follow 0.3, wander 13, chromatic 1 and leap 0.2 (pitches used 23.5 against 24.9).
"""
from __future__ import annotations

import argparse
import time

import numpy as np


def report_genre(name: str, seed: int = 0, decoding: str | None = None, write: bool = False,
                 split: str = "held out", voicing: dict | None = None) -> dict:
    from composerlab.models.cards.genres import remeasure
    from composerlab.models.evaluation.genres import figures_text, genre_report

    started = time.perf_counter()
    report = (remeasure(name, seed=seed) if write
              else genre_report(name, seed=seed, decoding=decoding, split=split, voicing=voicing))
    seconds = time.perf_counter() - started
    print(f"{name}: {len(report['pieces'])} {split} pieces ({seconds:.0f} s to accompany and measure), "
          f"decoding {report['measured']['decoding']} {report['measured'].get('voicing', '')}")
    print(figures_text(report, split))
    shown = [f"{k.replace('_', ' ')} {v['mean']:.3f} ({v['p10']:.3f}-{v['p90']:.3f})"
             for k, v in report["reference"].items()]
    print(f"{name}'s corpus, whole pieces: " + "; ".join(shown))
    return report


def latency(name: str, repeats: int = 5) -> tuple[float, float]:
    from composerlab.models.gan.generate import compose, load_model
    from composerlab.music.melody import from_notes
    from composerlab.music.pianoroll import Note
    from composerlab.music.samples import load_sample

    load_model.cache_clear()  # the figures above loaded it already
    started = time.perf_counter()
    load_model(name)
    load = time.perf_counter() - started
    from composerlab.music.pianoroll import track_notes

    notes = track_notes(load_sample("twinkle").tracks[0])
    length = -(-max(n.start + n.length for n in notes) // 16) * 16
    song = from_notes([Note(n.start + k * length, n.pitch, n.length) for k in range(4) for n in notes])
    compose(song, model=name)
    times = []
    for seed in range(repeats):
        started = time.perf_counter()
        compose(song, model=name, seed=seed)
        times.append(time.perf_counter() - started)
    return load, float(np.median(times))


def main(argv=None) -> int:
    from composerlab.models.corpora.genres import GENRES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--genre", choices=list(GENRES), action="append", help="one genre (repeatable; default all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--decoding", choices=["chords", "raw"], help="default: each model's own (its json)")
    parser.add_argument("--write", action="store_true", help="chord decoding at the corpus's dissonance, "
                        "figures written into data/models/<genre>_gan.json and .md")
    parser.add_argument("--split", choices=["held-out", "train", "training"], default="held-out",
                        help="'train': the sample of training pieces the shipped weights were chosen on "
                             "(corpora.genres.training_pieces); 'training': every training piece (reads the corpus)")
    parser.add_argument("--voicing", action="append", default=[], metavar="WEIGHT=VALUE",
                        help="a chord-decoding weight to try instead of the model's (repeatable)")
    parser.add_argument("--no-latency", action="store_true", help="figures only")
    args = parser.parse_args(argv)
    if args.write and (args.decoding or args.voicing or args.split != "held-out"):
        parser.error("--write measures the shipped model's own decoding on the held-out pieces")
    try:
        voicing = {k: float(v) for k, v in (item.split("=", 1) for item in args.voicing)} or None
    except ValueError:
        parser.error("--voicing takes WEIGHT=NUMBER, e.g. --voicing parallel=2")
    for name in args.genre or list(GENRES):
        report_genre(name, args.seed, args.decoding, args.write, args.split.replace("-", " "), voicing)
        if args.no_latency:
            continue
        load, median = latency(name)
        print(f"{name}: load {load:.2f} s, Twinkle x4 accompanied in {median * 1000:.0f} ms (median)")
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
