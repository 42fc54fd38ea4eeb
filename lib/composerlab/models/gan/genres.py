"""Genre models: the accompaniment GAN trained on a corpus that ships with music21.

Beside ``bach`` the kit ships three genres, each named for ``--model``:

=============  ================================================  =====================================
name           corpus (music21's ``corpus`` folder)              played by (General MIDI)
=============  ================================================  =====================================
``palestrina`` Palestrina's mass movements (Humdrum), 4-6 voices  voices: choir aahs, voice oohs
``monteverdi`` Monteverdi's madrigals, books 3-5 (MusicXML)       a voice over viols (viola, cello)
``quartet``    string quartets of Haydn, Mozart and Beethoven     strings: violin, violin, viola, cello
=============  ================================================  =====================================

A genre run is the run of your own music (:func:`composerlab.models.gan.custom.train_custom`)
over the genre's corpus files, with one change to the part rule: the **lowest** part is always
learned (``keep_bass``), beside the two busiest others, so a five-voice madrigal or mass keeps its
bass line. From a terminal::

    composerlab train gan --genre palestrina              # out/models/palestrina.*, with its card
    composerlab train gan --genre palestrina --install    # ... then copied over data/models/palestrina_gan.*

The corpus is read once and cached under ``.cache/genres/``. Each genre's
figures are measured against its **own** corpus (:func:`genre_report`): the
melody of every held-out piece is accompanied by :func:`composerlab.models.gan.generate.compose`,
and the same metrics are taken of the composer's parts and of the model's.
"""
from __future__ import annotations

import json
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from composerlab.models.gan.custom import FolderMusic, Piece, build_dataset, piece_roll, train_custom
from composerlab.paths import cache_dir, user_models_dir

CACHE_VERSION = 1
SUFFIXES = (".weights.h5", ".json", ".md")
"""The files a genre model ships as in ``data/models/`` (``<name>_gan`` + each)."""
EVALUATIONS = 16
"""Evaluations in a genre run; the generator of the one closest to the training data's figures is kept."""
EVAL_STEPS = 2048
"""A held-out piece is measured on its first 2048 steps at most (128 bars of 4/4)."""


@dataclass(frozen=True)
class Genre:
    """One genre model: where its music comes from, how it sounds, how long it trains.

    Parameters
    ----------
    name : str
        The ``--model`` name; its one-line card is its entry's in :data:`composerlab.models.catalog.MODELS`.
    collections : tuple of str
        music21 corpus collections (``music21.corpus.getComposer``).
    every : int
        Keep every ``every``-th file by name (Palestrina's 1,318 movements are more than a run needs).
    exclude : tuple of str
        Corpus files left out (path endings), with the reason in :data:`GENRES`' comments.
    programs : tuple of 4 int
        General MIDI programs of melody and the three parts, for the audio and the player.
    instruments : str
        The programs in words, for the card.
    iterations : int
        Training length of the shipped model.
    learning_rate : float
        Its Adam learning rate.
    settings : dict
        Other :class:`~composerlab.models.gan.network.GANConfig` values (the quartet's wider pitch range).
    """

    name: str
    collections: tuple
    programs: tuple
    instruments: str
    iterations: int
    learning_rate: float = 1e-3
    settings: dict = field(default_factory=dict)
    every: int = 1
    exclude: tuple = ()

    @property
    def summary(self) -> str:
        from composerlab.models.catalog import MODELS

        return MODELS[self.name].summary

    @property
    def shipped_stem(self) -> str:
        return f"{self.name}_gan"


