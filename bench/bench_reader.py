"""Benchmark of the MIDI reader on long real pieces: music21's quartets and madrigals written to MIDI.

Run: ``python bench/bench_reader.py`` (the first run lets music21 write every
file, about half an hour on a 2-core CPU; the files are kept in
``music21_midi/`` under the cache folder, ``COMPOSERLAB_CACHE``, so later runs only read). ``--composers`` picks
collections.

For every file of music21's Beethoven, Haydn, Mozart and Monteverdi
collections (each score of a multi-score file on its own) it writes the MIDI
file music21 makes (10,080 ticks per quarter note), reads it with
:func:`composerlab.music.midi.read_midi`, and prints per collection: files,
files read, refused (with the reason), the longest piece in beats and its
largest tick, and the reading time; then the share read against the target
(every file).
"""
from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

COLLECTIONS = ("beethoven", "haydn", "mozart", "monteverdi")
TARGET_SHARE = 1.0


def write_midi_with_music21(score, path: Path) -> bool:
    """Let music21 write ``score`` to MIDI; True when it had to leave the repeats as written.

    music21 writes repeats out in full, and refuses a score whose repeat signs
    it cannot follow (e.g. Beethoven's op. 132 and op. 18 no. 3 in its corpus);
    those are written again with the repeat signs removed, so the file still
    holds every bar once.
    """
    import music21

    try:
        score.write("midi", fp=str(path))
        return False
    except music21.repeat.ExpanderException:
        plain = score.__deepcopy__()
        for measure in plain.recurse().getElementsByClass(music21.stream.Measure):
            for side in ("leftBarline", "rightBarline"):
                if isinstance(getattr(measure, side), music21.bar.Repeat):
                    setattr(measure, side, music21.bar.Barline("regular"))
        for element in list(plain.recurse().getElementsByClass(
                (music21.repeat.RepeatExpression, music21.spanner.RepeatBracket))):
            element.activeSite.remove(element)
        plain.write("midi", fp=str(path))
        return True


def _write_file(job: tuple[str, str]) -> tuple[str, list, float, str]:
    """Write one corpus file's scores to MIDI: (corpus name, paths, seconds, note); runs in a worker."""
    import music21

    path, folder = job
    corpus_name = path.split("/corpus/", 1)[-1]
    stem = corpus_name.replace("/", "__")  # the suffix stays: movement1.krn and movement1.mxl are two files
    done = sorted(Path(folder).glob(f"{stem}.mid")) + sorted(Path(folder).glob(f"{stem}#*.mid"))
    if done:  # written meanwhile by another run
        return corpus_name, [str(p) for p in done], 0.0, ""
    started = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = music21.corpus.parse(path)
            scores = list(parsed.scores) if isinstance(parsed, music21.stream.Opus) else [parsed]
            targets = [Path(folder) / (f"{stem}.mid" if len(scores) == 1 else f"{stem}#{i + 1}.mid")
                       for i in range(len(scores))]
            plain = [write_midi_with_music21(score, target) for score, target in zip(scores, targets)]
    except Exception as exc:  # music21 cannot write every corpus file; say which and go on
        return corpus_name, [], time.perf_counter() - started, f"music21 could not write it: {type(exc).__name__}: {exc}"
    note = "music21 could not follow its repeats; written without them" if any(plain) else ""
    return corpus_name, [str(t) for t in targets], time.perf_counter() - started, note


