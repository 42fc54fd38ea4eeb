"""A genre model: trained on its corpus, measured against it, and its card (``composerlab train gan --genre``).

A genre run is the run of your own music (:func:`composerlab.models.cards.custom.train_custom`) over
the genre's corpus files (:mod:`composerlab.models.corpora.genres`), with the bass always kept. Its json
says ``"decoding": "chords"`` with the genre's ``"voicing"`` (:func:`genre_voicing`): the share of
dissonant beats of its own corpus, and any weight of the genre's own. From a terminal::

    composerlab train gan --genre palestrina              # out/models/palestrina.*, with its card
    composerlab train gan --genre palestrina --install    # ... then copied over data/models/palestrina_gan.*

:func:`remeasure` is the explicit step that rewrites a shipped model's figures (``bench/bench_genres.py --write``).
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np

from composerlab.models.cards.custom import train_custom
from composerlab.models.corpora.genres import (
    Genre,
    corpus_files,
    corpus_name,
    genre_split,
    get_genre,
    parse_seconds,
    read_genre,
)
from composerlab.models.evaluation.genres import EVAL_STEPS, genre_report, reference, within
from composerlab.models.gan.generate import load_model
from composerlab.models.runtime import install_run
from composerlab.music.metrics import METRIC_NAMES
from composerlab.paths import models_dir, user_models_dir

SUFFIXES = (".weights.h5", ".json", ".md")
"""The files a genre model ships as in ``data/models/`` (``<name>_gan`` + each)."""
EVALUATIONS = 16
"""Evaluations in a genre run; the generator of the one closest to the training data's figures is kept."""


def genre_voicing(name: str, reference: dict) -> dict:
    """The chord decoding's weights for a genre's model: the share of dissonant beats its corpus has
    (1 - consonant beats over whole pieces, ``reference`` as
    :func:`~composerlab.models.evaluation.genres.reference` gives it), aimed at by
    :attr:`~composerlab.models.gan.chords.VoicingWeights.dissonance` as Bach's quarter is for the
    chorales, and the genre's own weights (:attr:`Genre.voicing`)."""
    return {"dissonance": round(1.0 - reference["consonant_beats"]["mean"], 3), **get_genre(name).voicing}


