"""Sending a composition to the event server, as its submission form does.

``POST {server}/api/submissions`` with the form fields ``alias`` and
``title`` and the MIDI ``file``; the server answers 201 with a receipt
``{"id", "stored_as", "eligible"}`` or a 4xx with ``{"error": reason}``.
Introduced in lab 08; the server side is ``composerlab serve``.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid


class SubmitError(RuntimeError):
    """The submission did not arrive; the message says why in words a learner can act on."""


def _unreachable(err: OSError) -> str:
    """Why a connection failed, in words (not "[Errno 111] Connection refused")."""
    why = getattr(err, "reason", err)
    if isinstance(why, ConnectionRefusedError):
        return "nothing answers at that address: the server is not running, or the port is wrong"
    if isinstance(why, TimeoutError) or "timed out" in str(why):
        return "it did not answer in time"
    if isinstance(why, OSError) and why.strerror:
        return why.strerror.lower()
    return str(why)


def _form(fields: dict[str, str], filename: str, data: bytes) -> tuple[bytes, str]:
    # multipart/form-data by hand: the standard library has no encoder for it, and a learner's
    # kernel then needs no HTTP package beyond Python's own urllib.
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    safe_name = filename.replace('"', "").replace("\r", "").replace("\n", "")
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{safe_name}"\r\n'
                 f"Content-Type: audio/midi\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def submit(server: str, alias: str, title: str, midi: bytes, filename: str = "entry.mid",
           timeout: float = 20.0) -> dict:
    """Submit ``midi`` to the event at ``server``; return the receipt.

    Raises
    ------
    SubmitError
        Empty alias or title, a server that cannot be reached, or one that refuses
        the file (with the server's own reason).
    """
    if not alias.strip() or not title.strip():
        raise SubmitError("fill in your alias and a title before submitting")
    server = server.strip().rstrip("/")
    if not server.startswith(("http://", "https://")):
        raise SubmitError(f"'{server}' is not a server address; it looks like http://127.0.0.1:8000")
    body, content_type = _form({"alias": alias.strip(), "title": title.strip()}, filename, midi)
    request = urllib.request.Request(f"{server}/api/submissions", data=body, method="POST",
                                     headers={"Content-Type": content_type, "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = response.read()
            status = response.status
    except urllib.error.HTTPError as err:
        reason = _reason(err.read())
        if reason is None:  # not the event's JSON: another program answers at that address
            raise SubmitError(f"the server at {server} answered HTTP {err.code} and is not the event server; "
                              "check the address with your facilitator") from None
        raise SubmitError(f"the event server refused the file: {reason}") from None
    except (urllib.error.URLError, OSError) as err:
        raise SubmitError(f"could not reach the event server at {server} ({_unreachable(err)}); "
                          "check the address with your facilitator") from None
    try:
        receipt = json.loads(answer)
    except ValueError:
        raise SubmitError(f"the server at {server} answered {status} without a receipt; "
                          "is it the event server?") from None
    if status != 201 or not isinstance(receipt, dict) or "id" not in receipt:
        raise SubmitError(f"the server at {server} answered {status} without a receipt: {str(receipt)[:120]}")
    return receipt


def _reason(body: bytes) -> str | None:
    """The event server's reason (``{"error": reason}``), or None for any other answer (a web page...)."""
    try:
        return str(json.loads(body)["error"])
    except (ValueError, KeyError, TypeError):
        return None
