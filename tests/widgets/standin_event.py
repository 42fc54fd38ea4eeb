"""A stand-in for the event server's submission API, for the studio's tests on a branch without the server.

``POST /api/submissions`` (multipart: alias, title, file) -> 201 ``{"id", "stored_as", "eligible"}`` when
the file starts like MIDI, else 422 ``{"error": reason}``; ``refuse`` makes it answer 409 with a reason.
It keeps what it received so a test can check the file arrived whole. Loopback only.
"""
from __future__ import annotations

import json
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class StandInEvent:
    def __init__(self, refuse: str | None = None):
        self.received: list[dict] = []
        self.refuse = refuse
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                if self.path != "/api/submissions":
                    return self._answer(404, {"error": "not found"})
                body = self.rfile.read(int(self.headers["Content-Length"]))
                message = BytesParser(policy=HTTP).parsebytes(
                    f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + body)
                fields = {part.get_param("name", header="content-disposition"): part
                          for part in message.iter_parts()}
                data = fields["file"].get_payload(decode=True)
                if outer.refuse:
                    return self._answer(409, {"error": outer.refuse})
                if not data.startswith(b"MThd"):
                    return self._answer(422, {"error": "the file is not a MIDI file"})
                outer.received.append({"alias": fields["alias"].get_content().strip(),
                                       "title": fields["title"].get_content().strip(),
                                       "filename": fields["file"].get_filename(), "data": data})
                n = len(outer.received)
                self._answer(201, {"id": n, "stored_as": f"{n:04d}.mid", "eligible": True})

            def _answer(self, code, payload):
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
