"""Load and crash benchmark of the event server, on loopback.

Run: ``python bench/bench_event.py`` (about two minutes on a 2-core CPU): the load
twice, the 200 uploads sent in the same instant and then starting over 10 s
(``--ramp S``, repeatable, chooses); the kill -9 part after the last;
``--uploaders 20 --judges 3 --viewers 5`` is the small size CI runs
(``tests/event/test_event_bench.py``); ``--json`` prints the figures as JSON.

Part 1 (load): a real ``composerlab serve`` process; a few seed pieces per
judge and an open preliminary round; then at the same time ``--uploaders``
contestants upload one MIDI file each, ``--judges`` judges score their pieces
(each piece four times: every revision is a new version) and ``--viewers``
leaderboard pages hold a live stream and reload the board every second.
Uploaders, judges and viewers are three processes, as they are separate
devices in a room: a client busy with one kind of request must not hold
another kind's replies unread (the uploaders' one is raw h11, see
:func:`post_raw`).
Prints errors, p50/p95/max latency of uploads and scores against the 500 ms
target, and checks that rows = files = acknowledged uploads and that every
acknowledged score version is in the export.

Part 2 (crash): the same load, and ``kill -9`` of the server in the middle;
the server is started again and every acknowledged upload (row and file, same
SHA-256) and score must be there, and SQLite's integrity check must pass.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import hashlib
import io
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h11
import httpx2
import mido

TARGET_P95_MS = 500.0
SEED_PER_JUDGE = 5
REVISIONS = 4


def melody_midi(seed: int) -> bytes:
    """A distinct 4-bar melody per seed, as MIDI bytes."""
    rng = random.Random(seed)
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(100)),
                            mido.Message("program_change", program=rng.randrange(8))])
    for _ in range(16):
        pitch = rng.randrange(55, 80)
        track += [mido.Message("note_on", note=pitch, velocity=80, time=0),
                  mido.Message("note_off", note=pitch, velocity=0, time=480)]
    midi = mido.MidiFile(ticks_per_beat=480)
    midi.tracks.append(track)
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def prepared_upload(alias: str, title: str, data: bytes) -> tuple[bytes, list[tuple[str, str]]]:
    """The multipart body and headers of one upload, built by httpx before any clock starts."""
    request = httpx2.Request("POST", "http://127.0.0.1/api/submissions", data={"alias": alias, "title": title},
                             files={"file": (f"{alias}.mid", data, "audio/midi")})
    body = request.read()
    headers = [(k, v) for k, v in request.headers.items() if k.lower() not in ("host", "content-length")]
    return body, headers


async def post_raw(port: int, body: bytes, headers: list[tuple[str, str]]) -> tuple[int, bytes]:
    """One HTTP/1.1 POST of a prepared upload on its own connection, as a phone would send it.

    The uploaders are 200 separate devices in real life; one httpx client
    driving them all spends more CPU than the server (5x, measured), and on
    two cores that CPU is taken from the server being measured. h11 frames
    the request and parses the reply; nothing else runs in the client.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        conn = h11.Connection(h11.CLIENT)
        writer.write(conn.send(h11.Request(method="POST", target="/api/submissions", headers=[
            ("Host", f"127.0.0.1:{port}"), ("Content-Length", str(len(body))), ("Connection", "close"), *headers])))
        writer.write(conn.send(h11.Data(data=body)) + conn.send(h11.EndOfMessage()))
        await writer.drain()
        status, reply = 0, bytearray()
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                chunk = await reader.read(65536)
                conn.receive_data(chunk)
                if not chunk and conn.their_state is not h11.DONE:
                    raise ConnectionError("the server closed the connection before replying")
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                reply += event.data
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                return status, bytes(reply)
    except OSError:
        # a reset (the kill -9 part) is also kept on the writer's "closed" future; retrieving it here
        # stops asyncio printing it as "Future exception was never retrieved" with a traceback
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        raise
    finally:
        writer.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """``composerlab serve`` as a child process (so that it can be killed with SIGKILL)."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder.parent / f"server-{self.port}.log"  # a file, not a pipe: a full pipe would stall it
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "composerlab", "serve", str(folder), "--port",
                                             str(self.port)], stdout=subprocess.DEVNULL, stderr=log)
        ends = time.monotonic() + 90
        while time.monotonic() < ends:
            try:
                if httpx2.get(self.url + "/api/rounds", timeout=2).status_code == 200:
                    self.settle()
                    return
            except httpx2.TransportError:
                time.sleep(0.1)
            if self.process.poll() is not None:
                raise RuntimeError(f"the server did not start: {self.log.read_text()[-2000:]}")
        raise RuntimeError("the server did not answer within 90 s")

    def settle(self, timeout: float = 20.0) -> None:
        """Wait until the server is idle: its MIDI-checking process imports the reader (about 1.6 s of CPU) while
        the server already answers, and that start is not the load's work."""
        ends, last = time.monotonic() + timeout, self.cpu_seconds()
        while time.monotonic() < ends:
            time.sleep(0.25)
            now = self.cpu_seconds()
            if now - last < 0.02:
                return
            last = now

    def cpu_seconds(self) -> float:
        """CPU time the server has used, its worker processes included (the MIDI checker; Linux; 0 elsewhere)."""
        total = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                pid, rest = stat.read_text().split(" (", 1)
            except OSError:  # a process that ended meanwhile
                continue
            fields = rest.rsplit(")", 1)[1].split()  # fields[1] is the parent's pid
            if int(pid) == self.process.pid or int(fields[1]) == self.process.pid:
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def stop(self, kill: bool = False) -> None:
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGINT)
        self.process.wait(timeout=30)
        self.errors = self.log.read_text(errors="replace")  # anything the server logged (tracebacks)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