GENRES: dict[str, Genre] = {
    "palestrina": Genre(
        "palestrina",
        ("palestrina",), (52, 53, 53, 52), "choir aahs (melody, bass), voice oohs (inner voices)",
        iterations=6000, learning_rate=5e-4, every=6),
    "monteverdi": Genre(
        "monteverdi",
        ("monteverdi",), (53, 41, 41, 42), "voice oohs (melody) over a viol consort: viola, viola, cello",
        iterations=6000, learning_rate=5e-4),
    "quartet": Genre(
        "quartet",
        ("haydn", "mozart", "beethoven"), (40, 40, 41, 42), "violin, violin, viola, cello",
        iterations=6000, learning_rate=5e-4,
        # the first violin climbs above the chorales' range (C#6): pitches C2 to D#7
        settings={"lowest_pitch": 36, "n_pitches": 64},
        # k545 is a piano sonata; Beethoven's op. 18 no. 1 is there twice (Humdrum and MusicXML)
        exclude=("mozart/k545/movement1_exposition.mxl", "opus18no1/movement1.krn", "opus18no1/movement2.krn",
                 "opus18no1/movement3.krn", "opus18no1/movement4.krn")),
}
"""The genre models, by ``--model`` name."""


def get_genre(name: str) -> Genre:
    """The genre called ``name``; a ValueError lists the genres for any other name."""
    if name not in GENRES:
        raise ValueError(f"no genre '{name}': the genres are {', '.join(GENRES)}")
    return GENRES[name]


def corpus_files(name: str) -> list[Path]:
    """The music21 corpus files a genre learns from: its collections' scores, by name, every ``every``-th."""
    import music21

    from composerlab.music.notation import is_notation_name

    genre = get_genre(name)
    files = []
    for collection in genre.collections:
        paths = sorted((Path(str(p)) for p in music21.corpus.getComposer(collection) if is_notation_name(str(p))),
                       key=str)
        files += [p for p in paths if not any(p.as_posix().endswith(e) for e in genre.exclude)]
    return files[:: genre.every]


def corpus_name(path: Path) -> str:
    """A corpus file as it is named in cards: ``palestrina/Agnus_01.krn``."""
    return path.as_posix().split("/corpus/", 1)[-1]


def cache_path(name: str) -> Path:
    """Where a genre's parsed pieces are kept (``.cache/genres/<name>_v1.npz`` + ``.json``)."""
    folder = cache_dir() / "genres"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}_v{CACHE_VERSION}.npz"


def read_genre(name: str, limit: int | None = None, progress: bool = True) -> FolderMusic:
    """The pieces of a genre's corpus (melody + three parts each), read once and cached.

    ``limit`` reads only the first ``limit`` files, without the cache (for tests). A file
    the reader refuses is listed in ``skipped`` with its reason, as in your own runs.
    """
    from tqdm.auto import tqdm

    from composerlab.errors import MusicFileError
    from composerlab.music.melody import read_music

    path = cache_path(name)
    if limit is None and path.exists():
        return _load_cache(name, path)
    files = corpus_files(name)[:limit]
    started = time.perf_counter()
    found = FolderMusic(f"music21 corpus: {', '.join(get_genre(name).collections)}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # music21's notes on the scores' own quirks
        for file in tqdm(files, desc=f"reading {name}", disable=not progress):
            try:
                piece = piece_roll(read_music(file), keep_bass=True)
            except MusicFileError as err:
                found.skipped.append((corpus_name(file), err.reason))
                continue
            piece.name = corpus_name(file)
            found.pieces.append(piece)
    if limit is None:
        _save_cache(found, path, time.perf_counter() - started)
    return found


def parse_seconds(name: str) -> float | None:
    """How long reading the genre's corpus took the time it was cached (None: not cached)."""
    meta = cache_path(name).with_suffix(".json")
    return json.loads(meta.read_text()).get("parse_seconds") if meta.exists() else None


def _save_cache(found: FolderMusic, path: Path, seconds: float) -> None:
    lengths = np.array([p.roll.shape[1] for p in found.pieces])
    rolls = np.concatenate([p.roll for p in found.pieces], axis=1)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, lengths=lengths, rolls=np.packbits(rolls.ravel()))
    meta = {"folder": found.folder, "skipped": found.skipped, "parse_seconds": seconds,
            "pieces": [[p.name, p.parts, list(p.meter)] for p in found.pieces]}
    path.with_suffix(".json").write_text(json.dumps(meta))
    tmp.replace(path)


