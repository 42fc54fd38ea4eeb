"""A genre model's figures against its own corpus, and its card.

:func:`genre_report` accompanies the melody of every held-out piece of a
genre's corpus with :func:`composerlab.models.gan.generate.compose` and takes
the same metrics of the composers' parts and of the model's;
:func:`write_genre_card` writes them into the model's card. Split from
:mod:`composerlab.models.gan.genres` (the corpora, the runs), which re-exports both.

The held-out pieces are a few files of each corpus, so measuring a shipped
model does not need the whole corpus parsed (the quartets take about half an
hour with music21): :func:`held_out_pieces` reads only the files the shipped
model's json names as held out, and the corpus's whole-piece reference comes
from that json when the corpus is not cached.
"""
from __future__ import annotations

import json
import os
import time
import warnings
from pathlib import Path

import numpy as np

from composerlab.models.gan.custom import FolderMusic, Piece, build_dataset

EVAL_STEPS = 2048
"""A held-out piece is measured on its first 2048 steps at most (128 bars of 4/4)."""


def shipped_info(name: str) -> dict:
    """The shipped genre model's json (``data/models/<name>_gan.json``)."""
    from composerlab.models.gan.genres import get_genre
    from composerlab.paths import models_dir

    return json.loads((models_dir() / f"{get_genre(name).shipped_stem}.json").read_text())


def held_out_pieces(name: str, progress: bool = False) -> list[Piece]:
    """The held-out pieces of a genre: from its cached corpus, else only the files its shipped json holds out.

    The split (:func:`composerlab.models.gan.custom.build_dataset`) is a hash of each name over the
    whole corpus; where the corpus is not cached, the names the shipped model was measured on
    (``report.pieces`` in its json) are parsed alone and cached as ``.cache/genres/<name>_held_v1.npz``.
    """
    from composerlab.models.gan import genres

    if genres.cache_path(name).exists():
        return build_dataset(genres.read_genre(name, progress=False), **genre_split(name)).validation_chorales
    path = genres.cache_path(f"{name}_held")
    if path.exists():
        return genres._load_cache(name, path).pieces
    wanted = shipped_info(name)["report"]["pieces"]
    files = {genres.corpus_name(f): f for f in genres.corpus_files(name)}
    missing = [w for w in wanted if w not in files]
    if missing:
        raise FileNotFoundError(f"held-out pieces of {name} not in music21's corpus: {', '.join(missing)}")
    started = time.perf_counter()
    found = genres.parse_files(name, [files[w] for w in wanted], progress=progress)
    genres._save_cache(found, path, time.perf_counter() - started)
    return found.pieces


TRAINING_SAMPLE = 12
"""Training pieces a decoding weight is chosen on (:func:`training_pieces`)."""
CHOSEN_ON = {
    "palestrina": ("Agnus.krn", "Agnus_I_03.krn", "Benedictus_22.krn", "Credo_03_d.krn", "Credo_32_i.krn",
                   "Credo_66_f.krn", "Credo_93_c.krn", "Gloria_51.krn", "Kyrie_100.krn", "Kyrie_95_b.krn",
                   "Sanctus_44.krn", "Sanctus_rpt_02_c.krn"),
    "monteverdi": tuple(f"madrigal.{n}.mxl" for n in ("3.1", "3.13", "3.18", "3.3", "3.7", "4.10", "4.13", "4.17",
                                                         "4.4", "4.8", "5.3", "5.8")),
    "quartet": ("haydn/opus1no1/movement1.mxl", "haydn/opus1no1/movement3.mxl", "haydn/opus74no1/movement2.mxl",
                "mozart/k155/movement2.mxl", "mozart/k156/movement2.mxl", "mozart/k156/movement4.mxl",
                "mozart/k458/movement4.mxl", "mozart/k80/movement2.mxl", "mozart/k80/movement4.mxl",
                "beethoven/opus18no1/movement2.mxl", "beethoven/opus59no1/movement1.mxl",
                "beethoven/opus59no2/movement4.mxl"),
}
"""The training pieces each genre's decoding weights were chosen on (:data:`TRAINING_SAMPLE` of them, files up to
:data:`SAMPLE_BYTES`, evenly spaced by name among those not held out), by corpus name (``palestrina/`` and
``monteverdi/`` left off). They are fixed here so that they stay training pieces when a split grows
(:func:`genre_split`): a piece that chose a weight never measures the model."""
SAMPLE_BYTES = 60_000
"""Only training files up to this size were sampled: music21 parses a long Beethoven movement for minutes."""