class Load:
    """The concurrent uploaders, judges and viewers; remembers what the server acknowledged."""

    def __init__(self, url: str, admin: str, judges: dict[str, str]):
        self.url, self.admin, self.judges = url, admin, judges
        self.port = int(url.rsplit(":", 1)[1])  # the uploaders' raw connections
        self.upload_ms: list[float] = []
        self.score_ms: list[float] = []
        self.errors: list[str] = []
        self.uploads: dict[str, str] = {}  # stored_as -> sha256 of what was sent
        self.scores: set[tuple[str, int, int]] = set()  # (judge, submission, version)
        self.score_times: list[float] = []  # when each score was acknowledged (wall clock, for the kill)
        self.board_events = 0
        self.board_reads = 0
        self.in_flight_lost = 0
        self.at_kill: dict = {}

    async def upload(self, client, alias: str, seed: int, tolerate_crash: bool = False, timed: bool = True,
                     delay: float = 0.0):
        data = melody_midi(seed)
        body, headers = prepared_upload(alias, f"Piece {seed}", data)
        await asyncio.sleep(delay)
        began = time.perf_counter()
        try:
            status, reply = await post_raw(self.port, body, headers)
        except (OSError, h11.ProtocolError) as err:
            if tolerate_crash:
                self.in_flight_lost += 1
                return
            self.errors.append(f"upload {alias}: {type(err).__name__} {err}")
            return
        if status != 201:
            self.errors.append(f"upload {alias}: {status} {reply[:100]!r}")
            return
        if timed:
            self.upload_ms.append(1000 * (time.perf_counter() - began))
        self.uploads[json.loads(reply)["stored_as"]] = hashlib.sha256(data).hexdigest()

    async def judge(self, client, name: str, token: str, stop: asyncio.Event, tolerate_crash: bool = False):
        header = {"Authorization": f"Bearer {token}"}
        try:
            pieces = (await client.get("/api/assignments", headers=header)).json()["submissions"]
        except httpx2.TransportError:
            if tolerate_crash:
                return
            raise
        rng = random.Random(name)
        for version in range(1, REVISIONS + 1):
            for piece in pieces:
                if stop.is_set():
                    return
                body = {"originality": rng.randint(1, 5), "balance": rng.randint(1, 5),
                        "emotional": rng.randint(1, 5), "comment": f"{name} take {version}"}
                began = time.perf_counter()
                try:
                    reply = await client.put(f"/api/scores/{piece['id']}", json=body, headers=header)
                except httpx2.TransportError as err:
                    if tolerate_crash:
                        self.in_flight_lost += 1
                        return
                    self.errors.append(f"score {name}: {type(err).__name__}")
                    continue
                if reply.status_code != 200:
                    self.errors.append(f"score {name}: {reply.status_code} {reply.text[:100]}")
                    continue
                self.score_ms.append(1000 * (time.perf_counter() - began))
                self.scores.add((name, piece["id"], reply.json()["version"]))
                self.score_times.append(time.time())

    async def viewer(self, client, stop: asyncio.Event):
        async def stream():
            try:
                async with client.stream("GET", "/api/leaderboard/stream?round=preliminary") as reply:
                    async for line in reply.aiter_lines():
                        if line.startswith("event: leaderboard"):
                            self.board_events += 1
                        if stop.is_set():
                            return
            except httpx2.TransportError:
                return

        async def reload():
            while not stop.is_set():
                try:
                    reply = await client.get("/api/leaderboard?round=preliminary")
                    if reply.status_code == 200:
                        self.board_reads += 1
                except httpx2.TransportError:
                    return
                await asyncio.sleep(1.0)

        task = asyncio.create_task(stream())
        await reload()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def run_client(coroutine):
    """Run one of the bench's clients on uvloop, as the server runs (the phones in a room each have a CPU of
    their own; here the clients share the server's, so they should spend as little of it as they can)."""
    import uvloop

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)


