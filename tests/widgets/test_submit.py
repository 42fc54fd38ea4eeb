"""composerlab.widgets.submit against the real event server (uvicorn on 127.0.0.1): receipt, refusals, no server."""
import http.server
import socket
import threading

import pytest
from browser import LiveEvent

from composerlab.music.midi import midi_bytes
from composerlab.music.samples import load_sample
from composerlab.widgets.submit import SubmitError, submit


@pytest.fixture
def event(tmp_path):
    kit = LiveEvent(tmp_path, max_per_composer=1)
    yield kit
    kit.close()


def test_a_midi_file_arrives_whole_and_the_receipt_names_it(event):
    data = midi_bytes(load_sample("twinkle"))
    receipt = submit(event.url + "/", " ada ", "Twinkle, mine", data, "twinkle.mid")
    [row] = event.store.submissions()
    assert receipt["id"] == row.id and receipt["stored_as"] == row.stored_as and receipt["eligible"] is True
    assert (row.alias, row.title, row.original_name) == ("ada", "Twinkle, mine", "twinkle.mid")
    assert (event.folder / "event" / "submissions" / row.stored_as).read_bytes() == data


def test_the_server_s_own_reason_for_refusing(event):
    with pytest.raises(SubmitError, match="the event server refused the file: notes.mid is not a MIDI file"):
        submit(event.url, "ada", "Words", b"Twinkle twinkle little star", "notes.mid")
    data = midi_bytes(load_sample("twinkle"))
    submit(event.url, "ada", "One", data)
    with pytest.raises(SubmitError, match="refused the file: ADA has sent 1 composition already; the limit is 1 per composer"):
        submit(event.url, "ADA", "Two", data)
    assert [r.title for r in event.store.submissions()] == ["One"] and len(event.stored_files()) == 1


def test_no_server_bad_address_or_missing_fields():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SubmitError, match=f"could not reach the event server at http://127.0.0.1:{port} \\(nothing answers at that address"):
        submit(f"http://127.0.0.1:{port}", "ada", "t", b"MThd")
    with pytest.raises(SubmitError, match="is not a server address"):
        submit("127.0.0.1:8000", "ada", "t", b"MThd")
    with pytest.raises(SubmitError, match="fill in your alias"):
        submit("http://127.0.0.1:8000", " ", "t", b"MThd")


class ForbiddenPage(http.server.BaseHTTPRequestHandler):
    """Another program on the address: it answers every request with an HTML error page."""

    def do_POST(self):  # noqa: N802 - the name http.server calls
        body = b"<!DOCTYPE HTML><html><body><h1>403 Forbidden</h1></body></html>"
        self.send_response(403)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_server_that_is_not_the_event_gets_a_plain_reason_not_its_html():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ForbiddenPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with pytest.raises(SubmitError) as refused:
            submit(url, "ada", "t", midi_bytes(load_sample("twinkle")))
    finally:
        server.shutdown()
        server.server_close()
    assert str(refused.value) == (f"the server at {url} answered HTTP 403 and is not the event server; "
                                  "check the address with your facilitator")
    assert "<" not in str(refused.value)