def written_midi(composers=COLLECTIONS, workers: int = 1, progress: bool = True) -> tuple[list, list]:
    """(collection, corpus name, MIDI path, seconds music21 took to write it) for every score, and
    (corpus name, reason) for every file music21 could not write.

    Files already written (``music21_midi/`` in the cache folder) are reused, at 0 seconds;
    ``workers`` processes write the others.
    """
    from concurrent.futures import ProcessPoolExecutor

    import music21

    from composerlab.paths import cache_dir

    folder = cache_dir() / "music21_midi"
    folder.mkdir(parents=True, exist_ok=True)
    out, jobs, failed = [], [], []
    for composer in composers:
        for path in sorted(music21.corpus.getComposer(composer), key=str):
            corpus_name = str(path).split("/corpus/", 1)[-1]
            stem = corpus_name.replace("/", "__")
            existing = sorted(folder.glob(f"{stem}.mid")) + sorted(folder.glob(f"{stem}#*.mid"))
            if existing:
                out += [(composer, corpus_name, p, 0.0) for p in existing]
            else:
                jobs.append((composer, str(path)))
    jobs.sort(key=lambda job: Path(job[1]).stat().st_size)  # small files first: most are done soonest
    with ProcessPoolExecutor(max(1, workers)) as pool:
        done = pool.map(_write_file, [(path, str(folder)) for _, path in jobs])
        for (composer, _), (corpus_name, targets, seconds, note) in zip(jobs, done):
            out += [(composer, corpus_name, Path(t), seconds / len(targets)) for t in targets]
            if not targets:
                failed.append((corpus_name, note))
            if progress:
                print(f"  {corpus_name}: {len(targets)} file(s) in {seconds:.1f} s {note}".rstrip(), flush=True)
    order = {c: i for i, c in enumerate(composers)}
    return sorted(out, key=lambda row: (order[row[0]], row[1], str(row[2]))), failed


def largest_tick(path: Path) -> tuple[int, int]:
    """(largest absolute tick, ticks per quarter note) of a MIDI file."""
    import mido

    midi_file = mido.MidiFile(str(path))
    return max(sum(m.time for m in t) for t in midi_file.tracks), midi_file.ticks_per_beat


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--composers", nargs="+", default=list(COLLECTIONS), choices=COLLECTIONS)
    parser.add_argument("--workers", type=int, default=1, help="processes letting music21 write the files")
    args = parser.parse_args(argv)

    from composerlab.errors import MusicFileError
    from composerlab.music.midi import PRETTY_MIDI_MAX_TICK, read_midi
    from composerlab.music.pianoroll import n_steps_of, STEPS_PER_BEAT

    started = time.perf_counter()
    files, not_written = written_midi(args.composers, args.workers)
    write_seconds = time.perf_counter() - started
    print()
    print(f"{'collection':<12}{'files':>6}{'read':>6}{'refused':>8}{'past 1e7':>9}{'longest':>9}"
          f"{'largest tick':>14}{'read s':>8}{'s/file':>8}")
    refused, total_read, total_files = [], 0, 0
    for composer in args.composers:
        rows = [f for f in files if f[0] == composer]
        ok, past, longest, biggest, seconds = 0, 0, 0, 0, 0.0
        for _, corpus_name, path, _ in rows:
            tick, division = largest_tick(path)
            past += tick + 1 > PRETTY_MIDI_MAX_TICK
            biggest = max(biggest, tick)
            began = time.perf_counter()
            try:
                music = read_midi(path)
            except MusicFileError as exc:
                refused.append((path.name, str(exc)))
                continue
            finally:
                seconds += time.perf_counter() - began
            ok += 1
            longest = max(longest, n_steps_of(music) // STEPS_PER_BEAT)
        total_read += ok
        total_files += len(rows)
        print(f"{composer:<12}{len(rows):>6}{ok:>6}{len(rows) - ok:>8}{past:>9}{longest:>9}"
              f"{biggest:>14,}{seconds:>8.1f}{seconds / max(1, len(rows)):>8.2f}")
    share = total_read / total_files if total_files else float("nan")
    print(f"\nread {total_read} of {total_files} files ({share:.1%}; target {TARGET_SHARE:.0%}, "
          f"ratio {share / TARGET_SHARE:.2f}); music21 writing took {write_seconds:.0f} s (0 when cached)")
    for name, reason in refused:
        print(f"  refused {name}: {reason}")
    for name, reason in not_written:
        print(f"  not written (no MIDI to read): {name}: {reason}")
    return 0 if total_read == total_files and not not_written else 1


if __name__ == "__main__":
    raise SystemExit(main())