def make_event(folder: Path, judges: int) -> dict:
    made = subprocess.run([sys.executable, "-m", "composerlab", "event", "new", str(folder), "--name", "Bench",
                           "--judges", ",".join(f"judge{i}" for i in range(judges)), "--max-per-composer", "1",
                           "--json"], capture_output=True, text=True, check=True)
    return json.loads(made.stdout)


async def run_load(url: str, tokens: dict, uploaders: int, viewers: int, kill_after: float | None = None,
                   server: Server | None = None, ramp: float = 0.0) -> Load:
    admin = tokens["admin_token"]
    judges = {j["name"]: j["token"] for j in tokens["judges"]}
    load = Load(url, admin, judges)
    figures_at_kill = load.at_kill
    limits = httpx2.Limits(max_connections=uploaders + len(judges) + 2 * viewers + 10)
    async with httpx2.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        # seed pieces and the open round, so judges score while contestants upload
        await asyncio.gather(*(load.upload(client, f"seed{i}", 10_000 + i, timed=False) for i in range(SEED_PER_JUDGE * len(judges))))
        reply = await client.post("/api/rounds/preliminary", json={"seed": 1},
                                  headers={"Authorization": f"Bearer {admin}"})
        assert reply.status_code == 200, reply.text
        # Opening the round closed submissions; the burst is measured with both open at once (the worst case).
        reply = await client.post("/api/submissions/open", headers={"Authorization": f"Bearer {admin}"})
        assert reply.status_code == 200, reply.text
        stop = asyncio.Event()
        # The viewers run in their own process: their streams must not slow the uploaders' client.
        watchers = subprocess.Popen([sys.executable, __file__, "--watch", url, "--viewers", str(viewers)],
                                    stdout=subprocess.PIPE, text=True) if viewers else None
        await asyncio.sleep(2.0)  # the viewers are connected
        crash = kill_after is not None
        # The judges run in their own process too (ten laptops in real life): their httpx client, in the
        # uploaders' event loop, held the uploads' replies unread (measured p95 0.35-0.40 s with either the
        # judges or the viewers alone, 0.45-0.65 s with both in the uploaders' process before this).
        judging = subprocess.Popen([sys.executable, __file__, "--judge", url] + (["--crash"] if crash else []),
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) if judges else None
        if judging is not None:
            judging.stdin.write(json.dumps(judges) + "\n")
            judging.stdin.flush()
            ready = await asyncio.to_thread(judging.stdout.readline)  # assignments fetched, client open
            assert ready.strip() == "ready", ready
            judging.stdin.write("go\n")
            judging.stdin.flush()
        work = [load.upload(client, f"composer{i}", i, crash, delay=ramp * i / uploaders) for i in range(uploaders)]
        killed_at = []
        if crash:
            async def killer():  # kill -9 once half the uploads are acknowledged (or after kill_after seconds)
                seeded, ends = len(load.uploads), time.monotonic() + kill_after
                while len(load.uploads) - seeded < uploaders // 2 and time.monotonic() < ends:
                    await asyncio.sleep(0.02)
                figures_at_kill.update(uploads=len(load.uploads))
                killed_at.append(time.time())
                server.stop(kill=True)
                stop.set()
            work.append(killer())
        await asyncio.gather(*work)
        stop.set()
        if judging is not None:
            # every score sent (after a kill -9, up to each judge's first failure)
            judged = json.loads((await asyncio.to_thread(judging.communicate, None, 300))[0].strip().splitlines()[-1])
            load.score_ms += judged["score_ms"]
            load.scores |= {tuple(score) for score in judged["scores"]}
            load.errors += judged["errors"]
            load.in_flight_lost += judged["in_flight_lost"]
            if killed_at:
                figures_at_kill["scores"] = sum(1 for t in judged["score_times"] if t < killed_at[0])
        if watchers is not None:
            watchers.send_signal(signal.SIGTERM)
            seen = json.loads(watchers.communicate(timeout=60)[0].strip().splitlines()[-1])
            load.board_events, load.board_reads = seen["events"], seen["reads"]
    return load