def chosen_on(name: str) -> tuple[str, ...]:
    """The corpus names of the training pieces that chose ``name``'s decoding weights (:data:`CHOSEN_ON`)."""
    return tuple(n if "/" in n else f"{name}/{n}" for n in CHOSEN_ON.get(name, ()))


def genre_split(name: str) -> dict:
    """A genre's split of its corpus, as :func:`composerlab.models.gan.custom.build_dataset` takes it: its
    :attr:`~composerlab.models.gan.genres.Genre.held_out` pieces (by default a tenth), and the pieces that
    chose its decoding weights kept for training."""
    from composerlab.models.gan.genres import get_genre

    held_out = get_genre(name).held_out
    return {"keep": frozenset(chosen_on(name)), **({"held_out": held_out} if held_out else {})}


def training_pieces(name: str, count: int = TRAINING_SAMPLE, progress: bool = False) -> list[Piece]:
    """The training pieces a genre's decoding weights are chosen on (:data:`CHOSEN_ON`), never held-out ones.

    Parsed alone and cached as ``.cache/genres/<name>_train<count>_v1.npz``.
    """
    from composerlab.models.gan import genres

    path = genres.cache_path(f"{name}_train{count}")
    if path.exists():
        return genres._load_cache(name, path).pieces
    wanted = set(chosen_on(name)[:count])
    picked = [f for f in genres.corpus_files(name) if genres.corpus_name(f) in wanted]
    started = time.perf_counter()
    found = genres.parse_files(name, picked, progress=progress)
    genres._save_cache(found, path, time.perf_counter() - started)
    return found.pieces


def reference(found: FolderMusic) -> dict:
    """The corpus's own harmony figures, one value per whole piece: mean, 10th and 90th percentile.

    What :data:`composerlab.music.harmony.CHORALE_REFERENCE` is for the chorales, for this genre.
    """
    from composerlab.music.harmony import HARMONY_NAMES, evaluate_harmony

    rows = [evaluate_harmony(p.roll, p.meter) for p in found.pieces]
    out = {}
    for key in HARMONY_NAMES:
        values = np.array([r[key] for r in rows], dtype=float)
        values = values[~np.isnan(values)]
        out[key] = {"mean": float(values.mean()), "p10": float(np.percentile(values, 10)),
                    "p90": float(np.percentile(values, 90))}
    return out


