"""What one learner costs: each lab notebook run by papermill, timed, with its CPU and peak memory.

Run (workshop defaults, the figures the playbook and the JupyterHub sizing use; about 15-25 min on 2 cores):

    python bench/bench_labs.py

Quick check with the tests' small parameters (tests/notebook_params.py; the figures are NOT workshop figures):

    python bench/bench_labs.py --test-params

Other options: ``--labs 03 04`` (labs whose file name contains these), ``--update`` (keep the other labs'
rows of the output file), ``-p NAME=VALUE`` (a parameter for every lab run, value read as JSON),
``--sizing-from FILE`` (print the sizing table of an earlier run).

How it measures, per lab, in a fresh ``python -m papermill`` subprocess with its own kernel:
- wall time: from start to exit of papermill (kernel start-up included, as a learner waits for it);
- CPU seconds: ``resource.getrusage(RUSAGE_CHILDREN)`` user + system, before and after: papermill
  and the kernel it starts and waits for (Linux/macOS);
- peak memory: psutil samples the resident memory (RSS) of papermill and all its descendants every
  0.2 s; ``kernel_peak_mb`` is the kernel process alone (what a learner's kernel holds on a
  JupyterHub), ``tree_peak_mb`` everything (papermill itself included). A peak shorter than 0.2 s
  can be missed.

Writes ``out/bench/labs-defaults.json`` (or ``labs-test-params.json``) and prints a table, then the
JupyterHub sizing for 30, 100 and 300 learners (40% and 60% active at once, 128 MB per hub user).
"""
from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
HUB_USER_MB = 128
"""What a JupyterHub adds per logged-in user (its single-user server), from the issue's planning figure."""
LEARNERS = (30, 100, 300)
ACTIVE = (0.4, 0.6)
SLOT_MINUTES = {"00": 10, "01": 25, "02": 20, "03": 30, "04": 25, "05": 25, "06": 25, "07": 30, "08": 120}
"""Each lab's slot in the playbook's agendas (minutes); lab 08 (the studio) is the compose block."""
RUN_SHARE = 1 / 3
"""Of its slot, the time a lab's run may take when every active learner starts it at once: the rest is
for reading, listening and the exercises."""
REFERENCE = {"labs/03_gan_training.ipynb": 181.0}
"""Known wall times at workshop defaults (s): lab 03 ran 3 min 1 s under papermill (earlier session)."""


def lab_paths(selectors: list[str] | None) -> list[Path]:
    labs = sorted((ROOT / "labs").glob("[0-9][0-9]_*.ipynb"))
    if selectors:
        labs = [p for p in labs if any(s in p.name for s in selectors)]
    return labs