async def watch(url: str, viewers: int) -> dict:
    """``viewers`` leaderboard pages (a live stream each, and a reload every second) until SIGTERM."""
    load = Load(url, "", {})
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with httpx2.AsyncClient(base_url=url, timeout=60, limits=httpx2.Limits(max_connections=3 * viewers)) as c:
        tasks = [asyncio.create_task(load.viewer(c, stop)) for _ in range(viewers)]
        await stop.wait()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {"events": load.board_events, "reads": load.board_reads}


async def judge_all(url: str, tolerate_crash: bool) -> dict:
    """The judges' own process: names and tokens on stdin, "ready" once connected, then every score on "go"."""
    judges = json.loads(sys.stdin.readline())
    load = Load(url, "", judges)
    stop = asyncio.Event()
    async with httpx2.AsyncClient(base_url=url, timeout=60,
                                  limits=httpx2.Limits(max_connections=len(judges) + 5)) as client:
        await client.get("/api/rounds")  # the connection pool is warm before the clock starts
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        await asyncio.gather(*(load.judge(client, name, token, stop, tolerate_crash)
                               for name, token in judges.items()))
    return {"score_ms": load.score_ms, "scores": sorted(load.scores), "score_times": load.score_times,
            "errors": load.errors, "in_flight_lost": load.in_flight_lost}


def check(folder: Path, url: str, tokens: dict, load: Load) -> dict:
    """What the server holds against what it acknowledged."""
    admin = {"Authorization": f"Bearer {tokens['admin_token']}"}
    rows = httpx2.get(url + "/api/submissions", headers=admin, timeout=60).json()
    files = {p.name for p in (folder / "submissions").iterdir() if p.is_file()}
    stored = {r["stored_as"]: r["sha256"] for r in rows}
    on_disk = {name: hashlib.sha256((folder / "submissions" / name).read_bytes()).hexdigest() for name in files}
    versions = {(r["judge"], int(r["submission_id"]), int(r["version"]))
                for r in csv.DictReader(io.StringIO(httpx2.get(url + "/api/export/scores.csv", headers=admin,
                                                               timeout=60).text))}
    lost_uploads = [n for n, sha in load.uploads.items() if stored.get(n) != sha or on_disk.get(n) != sha]
    return {"rows": len(stored), "files": len(files), "acknowledged_uploads": len(load.uploads),
            "rows_equal_files": set(stored) == set(files), "lost_uploads": len(lost_uploads),
            "acknowledged_scores": len(load.scores), "score_versions_stored": len(versions),
            "lost_scores": len(load.scores - versions)}


def integrity(folder: Path) -> str:
    from composerlab.event.store import Store

    store = Store.open(folder)
    try:
        return store.integrity_check()
    finally:
        store.close()


def bench(uploaders: int, judges: int, viewers: int, kill: bool, workdir: Path, ramp: float = 0.0) -> dict:
    figures: dict = {"uploaders": uploaders, "judges": judges, "viewers": viewers, "ramp_seconds": ramp}
    folder = workdir / "load"
    tokens = make_event(folder, judges)
    server = Server(folder)
    began, cpu = time.perf_counter(), server.cpu_seconds()
    try:
        load = run_client(run_load(server.url, tokens, uploaders, viewers, ramp=ramp))
        figures["load_seconds"] = round(time.perf_counter() - began, 2)
        figures["server_cpu_seconds"] = round(server.cpu_seconds() - cpu, 2)
        figures["load_average"] = round(os.getloadavg()[0], 1)  # other jobs on this machine
        figures.update(check(folder, server.url, tokens, load))
    finally:
        server.stop()
    figures.update(errors=len(load.errors), error_samples=load.errors[:5],
                   upload_p50_ms=round(percentile(load.upload_ms, 0.5), 1),
                   upload_p95_ms=round(percentile(load.upload_ms, 0.95), 1),
                   upload_max_ms=round(max(load.upload_ms, default=float("nan")), 1),
                   score_p50_ms=round(percentile(load.score_ms, 0.5), 1),
                   score_p95_ms=round(percentile(load.score_ms, 0.95), 1),
                   score_max_ms=round(max(load.score_ms, default=float("nan")), 1),
                   board_events=load.board_events, board_reads=load.board_reads, integrity=integrity(folder))
    if kill:
        folder = workdir / "crash"
        tokens = make_event(folder, judges)
        server = Server(folder)
        crash = run_client(run_load(server.url, tokens, uploaders, viewers, kill_after=120.0,
                                     server=server))
        restarted = Server(folder)  # opening the event moves files without a row aside
        try:
            after = check(folder, restarted.url, tokens, crash)
        finally:
            restarted.stop()
        aside = folder / "submissions" / ".unacknowledged"
        figures["crash"] = {**after, "in_flight_at_kill": crash.in_flight_lost, "errors": len(crash.errors),
                            "acknowledged_when_killed": crash.at_kill,
                            "moved_aside": len(list(aside.iterdir())) if aside.is_dir() else 0,
                            "integrity": integrity(folder)}
    return figures