def _first_steps(piece: Piece) -> np.ndarray:
    """A piece's first :data:`EVAL_STEPS` steps at most, in whole bars: what the figures measure of it."""
    from composerlab.music.pianoroll import steps_per_bar

    bar = steps_per_bar(piece.meter)
    return piece.roll[:, :min(piece.roll.shape[1], EVAL_STEPS // bar * bar)]


def corpus_figures(found: FolderMusic) -> dict:
    """Each metric's mean over every piece of the corpus (its first :data:`EVAL_STEPS` steps, as for the
    held-out pieces): the corpus's own figures, of which the few held-out pieces' are a sample. With ten
    held-out pieces, a figure that varies much from piece to piece (parallels: 0.16-1.66 a bar between the
    quartets' 10th and 90th percentile) differs from the corpus's by a third."""
    return _means([measure(_first_steps(p), p.meter) for p in found.pieces if p.roll[0].any()])


def _means(rows: list[dict]) -> dict:
    """Each metric's mean over ``rows`` (one :func:`measure` per piece; NaN where a piece has none)."""
    from composerlab.music.metrics import METRIC_NAMES

    return {k: float(np.nanmean([r[k] for r in rows])) for k in METRIC_NAMES}


def _ratios(generated: dict, reference: dict) -> dict:
    """Model / reference for each metric (:func:`_ratio`, with :data:`NONE_BELOW`)."""
    return {k: _ratio(generated[k], reference[k], NONE_BELOW.get(k, 0.0)) for k in generated}


def _melody_music(piece: Piece, steps: int):
    """A held-out piece's melody as a one-track Multitrack in its own meter."""
    import pypianoroll

    from composerlab.music.pianoroll import DEFAULT_VELOCITY, new_multitrack

    roll = piece.roll[0, :steps].astype(np.uint8) * DEFAULT_VELOCITY
    track = pypianoroll.StandardTrack(name="Melody", program=0, pianoroll=roll)
    return new_multitrack([track], steps, 100.0, tuple(piece.meter), piece.name)


def measure(composition: np.ndarray, meter) -> dict:
    """Every metric of one (4, steps, 128) composition, the harmony measures counted on its own meter's beats."""
    from composerlab.music import metrics
    from composerlab.music.harmony import evaluate_harmony

    return {**metrics.evaluate(composition), **evaluate_harmony(composition, tuple(meter))}


def genre_report(name: str, model: str | None = None, found: FolderMusic | None = None, seed: int = 0,
                 limit: int | None = None, decoding: str | None = None, voicing: dict | None = None,
                 split: str = "held out") -> dict:
    """A genre model's metrics against its own corpus's, on the held-out pieces' melodies.

    Each held-out piece (the split of :func:`composerlab.models.gan.custom.build_dataset`) is
    cut to at most :data:`EVAL_STEPS` steps; its melody is accompanied with
    :func:`composerlab.models.gan.generate.compose` (``model``: the shipped one by default, or a
    run's weights; ``decoding`` and ``voicing`` as ``compose`` takes them, by default the model's
    own), and the same metrics are taken of the composer's parts and of the model's. ``found``:
    the corpus as read (a run's); by default the held-out pieces alone (:func:`held_out_pieces`).
    ``split="train"``: a sample of training pieces instead (:func:`training_pieces`); ``"training"``:
    every training piece (the corpus is read), where a decoding weight is chosen.

    Returns
    -------
    dict
        ``pieces`` (names), ``data`` and ``generated`` (mean of each metric), ``ratio``
        (generated / data; 1 where both are 0, as Palestrina's parallels: the same none) and
        ``reference`` (the whole corpus's harmony figures, :func:`reference`, or the shipped json's
        where only the held-out pieces are read); ``corpus`` (every metric's mean over the whole corpus,
        :func:`corpus_figures`) and ``ratio_corpus`` (generated / corpus), where the corpus was read or the
        shipped json has them.
    """
    from composerlab.models.gan.generate import compose, default_decoding, load_model, voicing_weights
    from composerlab.music.pianoroll import stack_rolls

    started, load_before = time.perf_counter(), os.getloadavg()
    gan = load_model(model or name)
    decoding = decoding or default_decoding(model or name, gan)
    if split not in ("held out", "train", "training"):
        raise ValueError(f"split is 'held out', 'train' or 'training', not {split!r}")
    if found is None and split != "train":
        from composerlab.models.gan.genres import cache_path, read_genre

        if split == "training" or cache_path(name).exists():
            found = read_genre(name, progress=False)
    if split == "train":
        held = training_pieces(name)
    elif found is None:  # only the held-out pieces are read
        held = held_out_pieces(name)
    else:
        dataset = build_dataset(found, **genre_split(name))
        training = set(dataset.train_names)
        held = dataset.validation_chorales if split == "held out" else [p for p in found.pieces if p.name in training]
    held = held[:limit]
    if found is not None:
        ref, corpus = reference(found), corpus_figures(found)
    else:  # the corpus is not read: its figures as the shipped model's json keeps them
        shipped = shipped_info(name)["report"]
        ref, corpus = shipped["reference"], shipped.get("corpus")
    data, generated = [], []
    for piece in held:
        real = _first_steps(piece)
        steps = real.shape[1]
        if not real[0].any():
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a melody note outside the model's range is said once per run
            music = compose(_melody_music(piece, steps), model=model or name, seed=seed, decoding=decoding,
                            voicing=voicing)
        fake = stack_rolls(music, steps) > 0
        data.append(measure(real, piece.meter))
        generated.append(measure(fake, piece.meter))

    data_means, generated_means = _means(data), _means(generated)
    ratio = _ratios(generated_means, data_means)
    # How the figures were taken: a 2-core machine shared with others, so its load beside the time.
    measured = {"date": time.strftime("%Y-%m-%d"), "seconds": time.perf_counter() - started, "seed": seed,
                "load_average": {"before": list(load_before), "after": list(os.getloadavg())},
                "decoding": decoding, **({"split": split} if split != "held out" else {})}
    if decoding == "chords":
        measured["voicing"] = {k: v for k, v in vars(voicing_weights(gan, voicing)).items()
                               if k in {**getattr(gan, "info", {}).get("voicing", {}), **(voicing or {})}}
    report = {"pieces": [p.name for p in held], "data": data_means, "generated": generated_means, "ratio": ratio,
              "reference": ref, "measured": measured}
    if corpus:
        report["corpus"] = corpus
        report["ratio_corpus"] = _ratios(generated_means, corpus)
    return report


def remeasure(name: str, seed: int = 0) -> dict:
    """Set a shipped genre model to chord decoding at its corpus's dissonance, measure it again through
    ``compose()`` and write the figures into its json and card (``data/models/<name>_gan.*``).

    The json gets ``"decoding": "chords"`` and ``"voicing"`` (:func:`composerlab.models.gan.genres.genre_voicing`,
    from the corpus figures the json already holds); the figures of the decoding before go to
    ``previous_report``. The explicit step that changes shipped files (``bench/bench_genres.py --write``).
    Returns the new report."""
    from composerlab.models.gan import genres
    from composerlab.models.gan.generate import load_model
    from composerlab.paths import models_dir

    stem = models_dir() / genres.get_genre(name).shipped_stem
    info = json.loads(stem.with_suffix(".json").read_text())
    info.update({"decoding": "chords", "voicing": genres.genre_voicing(name, info["report"]["reference"])})
    stem.with_suffix(".json").write_text(json.dumps(info, indent=1))
    load_model.cache_clear()  # the json may have changed since it was loaded
    report = genre_report(name, seed=seed)
    if info.get("report", {}).get("measured", {}).get("decoding", "raw") != report["measured"]["decoding"]:
        info["previous_report"] = info["report"]
    info["report"] = report
    stem.with_suffix(".json").write_text(json.dumps(info, indent=1))
    write_genre_card(stem, info)
    return report


NONE_BELOW = {"parallels_per_bar": 0.001}
"""A rate this small counts as none: one parallel in a thousand bars. Palestrina's masses have 0.00056 a bar
over the whole corpus (one in 1,800 bars) and none in the held-out pieces; a model that writes none matches
them, as a model writing none matches a corpus with exactly none (:func:`_ratio`)."""


def _ratio(generated: float, data: float, none_below: float = 0.0) -> float:
    """Model / corpus; 1 where both are none (0, or below ``none_below``: :data:`NONE_BELOW`), NaN where only the
    corpus is."""
    if data <= none_below and generated <= none_below:
        return 1.0
    if data:
        return generated / data
    return float("nan")


def figures_text(report: dict, split: str = "held out") -> str:
    """A report's figures as a plain-text table (the terminal's, as the card's is markdown): each metric of the
    ``split`` pieces, the model's, the ratio and whether it is within 25%, then the whole corpus's where known."""
    corpus = report.get("corpus")
    lines = [f"{'metric':<22}{'pieces':>8}{'model':>8}{'ratio':>8}  within"
             + (f"{'corpus':>10}{'ratio':>8}  within" if corpus else "")]
    for metric, ratio in report["ratio"].items():
        line = (f"{metric:<22}{report['data'][metric]:>8.3f}{report['generated'][metric]:>8.3f}{ratio:>8.2f}  "
                f"{'yes' if within(ratio) else 'NO ':<6}")
        if corpus:
            whole = report["ratio_corpus"][metric]
            line += f"{corpus[metric]:>10.3f}{whole:>8.2f}  {'yes' if within(whole) else 'NO'}"
        lines.append(line)
    count = len(report["ratio"])
    lines.append(f"{sum(within(r) for r in report['ratio'].values())} of {count} metrics within 25% of the {split} "
                 "pieces' own" + (f"; {sum(within(r) for r in report['ratio_corpus'].values())} of {count} within 25% "
                                  "of the whole corpus's" if corpus else ""))
    return "\n".join(lines)


def within(ratio: float, tolerance: float = 0.25) -> bool:
    """Whether a model/corpus ratio is within ``tolerance`` (25%) of 1."""
    return bool(np.isfinite(ratio) and abs(ratio - 1.0) <= tolerance)


def write_genre_card(stem: Path, info: dict) -> Path:
    """Write ``<stem>.md``, a genre model's card, from the run's ``.json``; return its path."""
    from composerlab.models.gan import genres
    from composerlab.music.metrics import METRIC_NAMES

    genre = genres.get_genre(info["genre"])
    config, data, report = info["config"], info["data"], info["report"]
    files = data["files"]
    meters = {}
    for *_, meter in files:
        meters["/".join(map(str, meter))] = meters.get("/".join(map(str, meter)), 0) + 1
    voicings = {}
    for _, parts, _ in files:
        voicings[", ".join(parts)] = voicings.get(", ".join(parts), 0) + 1
    load = info["load_average"]
    lines = [
        f"# Model card: {genre.summary.split(':')[0]} (`{genre.name}`)", "",
        f"{genre.summary}.", "",
        f"Use it with `composerlab compose twinkle --model {genre.name} -o out.mid` or "
        f"`compose(music, model=\"{genre.name}\")`; in a chain, e.g. `--model arcnn,{genre.name}`. "
        f"Played by {genre.instruments} (General MIDI {', '.join(map(str, genre.programs))}; "
        "`--programs` chooses others).", "",
        f"Files: `{genre.shipped_stem}.weights.h5` (generator weights), `{genre.shipped_stem}.json` (settings, "
        "data, figures), this card. Code: `composerlab/models/gan/genres.py` (corpus, figures, card), "
        "`models/gan/custom.py` (reading, parts, windows), `models/gan/network.py` and `training.py` "
        "(the Bach model's network and loop).", "",
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
    lines += [
        "",
        f"Windows of 2 x 16 steps (16th notes), one every 16 steps on each piece's continuous timeline, kept "
        f"where the melody and a part sound; split by piece with a fixed hash of its name: "
        f"{data['train_pieces']} pieces / {data['train_windows']} windows for training, "
        f"{data['validation_pieces']} pieces / {data['validation_windows']} windows held out. Random "
        f"transposition of up to {config['max_shift']} semitones; pitches {config['lowest_pitch']} to "
        f"{config['lowest_pitch'] + config['n_pitches'] - 1} (notes outside are not learned). Melodies' mean "
        f"pitch {info['soprano_centre']:.1f}: `compose` moves a melody by octaves to sit near it.", "",
        "## Training", "",
        "| iterations | batch | learning rate | update ratio | GP weight | key weight | noise | channels | seed |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {config['iterations']} | {config['batch_size']} | {config['learning_rate']:g} | {config['update_ratio']} | "
        f"{config['gp_weight']:g} | {config['key_weight']:g} | {config['noise_dim']} | {config['channels']} | "
        f"{config['seed']} |", "",
        (f"The generator kept is the one of iteration {info['selected_iteration']} (of {config['iterations']}; "
         f"{config['iterations'] // max(1, config['iterations'] // genres.EVALUATIONS)} evaluations): the one whose "
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
        "## Decoding", "",
        _decoding_text(info), "",
        "## Figures against its own corpus", "",
        f"The melodies of the {len(report['pieces'])} held-out pieces (first {EVAL_STEPS} steps at most), "
        f"accompanied by `compose()` at seed {report.get('measured', {}).get('seed', 0)}, at the model's "
        "decoding; the composers' own parts against the model's, "
        "every metric from `music/metrics.py` (the pypianoroll-based ones `bench/bench_gan.py` uses) and "
        "`music/harmony.py` (harmony counted on each piece's own beats). Ratio = model / corpus (1 where both "
        "are none: 0, or fewer parallels than one in 1,000 bars); \"within 25%\" = ratio 0.75-1.25."
        + _measured_text(report.get("measured")), "",
    ]
    before = info.get("previous_report")
    corpus = report.get("corpus")
    header = "| metric | held-out pieces | model | ratio | within 25% |"
    if corpus:
        header += f" whole corpus ({len(files)} pieces) | ratio | within 25% |"
    if before:
        header += f" before: {before.get('measured', {}).get('decoding', 'raw')} decoding | ratio | within |"
    lines += [header, "|" + "---|" * (header.count("|") - 1)]

    def cells(value: float, ratio: float) -> str:
        shown = f"{ratio:.2f}" if np.isfinite(ratio) else "-"
        return f" {value:.3f} | {shown} | {'yes' if within(ratio) else 'no'} |"

    for key in METRIC_NAMES:
        row = f"| {key.replace('_', ' ')} | {report['data'][key]:.3f} |"
        row += cells(report["generated"][key], report["ratio"][key])
        if corpus:
            row += cells(corpus[key], report["ratio_corpus"][key])
        if before:
            row += cells(before["generated"][key], before["ratio"][key])
        lines.append(row)
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
    if corpus:
        inside = sum(within(r) for r in report["ratio_corpus"].values())
        count += (f" Against the whole corpus (every piece's first {EVAL_STEPS} steps; the held-out pieces are a "
                  f"sample of it), {inside} of {len(METRIC_NAMES)}.")
    lines += ["", count + (f" {info['figures_note']}" if info.get("figures_note") else "")]
    ref = report["reference"]
    lines += ["", f"The corpus's harmony over whole pieces ({len(files)} pieces, one value each; the chorales' "
              "range is in `music/harmony.py`):", "",
              "| measure | mean | 10th-90th percentile |", "|---|---|---|"]
    lines += [f"| {k.replace('_', ' ')} | {v['mean']:.3f} | {v['p10']:.3f}-{v['p90']:.3f} |" for k, v in ref.items()]
    lines += ["", f"Held out: {', '.join(report['pieces'])}.", ""]
    path = Path(f"{stem}.md")
    path.write_text("\n".join(lines))
    return path




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
                 "training --voicing NAME=VALUE` tries one; why each: `GENRES` in `models/gan/genres.py`).")
    return text + " `compose(..., decoding=\"raw\")` gives each voice's likeliest pitch instead."


def _measured_text(measured: dict | None) -> str:
    if not measured:
        return ""
    load = measured["load_average"]
    return (f" Measured {measured['date']} in {measured['seconds']:.0f} s on a 2-core CPU shared with other "
            f"jobs (load average {load['before'][0]:.2f} before, {load['after'][0]:.2f} after; "
            "`python bench/bench_genres.py`).")