def _tree(process: psutil.Process) -> list[psutil.Process]:
    try:
        return [process] + process.children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def run_lab(path: Path, params: dict, workdir: Path, interval: float = 0.2) -> dict:
    """Run one notebook under papermill in a subprocess and measure it (see the module docstring)."""
    output = workdir / path.name
    command = [sys.executable, "-m", "papermill", str(path), str(output), "-k", "python3", "--cwd", str(workdir),
               "--no-progress-bar", "-y", json.dumps(params)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = psutil.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    tree_peak, kernel_peak, kernel_cpu = 0, 0, 0.0
    while process.poll() is None:
        rss_total = 0
        for p in _tree(process):
            try:
                rss = p.memory_info().rss
                rss_total += rss
                if p.pid != process.pid and "ipykernel" in " ".join(p.cmdline()):
                    kernel_peak = max(kernel_peak, rss)
                    times = p.cpu_times()
                    kernel_cpu = max(kernel_cpu, times.user + times.system)
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
        tree_peak = max(tree_peak, rss_total)
        time.sleep(interval)
    wall = time.perf_counter() - started
    stderr = process.stderr.read() if process.stderr else ""
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    error = ""
    if process.returncode != 0:
        error = (stderr.strip().splitlines() or ["(no message)"])[-1][:300]
    return {"lab": str(path.relative_to(ROOT)), "params": params, "ok": process.returncode == 0, "error": error,
            "wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "kernel_cpu_s": round(kernel_cpu, 1),
            "kernel_peak_mb": round(kernel_peak / 2**20), "tree_peak_mb": round(tree_peak / 2**20)}


def slot_seconds(lab: str) -> float:
    """The slot of ``labs/NN_name.ipynb`` in seconds (:data:`SLOT_MINUTES`; 25 minutes when unknown)."""
    return 60.0 * SLOT_MINUTES.get(Path(lab).name[:2], 25)


def sizing(rows: list[dict]) -> list[dict]:
    """Server size for :data:`LEARNERS` learners with :data:`ACTIVE` of them running a lab at once.

    Memory: every logged-in learner's hub server (:data:`HUB_USER_MB`) plus, for each active one,
    the largest kernel peak of any lab. CPU: every active learner starts the same lab's run at
    once (the facilitator says "run it now"), and each run must end within :data:`RUN_SHARE` of
    the lab's slot; a lab needs its CPU seconds over that time, per active learner; the heaviest lab
    sets the cores. CPU seconds do not depend on other jobs sharing the machine while measuring
    (wall times and CPU/wall do), so this holds for figures taken on a busy machine too.
    """
    done = [r for r in rows if r["ok"]]
    if not done:
        return []
    kernel_mb = max(r["kernel_peak_mb"] for r in done)
    heaviest = max(done, key=lambda r: r["cpu_s"] / slot_seconds(r["lab"]))
    rate = heaviest["cpu_s"] / (slot_seconds(heaviest["lab"]) * RUN_SHARE)
    table = []
    for n in LEARNERS:
        for share in ACTIVE:
            active = math.ceil(n * share)
            memory_gb = (n * HUB_USER_MB + active * kernel_mb) / 1024
            table.append({"learners": n, "active_share": share, "active": active,
                          "memory_gb": round(memory_gb, 1), "cores": math.ceil(active * rate),
                          "kernel_peak_mb": kernel_mb, "cores_per_active_learner": round(rate, 2),
                          "cpu_lab": heaviest["lab"]})
    return table


def print_table(rows: list[dict], title: str) -> None:
    print(f"\n{title}")
    print(f"{'lab':<44} {'ok':<3} {'wall':>8} {'CPU s':>7} {'CPU/wall':>8} {'kernel MB':>9} {'tree MB':>8}  vs known")
    for r in rows:
        known = REFERENCE.get(r["lab"])
        ratio = f"{r['wall_s'] / known:.2f}x of {known:.0f} s" if known and not r["params_are_test"] else ""
        rate = r["cpu_s"] / r["wall_s"] if r["wall_s"] else 0
        print(f"{r['lab']:<44} {'yes' if r['ok'] else 'NO':<3} {r['wall_s']:>7.1f}s {r['cpu_s']:>7.1f} "
              f"{rate:>8.2f} {r['kernel_peak_mb']:>9} {r['tree_peak_mb']:>8}  {ratio}")
        if not r["ok"]:
            print(f"    failed: {r['error']}")


def print_sizing(table: list[dict], measured_with: str) -> None:
    if not table:
        print("\nno lab ran: no sizing")
        return
    print(f"\nJupyterHub sizing from these runs ({measured_with}): per active learner "
          f"{table[0]['kernel_peak_mb']} MB kernel peak and {table[0]['cores_per_active_learner']} cores "
          f"({table[0]['cpu_lab']}'s CPU seconds in a third of its slot); +{HUB_USER_MB} MB per hub user")
    print(f"{'learners':>8} {'active':>10} {'memory GB':>10} {'cores':>6}")
    for row in table:
        print(f"{row['learners']:>8} {row['active']:>4} ({row['active_share']:.0%}) {row['memory_gb']:>10} "
              f"{row['cores']:>6}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labs", nargs="*", help="only labs whose file name contains one of these")
    parser.add_argument("--test-params", action="store_true", help="the tests' small parameters (quick)")
    parser.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a parameter for every lab (VALUE as JSON, else a string)")
    parser.add_argument("-o", "--output", help="JSON file (default out/bench/labs-<mode>.json)")
    parser.add_argument("--update", action="store_true",
                        help="keep the other labs' rows of the output file (measure some labs again)")
    parser.add_argument("--sizing-from", metavar="FILE", help="print the sizing table of an earlier run and stop")
    args = parser.parse_args(argv)

    if args.sizing_from:
        saved = json.loads(Path(args.sizing_from).read_text())
        print_table(saved["labs"], f"labs ({saved['mode']})")
        print_sizing(sizing(saved["labs"]), saved["mode"])
        return 0

    sys.path.insert(0, str(ROOT / "tests"))
    from notebook_params import NOTEBOOK_PARAMS, resolve_params

    extra = {}
    for item in args.param:
        name, _, value = item.partition("=")
        try:
            extra[name] = json.loads(value)
        except json.JSONDecodeError:
            extra[name] = value
    mode = "test-params" if args.test_params else "defaults"
    load_before = psutil.getloadavg()[0]
    rows = []
    for path in lab_paths(args.labs):
        with tempfile.TemporaryDirectory(prefix="bench-lab-") as tmp:
            params = resolve_params(NOTEBOOK_PARAMS.get(str(path.relative_to(ROOT)), {}), Path(tmp)) \
                if args.test_params else {}
            params.update(extra)
            shown = params or ("(its defaults: no test parameters)" if args.test_params else "(workshop defaults)")
            print(f"running {path.name} {shown} ...", flush=True)
            row = run_lab(path, params, Path(tmp))
            row["params_are_test"] = args.test_params or bool(extra)
            rows.append(row)
    output = Path(args.output) if args.output else ROOT / "out" / "bench" / f"labs-{mode}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    if args.update and output.is_file():
        measured = {r["lab"] for r in rows}
        kept = [r for r in json.loads(output.read_text())["labs"] if r["lab"] not in measured]
        rows = sorted(kept + rows, key=lambda r: r["lab"])
    cores = psutil.cpu_count()
    load = max(load_before, psutil.getloadavg()[0])
    output.write_text(json.dumps({"mode": mode, "cpu_cores": cores, "load_average": round(load, 1), "when": time.strftime("%Y-%m-%d %H:%M UTC",
                                  time.gmtime()), "labs": rows, "sizing": sizing(rows)}, indent=1))
    print_table(rows, f"labs at {mode} on {cores} cores (other jobs may share them)")
    print_sizing(sizing(rows), mode)
    if load > cores:
        print(f"\nWARNING: the load average was {load:.1f} on {cores} cores: other jobs shared the CPU, so wall "
              "times are too long and CPU/wall (cores per learner) too low. Measure on an idle machine.")
    if args.test_params or extra:
        print("\nThese are NOT workshop figures (small parameters); run without --test-params for those.")
    print(f"\nwrote {output}")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