def report(figures: dict) -> None:
    ramp = figures["ramp_seconds"]
    when = "all in the same instant" if ramp == 0 else f"starting over {ramp:g} s"
    print(f"\nevent server on loopback, {os.cpu_count()} CPU cores (shared with other jobs); "
          f"{figures['uploaders']} uploaders {when} + {figures['judges']} judges ({REVISIONS} versions of each "
          f"score) + {figures['viewers']} live viewers; load phase {figures['load_seconds']} s")
    print(f"server CPU (its MIDI-checking process included) {figures['server_cpu_seconds']} s for "
          f"{figures['acknowledged_uploads']} uploads and "
          f"{figures['acknowledged_scores']} scores; load average {figures['load_average']} on "
          f"{os.cpu_count()} cores (above {os.cpu_count()}: the server waited for the CPU)")
    print(f"{'':<10}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'p95 / 500 ms target':>22}")
    for what in ("upload", "score"):
        p95 = figures[f"{what}_p95_ms"]
        print(f"{what:<10}{figures[f'{what}_p50_ms']:>9}{p95:>9}{figures[f'{what}_max_ms']:>9}"
              f"{p95 / TARGET_P95_MS:>21.2f}x")
    print(f"errors {figures['errors']}; uploads acknowledged {figures['acknowledged_uploads']}, rows "
          f"{figures['rows']}, files {figures['files']}, lost {figures['lost_uploads']}; scores acknowledged "
          f"{figures['acknowledged_scores']}, lost {figures['lost_scores']}; live board events "
          f"{figures['board_events']}, board reloads {figures['board_reads']}; integrity {figures['integrity']}")
    if "crash" in figures:
        c = figures["crash"]
        print(f"kill -9 mid-run (after {c['acknowledged_when_killed']} acknowledged), restart: uploads acknowledged "
              f"{c['acknowledged_uploads']}, lost {c['lost_uploads']}; scores acknowledged {c['acknowledged_scores']}, "
              f"lost {c['lost_scores']}; requests cut by the kill {c['in_flight_at_kill']}; files moved aside (no "
              f"row) {c['moved_aside']}; rows = files {c['rows_equal_files']}; integrity {c['integrity']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploaders", type=int, default=200)
    parser.add_argument("--judges", type=int, default=10)
    parser.add_argument("--viewers", type=int, default=50)
    parser.add_argument("--ramp", type=float, action="append",
                        help="seconds over which the uploaders start; repeat for several runs "
                             "(default: 0, all in the same instant, then 10)")
    parser.add_argument("--no-kill", action="store_true", help="leave out the kill -9 part")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--watch", metavar="URL", help=argparse.SUPPRESS)  # the viewers' own process
    parser.add_argument("--judge", metavar="URL", help=argparse.SUPPRESS)  # the judges' own process
    parser.add_argument("--crash", action="store_true", help=argparse.SUPPRESS)  # (judges) the server is killed
    args = parser.parse_args(argv)
    if args.judge:
        print(json.dumps(asyncio.run(judge_all(args.judge, args.crash))))
        return 0
    if args.watch:
        print(json.dumps(asyncio.run(watch(args.watch, args.viewers))))
        return 0
    ramps = args.ramp or ([0.0] if args.json else [0.0, 10.0])
    runs = []
    for i, ramp in enumerate(ramps):
        kill = not args.no_kill and i == len(ramps) - 1
        with tempfile.TemporaryDirectory(prefix="composerlab-bench-event-") as tmp:
            runs.append(bench(args.uploaders, args.judges, args.viewers, kill, Path(tmp), ramp))
    if args.json:
        print(json.dumps(runs[0] if len(runs) == 1 else runs))
        return 0
    for figures in runs:
        report(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
