"""What only a real socket shows: the size limit while streaming, the live stream, the serve command."""
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time

import httpx2
import pytest
from browser import live_event  # noqa: F401  (a fixture)
from eventkit import free_port, midi_upload, wait_until_answers


def _http_response(sock: socket.socket, timeout: float = 10.0) -> bytes:
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data or not data.split(b"\r\n\r\n", 1)[1].rstrip().endswith(b"}"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def _request_head(port: int, extra: str) -> bytes:
    return (f"POST /api/submissions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: multipart/form-data; boundary=XyZ\r\n{extra}\r\n").encode()


def test_a_declared_oversize_upload_is_refused_before_its_body_is_sent(live_event):
    port = live_event.server.server.config.port
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(_request_head(port, f"Content-Length: {50 * 1024 * 1024}\r\n"))  # and no body at all
        reply = _http_response(sock)
    assert reply.startswith(b"HTTP/1.1 413")
    assert json.loads(reply.split(b"\r\n\r\n", 1)[1])["error"] == "the upload is 52.4 MB; the limit is 2.0 MB"
    assert live_event.stored_files() == []


def test_an_undeclared_oversize_upload_stops_being_read_at_the_limit(live_event):
    port = live_event.server.server.config.port
    total, chunk = 40 * 1024 * 1024, b"\0" * 65536
    sent = 0
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(_request_head(port, "Transfer-Encoding: chunked\r\n"))
        body_start = (b'--XyZ\r\nContent-Disposition: form-data; name="title"\r\n\r\nBig\r\n'
                      b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="big.mid"\r\n\r\nMThd')
        sock.sendall(b"%x\r\n%s\r\n" % (len(body_start), body_start))
        ends = time.monotonic() + 60
        try:
            while sent < total and time.monotonic() < ends:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break  # the server answered before the body ended
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        reply = _http_response(sock)
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert b"larger than the limit of 2.0 MB" in reply
    assert sent < total / 2, f"the server read {sent / 1e6:.0f} MB of a {total / 1e6:.0f} MB upload"
    assert live_event.stored_files() == []


def test_the_live_stream_sends_the_board_when_the_last_judge_scores(live_event):
    ev = live_event
    for i in range(2):
        ev.upload(f"c{i}", f"Song {i}")
    ev.client.post("/api/rounds/preliminary", json={"mode": "everyone"}, headers=ev.admin)

    def next_board(lines, deadline=15.0):
        ends = time.monotonic() + deadline
        event_name = None
        for line in lines:
            if line.startswith("event:"):
                event_name = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event_name == "leaderboard":
                return json.loads(line[5:])
            assert time.monotonic() < ends, "no leaderboard event in time"
        raise AssertionError("the stream ended")

    with httpx2.Client(base_url=ev.url, timeout=20) as client:
        with client.stream("GET", "/api/leaderboard/stream?round=preliminary") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines()
            assert next_board(lines)["rows"] == []
            ev.score_all(skip={"Cleo"})  # the board does not change: nothing is sent
            ev.score_all(values=(2, 2, 2))  # every judge now (Cleo too; Ada and Ben revise)
            while (board := next_board(lines))["waiting"]:
                assert all(r["judges"] == 3 for r in board["rows"])  # never a piece missing a judge
            assert [r["id"] for r in board["rows"]] == [1, 2] and board["rows"][0]["points"] == 6.0


def test_serve_prints_the_links_and_a_qr_code_and_serves(tmp_path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    made = subprocess.run([sys.executable, "-m", "composerlab", "event", "new", str(tmp_path / "ev"), "--name",
                           "LAN Party", "--judges", "Ada,Ben", "--json"], capture_output=True, text=True, env=env,
                          timeout=120)
    assert made.returncode == 0, made.stderr
    tokens = json.loads(made.stdout)
    assert [j["name"] for j in tokens["judges"]] == ["Ada", "Ben"] and len(tokens["admin_token"]) >= 24
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "composerlab", "serve", str(tmp_path / "ev"), "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        printed = []
        ends = time.monotonic() + 90
        while time.monotonic() < ends:
            line = server.stdout.readline()
            if not line:
                break
            printed.append(line)
            if "scan to reach" in line:
                break
        text = "".join(printed)
        assert f"submission page:  http://127.0.0.1:{port}/" in text
        assert f"/admin/{tokens['admin_token']}" in text
        assert all(f"/judge/{j['token']}" in text for j in tokens["judges"])
        reply = None
        for _ in range(100):  # the QR code is printed just before uvicorn binds
            try:
                reply = httpx2.get(f"http://127.0.0.1:{port}/", timeout=5)
                break
            except httpx2.ConnectError:
                time.sleep(0.1)
        assert reply is not None and reply.status_code == 200 and "LAN Party" in reply.text
        upload = httpx2.post(f"http://127.0.0.1:{port}/api/submissions", data={"alias": "ada", "title": "Hi"},
                             files={"file": ("a.mid", midi_upload(tmp_path), "audio/midi")}, timeout=30)
        assert upload.status_code == 201
        qr_lines = server.stdout.readline() + server.stdout.readline()
        assert "\u2588" in qr_lines or "\u2580" in qr_lines or "\u2584" in qr_lines
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl+C
        try:
            assert server.wait(timeout=20) == 0
            assert "the event server has stopped" in server.stdout.read()
        finally:
            server.kill()


def test_the_app_s_lifespan_starts_its_midi_checker_and_stops_it(tmp_path):
    from fastapi.testclient import TestClient

    from composerlab.event.app import create_app
    from composerlab.event.store import Store

    Store.create(tmp_path / "ev", "Life", ["Ada"]).close()
    app = create_app(tmp_path / "ev")
    checker = app.state.uploads.checker
    assert checker.pool is None  # an app driven without its lifespan checks uploads in its own process
    before = _children(os.getpid())
    with TestClient(app) as client:  # runs the lifespan
        assert checker.pool is not None and checker.ready.wait(60), "the lifespan started no checking process"
        workers = _children(os.getpid()) - before
        assert workers
        good = client.post("/api/submissions", data={"alias": "ada", "title": "Hi"},
                           files={"file": ("a.mid", midi_upload(tmp_path), "audio/midi")})
        bad = client.post("/api/submissions", data={"alias": "ada", "title": "Text"},
                          files={"file": ("b.mid", b"Twinkle twinkle little star", "audio/midi")})
        assert good.status_code == 201 and checker.pool is not None  # the worker answered: no fail-over
        assert (bad.status_code, bad.json()["error"]) == (
            415, "b.mid is not a MIDI file (it starts with 'Twinkle twinkle little...')")
    assert checker.pool is None and not checker.ready.is_set()  # stopped with the app
    ends = time.monotonic() + 15
    while time.monotonic() < ends and any(_alive(p) for p in workers):
        time.sleep(0.2)
    assert not any(_alive(p) for p in workers), "the checking process outlived the app's lifespan"
    app.state.store.close()


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (Linux's /proc)."""
    found = set()
    for stat in os.scandir("/proc"):
        if stat.name.isdigit():
            try:
                with open(f"/proc/{stat.name}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.add(int(stat.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_the_midi_checking_process_checks_uploads_and_ends_with_a_killed_server(tmp_path):
    if not os.path.isdir("/proc/self"):
        pytest.skip("needs Linux's /proc to see the server's processes")
    made = subprocess.run([sys.executable, "-m", "composerlab", "event", "new", str(tmp_path / "ev"), "--name", "K",
                           "--judges", "Ada", "--json"], capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "composerlab", "serve", str(tmp_path / "ev"), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_answers(lambda: httpx2.get(url + "/api/rounds", timeout=5), server, errors=(httpx2.ConnectError,))
        good = httpx2.post(url + "/api/submissions", data={"alias": "ada", "title": "Hi"},
                           files={"file": ("a.mid", midi_upload(tmp_path), "audio/midi")}, timeout=60)
        bad = httpx2.post(url + "/api/submissions", data={"alias": "ada", "title": "Text"},
                          files={"file": ("b.mid", b"Twinkle twinkle little star", "audio/midi")}, timeout=60)
        assert good.status_code == 201
        assert (bad.status_code, bad.json()["error"]) == (
            415, "b.mid is not a MIDI file (it starts with 'Twinkle twinkle little...')")
        workers = _children(server.pid)
        assert workers, "the server started no checking process"
        server.kill()  # kill -9: the server cannot tell its worker
        server.wait(timeout=20)
        ends = time.monotonic() + 15
        while time.monotonic() < ends and any(_alive(p) for p in workers):
            time.sleep(0.2)
        assert not any(_alive(p) for p in workers), "the checking process outlived its server"
    finally:
        server.kill()