def train_genre(name: str, iterations: int | None = None, seed: int = 0, limit: int | None = None,
                progress: bool = True, folder: str | Path | None = None, learning_rate: float | None = None) -> dict:
    """Train a genre model on its corpus, measure it against its corpus and write its card.

    The run goes to ``folder`` (default :func:`composerlab.paths.user_models_dir`) as
    ``<name>.weights.h5``, ``.json`` and ``.md``, never to ``data/models``; :func:`install`
    copies it there. Returns what :func:`composerlab.models.cards.custom.train_custom` returns,
    with ``report`` (:func:`genre_report`), ``load`` (load averages before and after) and ``command``.
    """
    genre = get_genre(name)
    iterations = iterations or genre.iterations
    learning_rate = learning_rate or genre.learning_rate
    started = time.perf_counter()
    found = read_genre(name, limit=limit, progress=progress)
    read_seconds = time.perf_counter() - started
    load_before = os.getloadavg()
    result = train_custom(found, name, iterations=iterations, learning_rate=learning_rate, seed=seed,
                          progress=progress, folder=folder, check=False, select_best=True, settings=genre.settings,
                          eval_every=max(1, iterations // EVALUATIONS), split=genre_split(name))
    load_after = os.getloadavg()
    stem = Path(str(result["path"]).removesuffix(".weights.h5"))
    meta_path = Path(f"{stem}.json")
    info = json.loads(meta_path.read_text())
    # Chord decoding at the corpus's own share of dissonance, written before the figures so compose() uses it.
    info.update({"decoding": "chords", "voicing": genre_voicing(name, reference(found))})
    meta_path.write_text(json.dumps(info, indent=1))
    load_model.cache_clear()
    report = genre_report(name, model=str(stem), found=found, seed=seed)
    command = (f"composerlab train gan --genre {name}"
               + (f" --iterations {iterations}" if iterations != genre.iterations else "")
               + (f" --learning-rate {learning_rate:g}" if learning_rate != genre.learning_rate else "")
               + (f" --seed {seed}" if seed else ""))
    info.update({"selection": "weighted mean |log ratio|, consonant beats and chord fit counted twice",
                 "summary": genre.summary, "genre": name, "programs": list(genre.programs), "command": command,
                 "read_seconds": read_seconds, "parse_seconds": parse_seconds(name) if limit is None else read_seconds,
                 "wall_seconds": result["wall_seconds"],
                 "load_average": {"before": list(load_before), "after": list(load_after)},
                 "corpus_files": [corpus_name(p) for p in corpus_files(name)][:limit], "report": report})
    meta_path.write_text(json.dumps(info, indent=1))
    load_model.cache_clear()  # the figures loaded the run before its settings named its instruments
    card = write_genre_card(stem, info)
    return {**result, "card": card, "report": report, "load": info["load_average"], "command": command}


def install(name: str, folder: str | Path | None = None) -> list:
    """Copy a genre run (``out/models/<name>.*``) over the shipped ``data/models/<name>_gan.*``.

    The card's file names already say ``<name>_gan``. Raises FileNotFoundError, copying
    nothing, when the run is missing.
    """
    genre = get_genre(name)
    stem = Path(folder or user_models_dir()) / name
    return install_run(stem, SUFFIXES, genre.weights, f"{name} genre model",
                       f"composerlab train gan --genre {name}")


def remeasure(name: str, seed: int = 0) -> dict:
    """Set a shipped genre model to chord decoding at its corpus's dissonance, measure it again through
    ``compose()`` and write the figures into its json and card (``data/models/<name>_gan.*``).

    The json gets ``"decoding": "chords"`` and ``"voicing"`` (:func:`genre_voicing`,
    from the corpus figures the json already holds); the figures of the decoding before go to
    ``previous_report``. The explicit step that changes shipped files (``bench/bench_genres.py --write``).
    Returns the new report."""
    stem = models_dir() / get_genre(name).weights
    info = json.loads(stem.with_suffix(".json").read_text())
    info.update({"decoding": "chords", "voicing": genre_voicing(name, info["report"]["reference"])})
    stem.with_suffix(".json").write_text(json.dumps(info, indent=1))
    load_model.cache_clear()  # the json may have changed since it was loaded
    report = genre_report(name, seed=seed)
    if info.get("report", {}).get("measured", {}).get("decoding", "raw") != report["measured"]["decoding"]:
        info["previous_report"] = info["report"]
    info["report"] = report
    stem.with_suffix(".json").write_text(json.dumps(info, indent=1))
    write_genre_card(stem, info)
    return report


def write_genre_card(stem: Path, info: dict) -> Path:
    """Write ``<stem>.md``, a genre model's card, from the run's ``.json``; return its path."""
    genre = get_genre(info["genre"])
    lines = (_heading(genre) + _data_section(genre, info) + _training_section(info)
             + ["## Decoding", "", _decoding_text(info), ""] + _figures_section(info))
    path = Path(f"{stem}.md")
    path.write_text("\n".join(lines))
    return path


def _heading(genre: Genre) -> list[str]:
    return [
        f"# Model card: {genre.summary.split(':')[0]} (`{genre.name}`)", "",
        f"{genre.summary}.", "",
        f"Use it with `composerlab compose twinkle --model {genre.name} -o out.mid` or "
        f"`compose(music, model=\"{genre.name}\")`; in a chain, e.g. `--model arcnn,{genre.name}`. "
        f"Played by {genre.instruments} (General MIDI {', '.join(map(str, genre.programs))}; "
        "`--programs` chooses others).", "",
        f"Files: `{genre.weights}.weights.h5` (generator weights), `{genre.weights}.json` (settings, "
        "data, figures), this card. Code: `composerlab/models/corpora/genres.py` (the genre, its corpus), "
        "`models/cards/genres.py` (the run, this card), `models/evaluation/genres.py` (the figures), "
        "`models/gan/custom.py` (windows), `models/gan/network.py` and `training.py` "
        "(the Bach model's network and loop).", "",
    ]


def _data_section(genre: Genre, info: dict) -> list[str]:
    config, data = info["config"], info["data"]
    files = data["files"]
    meters, voicings = {}, {}
    for _, parts, meter in files:
        meters["/".join(map(str, meter))] = meters.get("/".join(map(str, meter)), 0) + 1
        voicings[", ".join(parts)] = voicings.get(", ".join(parts), 0) + 1
    lines = [
        "## Data", "",
        f"music21's corpus (inside the music21 package, no download): collection(s) "
        f"{', '.join(f'`{c}`' for c in genre.collections)}"
        + (f", every {genre.every}th file by name" if genre.every > 1 else "")
        + (f"; left out: {', '.join(genre.exclude)}" if genre.exclude else "") + ".",
        f"{len(info['corpus_files'])} files read, {len(files)} pieces used, {len(data['skipped'])} skipped; "
        f"meters {', '.join(f'{m} ({n})' for m, n in sorted(meters.items(), key=lambda kv: -kv[1]))}.", "",
        "Parts: the melody is the pitched part with the highest mean pitch among those with at least a "
        "quarter as many notes as the busiest (the rule `compose` uses to find a melody); under it the "
        "lowest part (the bass, always kept) and the two busiest others, high to low; each reduced to one "
        "line (top note; bottom note for the bass). Most common voicings (melody first):", "",
    ]
    lines += [f"- {v} ({n} pieces)" for v, n in sorted(voicings.items(), key=lambda kv: -kv[1])[:6]]
    return lines + [
        "",
        f"Windows of 2 x 16 steps (16th notes), one every 16 steps on each piece's continuous timeline, kept "
        f"where the melody and a part sound; split by piece with a fixed hash of its name: "
        f"{data['train_pieces']} pieces / {data['train_windows']} windows for training, "
        f"{data['validation_pieces']} pieces / {data['validation_windows']} windows held out. Random "
        f"transposition of up to {config['max_shift']} semitones; pitches {config['lowest_pitch']} to "
        f"{config['lowest_pitch'] + config['n_pitches'] - 1} (notes outside are not learned). Melodies' mean "
        f"pitch {info['soprano_centre']:.1f}: `compose` moves a melody by octaves to sit near it.", "",
    ]


def _training_section(info: dict) -> list[str]:
    config, load = info["config"], info["load_average"]
    return [
        "## Training", "",
        "| iterations | batch | learning rate | update ratio | GP weight | key weight | noise | channels | seed |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {config['iterations']} | {config['batch_size']} | {config['learning_rate']:g} | {config['update_ratio']} | "
        f"{config['gp_weight']:g} | {config['key_weight']:g} | {config['noise_dim']} | {config['channels']} | "
        f"{config['seed']} |", "",
        (f"The generator kept is the one of iteration {info['selected_iteration']} (of {config['iterations']}; "
         f"{config['iterations'] // max(1, config['iterations'] // EVALUATIONS)} evaluations): the one whose "
         "figures on 64 *training* windows lay closest to the data's "
         f"({info.get('selection', 'mean |log ratio|')}: {info['selection_distance']:.2f}; "
         "`custom.distance_to_data`), since a "
         "WGAN's figures swing between evaluations on music with many rests; held-out pieces never choose. "
         if info.get("selected_iteration") else "")
        + f"{info['training_seconds']:.0f} s of updates, {info['wall_seconds']:.0f} s for the whole run "
        f"(evaluations and saving included), after reading the corpus: {info['read_seconds']:.0f} s"
        + (f" (parsing it with music21 took {info['parse_seconds']:.0f} s the first time, cached since in "
           "`.cache/genres/`)" if (info.get("parse_seconds") or 0) > info["read_seconds"] + 1 else "")
        + "; on this 2-core CPU shared with other jobs: load average "
        f"{load['before'][0]:.2f} before and {load['after'][0]:.2f} after (1 min), "
        f"{load['after'][1]:.2f} over the last 5 min.", "",
        "Reproduce it (writes `out/models/`; `--install` then copies the run over the shipped files):", "",
        f"    {info['command']}", "    " + info['command'] + " --install", "",
    ]


def _figures_section(info: dict) -> list[str]:
    report, files = info["report"], info["data"]["files"]
    lines = [
        "## Figures against its own corpus", "",
        f"The melodies of the {len(report['pieces'])} held-out pieces (first {EVAL_STEPS} steps at most), "
        f"accompanied by `compose()` at seed {report.get('measured', {}).get('seed', 0)}, at the model's "
        "decoding; the composers' own parts against the model's, "
        "every metric from `music/metrics.py` (the pypianoroll-based ones `bench/bench_gan.py` uses) and "
        "`music/harmony.py` (harmony counted on each piece's own beats). Ratio = model / corpus (1 where both "
        "are none: 0, or fewer parallels than one in 1,000 bars); \"within 25%\" = ratio 0.75-1.25."
        + _measured_text(report.get("measured")), "",
    ]
    lines += _figures_table(report, info.get("previous_report"), len(files))
    lines += ["", _figures_count(report, info.get("previous_report")) +
              (f" {info['figures_note']}" if info.get("figures_note") else "")]
    lines += ["", f"The corpus's harmony over whole pieces ({len(files)} pieces, one value each; the chorales' "
              "range is in `music/harmony.py`):", "",
              "| measure | mean | 10th-90th percentile |", "|---|---|---|"]
    lines += [f"| {k.replace('_', ' ')} | {v['mean']:.3f} | {v['p10']:.3f}-{v['p90']:.3f} |"
              for k, v in report["reference"].items()]
    return lines + ["", f"Held out: {', '.join(report['pieces'])}.", ""]


def _figures_table(report: dict, before: dict | None, pieces: int) -> list[str]:
    corpus = report.get("corpus")
    header = "| metric | held-out pieces | model | ratio | within 25% |"
    if corpus:
        header += f" whole corpus ({pieces} pieces) | ratio | within 25% |"
    if before:
        header += f" before: {before.get('measured', {}).get('decoding', 'raw')} decoding | ratio | within |"
    lines = [header, "|" + "---|" * (header.count("|") - 1)]

    def cells(value: float, share: float) -> str:
        shown = f"{share:.2f}" if np.isfinite(share) else "-"
        return f" {value:.3f} | {shown} | {'yes' if within(share) else 'no'} |"

    for key in METRIC_NAMES:
        row = f"| {key.replace('_', ' ')} | {report['data'][key]:.3f} |"
        row += cells(report["generated"][key], report["ratio"][key])
        if corpus:
            row += cells(corpus[key], report["ratio_corpus"][key])
        if before:
            row += cells(before["generated"][key], before["ratio"][key])
        lines.append(row)
    return lines


def _figures_count(report: dict, before: dict | None) -> str:
    outside = [key for key in METRIC_NAMES if not within(report["ratio"][key])]
    count = f"Against the held-out pieces, {len(METRIC_NAMES) - len(outside)} of {len(METRIC_NAMES)} within 25%"
    if before:
        count += f" ({sum(within(r) for r in before['ratio'].values())} before)"
    if outside:
        shown = [f"{k.replace('_', ' ')} ({report['generated'][k]:.3f} against {report['data'][k]:.3f}"
                 + (", the corpus has none: no ratio" if not report["data"][k] else "") + ")" for k in outside]
        count += f". Outside: {'; '.join(shown)}."
    else:
        count += "."
    if report.get("corpus"):
        inside = sum(within(r) for r in report["ratio_corpus"].values())
        count += (f" Against the whole corpus (every piece's first {EVAL_STEPS} steps; the held-out pieces are a "
                  f"sample of it), {inside} of {len(METRIC_NAMES)}.")
    return count


def _decoding_text(info: dict) -> str:
    """The card's words on how the model's probabilities become notes."""
    if info.get("decoding") != "chords":
        return ("Raw: each voice sings its likeliest pitch at each step (`generate.decode`), the model alone; "
                "`compose(..., decoding=\"chords\")` gives the chord decoding.")
    voicing = info.get("voicing", {})
    others = {k: v for k, v in voicing.items() if k != "dissonance"}
    text = ("Chord decoding (`\"decoding\": \"chords\"` in the json; `models/gan/voicing.py`): one chord and "
            "voicing of the three parts per beat, the model's probabilities weighed against rules of "
            "four-part writing by a search over the whole tune, as for `bach`.")
    if "dissonance" in voicing:
        text += (f" Aimed at {voicing['dissonance']:.3f} of the beats with a dissonance (`\"voicing\": "
                 "{\"dissonance\"}`), the corpus's own share: 1 - its consonant beats over whole pieces "
                 "(below), where Bach's chorales have 0.25.")
    if others:
        text += (" The genre's own weights (`VoicingWeights`, beside Bach's defaults): "
                 + ", ".join(f"`{k}` {v:g}" for k, v in others.items())
                 + (f" ({info['voicing_note']})" if info.get("voicing_note") else "")
                 + ", chosen on training pieces, never the held-out ones (`python bench/bench_genres.py --split "
                 "training --voicing NAME=VALUE` tries one; why each: `GENRES` in `models/corpora/genres.py`).")
    return text + " `compose(..., decoding=\"raw\")` gives each voice's likeliest pitch instead."


def _measured_text(measured: dict | None) -> str:
    if not measured:
        return ""
    load = measured["load_average"]
    return (f" Measured {measured['date']} in {measured['seconds']:.0f} s on a 2-core CPU shared with other "
            f"jobs (load average {load['before'][0]:.2f} before, {load['after'][0]:.2f} after; "
            "`python bench/bench_genres.py`).")
