"""``composerlab info``, ``samples``, ``render`` and ``demo``: the music core and sound from a terminal.

Each command imports what it uses when it runs, so that building the parser (``--help``) loads none of it.
"""
from __future__ import annotations

import json
from pathlib import Path


def _cmd_info(args) -> int:
    from composerlab.music.melody import describe, read_music

    info = describe(read_music(args.file))
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"{Path(args.file).name}: {info['bars']} bars of {info['time_signature']}, "
          f"{info['notes']} notes, key {info['key']}, tempo {info['tempo']:g} bpm")
    for i, track in enumerate(info["tracks"], 1):
        span = f"{track['lowest']}-{track['highest']}" if track["notes"] else "-"
        kind = "drums" if track["is_drum"] else f"program {track['program']}"
        print(f"  {i}. {track['name']:<28} {kind:<12} {track['notes']:>5} notes  pitches {span}")
    return 0


def _cmd_samples(args) -> int:
    from composerlab.music.midi import write_midi
    from composerlab.music.samples import SAMPLES, load_sample

    if args.write:
        out = Path(args.write)
        out.mkdir(parents=True, exist_ok=True)
        for key in SAMPLES:
            path = write_midi(load_sample(key), out / f"{key}.mid")
            print(path)
        return 0
    for key, sample in SAMPLES.items():
        num, den = sample.time_signature
        print(f"{key:<16} {sample.title:<32} {num}/{den}  {sample.source}")
    return 0


def _cmd_render(args) -> int:
    from composerlab.music.samples import read_melody
    from composerlab.sound.audio import write_audio

    path = write_audio(read_melody(args.file), args.output)
    print(f"wrote {path}")
    return 0


def _cmd_demo(args) -> int:
    from composerlab.models.catalog import compose_chain
    from composerlab.music.samples import load_sample
    from composerlab.paths import REPO_ROOT, out_dir
    from composerlab.sound.audio import write_audio

    folder = Path(args.output) if args.output else out_dir() / "demo"
    melody = load_sample(args.sample)
    print(f"wrote {write_audio(melody, folder / f'{args.sample}.mid')}  (the melody)")
    print(f"accompanying '{melody.name}' in four parts with the Bach chorale GAN ...")
    chorale = compose_chain(melody, "bach", seed=args.seed)
    for suffix in (".mid", ".wav", ".mp3"):
        print(f"wrote {write_audio(chorale, folder / f'{args.sample}_bach{suffix}')}")
    from composerlab.cli.jupyter import write_offline_settings

    try:
        written = write_offline_settings()
        print(f"JupyterLab set to work offline (no news, no update check): {', '.join(map(str, written))}")
    except (OSError, ValueError) as err:  # a read-only environment: the demo itself still worked
        print(f"note: could not set JupyterLab to work offline ({err}); run 'composerlab setup' where you can")
    labs = REPO_ROOT / "labs"
    print(f"\nThe labs are in {labs}:")
    for notebook in sorted(labs.glob("*.ipynb")):
        print(f"  {notebook.name}")
    print(f"Open them with:  jupyter lab {labs}")
    return 0


def add_command(subparsers) -> None:
    """Add ``info``, ``samples``, ``render`` and ``demo``."""
    p = subparsers.add_parser("info", help="describe a MIDI, MusicXML or ABC file")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(run=_cmd_info)

    p = subparsers.add_parser("samples", help="list the sample melodies, or write them as MIDI files")
    p.add_argument("--write", metavar="DIR", help="write every sample melody to DIR as .mid")
    p.set_defaults(run=_cmd_samples)

    p = subparsers.add_parser("render", help="render a music file or sample melody to WAV, MP3 or MIDI")
    p.add_argument("file", help="a .mid/.midi/.musicxml/.abc file, or a sample name (see 'samples')")
    p.add_argument("-o", "--output", required=True, help="out.wav, out.mp3 or out.mid")
    p.set_defaults(run=_cmd_render)

    p = subparsers.add_parser("demo", help="the first run: harmonise a sample melody with the Bach GAN, list the labs")
    p.add_argument("--sample", default="twinkle", help="sample melody (default: twinkle)")
    p.add_argument("--seed", type=int, default=0, help="another seed gives another accompaniment")
    p.add_argument("-o", "--output", metavar="DIR", help="where to write (default: out/demo)")
    p.set_defaults(run=_cmd_demo)