def _load_cache(name: str, path: Path) -> FolderMusic:
    meta = json.loads(path.with_suffix(".json").read_text())
    with np.load(path) as data:
        lengths, packed = data["lengths"], data["rolls"]
    total = int(lengths.sum())
    flat = np.unpackbits(packed)[: 4 * total * 128].astype(bool).reshape(4, total, 128)
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    pieces = [Piece(n, flat[:, a:b].copy(), parts, tuple(meter))
              for (n, parts, meter), a, b in zip(meta["pieces"], bounds[:-1], bounds[1:])]
    return FolderMusic(meta["folder"], pieces, [tuple(s) for s in meta["skipped"]])


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
                 limit: int | None = None) -> dict:
    """A genre model's metrics against its own corpus's, on the held-out pieces' melodies.

    Each held-out piece (the split of :func:`composerlab.models.gan.custom.build_dataset`) is
    cut to at most :data:`EVAL_STEPS` steps; its melody is accompanied with
    :func:`composerlab.models.gan.generate.compose` (``model``: the shipped one by default, or a
    run's weights), and the same metrics are taken of the composer's parts and of the model's.

    Returns
    -------
    dict
        ``pieces`` (names), ``data`` and ``generated`` (mean of each metric), ``ratio``
        (generated / data) and ``reference`` (the whole corpus's harmony figures, :func:`reference`).
    """
    from composerlab.models.gan.generate import compose
    from composerlab.music.metrics import METRIC_NAMES
    from composerlab.music.pianoroll import stack_rolls, steps_per_bar

    found = found or read_genre(name, progress=False)
    held = build_dataset(found).validation_chorales[:limit]
    data, generated = [], []
    for piece in held:
        bar = steps_per_bar(piece.meter)
        steps = min(piece.roll.shape[1], EVAL_STEPS // bar * bar)
        real = piece.roll[:, :steps]
        if not real[0].any():
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a melody note outside the model's range is said once per run
            music = compose(_melody_music(piece, steps), model=model or name, seed=seed)
        fake = stack_rolls(music, steps) > 0
        data.append(measure(real, piece.meter))
        generated.append(measure(fake, piece.meter))

    def means(rows):
        return {k: float(np.nanmean([r[k] for r in rows])) for k in METRIC_NAMES}

    data_means, generated_means = means(data), means(generated)
    ratio = {k: generated_means[k] / data_means[k] if data_means[k] else float("nan") for k in METRIC_NAMES}
    return {"pieces": [p.name for p in held], "data": data_means, "generated": generated_means, "ratio": ratio,
            "reference": reference(found)}


def within(ratio: float, tolerance: float = 0.25) -> bool:
    """Whether a model/corpus ratio is within ``tolerance`` (25%) of 1."""
    return bool(np.isfinite(ratio) and abs(ratio - 1.0) <= tolerance)


def train_genre(name: str, iterations: int | None = None, seed: int = 0, limit: int | None = None,
                progress: bool = True, folder: str | Path | None = None, learning_rate: float | None = None) -> dict:
    """Train a genre model on its corpus, measure it against its corpus and write its card.

    The run goes to ``folder`` (default :func:`composerlab.paths.user_models_dir`) as
    ``<name>.weights.h5``, ``.json`` and ``.md``, never to ``data/models``; :func:`install`
    copies it there. Returns what :func:`composerlab.models.gan.custom.train_custom` returns,
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
                          eval_every=max(1, iterations // EVALUATIONS))
    load_after = os.getloadavg()
    stem = Path(str(result["path"]).removesuffix(".weights.h5"))
    report = genre_report(name, model=str(stem), found=found, seed=seed)
    command = (f"composerlab train gan --genre {name}"
               + (f" --iterations {iterations}" if iterations != genre.iterations else "")
               + (f" --learning-rate {learning_rate:g}" if learning_rate != genre.learning_rate else "")
               + (f" --seed {seed}" if seed else ""))
    meta_path = Path(f"{stem}.json")
    info = json.loads(meta_path.read_text())
    info.update({"selection": "weighted mean |log ratio|, consonant beats and chord fit counted twice",
                 "summary": genre.summary, "genre": name, "programs": list(genre.programs), "command": command,
                 "read_seconds": read_seconds, "parse_seconds": parse_seconds(name) if limit is None else read_seconds,
                 "wall_seconds": result["wall_seconds"],
                 "load_average": {"before": list(load_before), "after": list(load_after)},
                 "corpus_files": [corpus_name(p) for p in corpus_files(name)][:limit], "report": report})
    meta_path.write_text(json.dumps(info, indent=1))
    from composerlab.models.gan.generate import load_model

    load_model.cache_clear()  # the figures loaded the run before its settings named its instruments
    card = write_genre_card(stem, info)
    return {**result, "card": card, "report": report, "load": info["load_average"], "command": command}


def write_genre_card(stem: Path, info: dict) -> Path:
    """Write ``<stem>.md``, a genre model's card, from the run's ``.json``; return its path."""
    from composerlab.music.metrics import METRIC_NAMES

    genre = get_genre(info["genre"])
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
        "## Figures against its own corpus", "",
        f"The melodies of the {len(report['pieces'])} held-out pieces (first {EVAL_STEPS} steps at most), "
        f"accompanied by `compose()` at seed 0; the composers' own parts against the model's, "
        "every metric from `music/metrics.py` (the pypianoroll-based ones `bench/bench_gan.py` uses) and "
        "`music/harmony.py` (harmony counted on each piece's own beats). Ratio = model / corpus; "
        "\"within 25%\" = ratio 0.75-1.25.", "",
        "| metric | corpus | model | ratio | within 25% |", "|---|---|---|---|---|",
    ]
    for key in METRIC_NAMES:
        d, g, r = report["data"][key], report["generated"][key], report["ratio"][key]
        shown = f"{r:.2f}" if np.isfinite(r) else "-"
        lines.append(f"| {key.replace('_', ' ')} | {d:.3f} | {g:.3f} | {shown} | {'yes' if within(r) else 'no'} |")
    outside = [key for key in METRIC_NAMES if not within(report["ratio"][key])]
    if outside:
        shown = [f"{k.replace('_', ' ')} ({report['generated'][k]:.3f} against {report['data'][k]:.3f}"
                 + (", the corpus has none: no ratio" if not report["data"][k] else "") + ")" for k in outside]
        lines += ["", f"{len(METRIC_NAMES) - len(outside)} of {len(METRIC_NAMES)} within 25%. Outside: "
                  f"{'; '.join(shown)}. Each voice is decoded on its own (`generate.decode`: its likeliest "
                  "pitch), not as a chord; these figures are measured through `compose()`, so "
                  "`python bench/bench_genres.py` shows what a chord-aware decoding changes."]
    ref = report["reference"]
    lines += ["", f"The corpus's harmony over whole pieces ({len(files)} pieces, one value each; the chorales' "
              "range is in `music/harmony.py`):", "",
              "| measure | mean | 10th-90th percentile |", "|---|---|---|"]
    lines += [f"| {k.replace('_', ' ')} | {v['mean']:.3f} | {v['p10']:.3f}-{v['p90']:.3f} |" for k, v in ref.items()]
    lines += ["", f"Held out: {', '.join(report['pieces'])}.", ""]
    path = Path(f"{stem}.md")
    path.write_text("\n".join(lines))
    return path


def install(name: str, folder: str | Path | None = None) -> list:
    """Copy a genre run (``out/models/<name>.*``) over the shipped ``data/models/<name>_gan.*``.

    The card's file names already say ``<name>_gan``. Raises FileNotFoundError, copying
    nothing, when the run is missing.
    """
    from composerlab.models import install_run

    genre = get_genre(name)
    stem = Path(folder or user_models_dir()) / name
    return install_run(stem, SUFFIXES, genre.shipped_stem, f"{name} genre model",
                       f"composerlab train gan --genre {name}")
