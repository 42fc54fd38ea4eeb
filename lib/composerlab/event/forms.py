"""Reading an upload form as it streams in, refusing it at the first byte over the event's size limit.

Starlette's own form parser spools a whole file before the route sees it, so the limit could only be
checked once everything was read; here the multipart stream goes to python-multipart's low-level
``MultipartParser`` chunk by chunk. The file stays in memory (it is at most the event's limit, a few MB).
"""
from __future__ import annotations

from python_multipart.multipart import MultipartParser, parse_options_header

from composerlab.event.rules import EventError

FORM_OVERHEAD = 64 * 1024
"""Bytes allowed on top of the file's limit for the other fields and the multipart framing."""
MAX_FIELD = 8 * 1024
MAX_PARTS = 8


class FormParts:
    """Callbacks for MultipartParser: collects text fields and the one file, enforcing the limits."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.fields: dict[str, str] = {}
        self.file_name: str | None = None
        self.data = bytearray()
        self.parts = 0
        self._header_field = b""
        self._header_value = b""
        self._name = ""
        self._is_file = False
        self._value = bytearray()

    def callbacks(self) -> dict:
        return {"on_part_begin": self.part_begin, "on_header_field": self.header_field,
                "on_header_value": self.header_value, "on_header_end": self.header_end,
                "on_part_data": self.part_data, "on_part_end": self.part_end}

    def part_begin(self):
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise EventError(f"the form has more than {MAX_PARTS} parts; send alias, title and file", 422)
        self._name, self._is_file, self._value = "", False, bytearray()

    def header_field(self, data, start, end):
        self._header_field += data[start:end]

    def header_value(self, data, start, end):
        self._header_value += data[start:end]

    def header_end(self):
        if self._header_field.lower() == b"content-disposition":
            _, params = parse_options_header(self._header_value)
            self._name = params.get(b"name", b"").decode("utf-8", "replace")
            if b"filename" in params:
                self._is_file = True
                if self._name == "file":
                    self.file_name = params[b"filename"].decode("utf-8", "replace")
        self._header_field, self._header_value = b"", b""

    def part_data(self, data, start, end):
        if self._is_file and self._name == "file":
            self.data += data[start:end]
            if len(self.data) > self.max_bytes:
                raise EventError(f"the file is larger than the limit of {self.max_bytes / 1e6:.1f} MB", 413)
        elif not self._is_file:
            self._value += data[start:end]
            if len(self._value) > MAX_FIELD:
                raise EventError(f"the field '{self._name[:40]}' is longer than {MAX_FIELD} bytes", 422)

    def part_end(self):
        if not self._is_file and self._name:
            self.fields[self._name] = self._value.decode("utf-8", "replace")


async def read_upload(request, max_bytes: int) -> tuple[dict[str, str], str | None, bytes]:
    """The text fields, the file's own name (data only) and its bytes, from a multipart request.

    Raises
    ------
    EventError
        413 as soon as the declared length or the bytes received pass the
        limit (the rest is not read), 415 for a body that is not
        multipart/form-data, 422 for a broken form.
    """
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or not params.get(b"boundary"):
        raise EventError("send the form as multipart/form-data with the fields alias, title and file", 415)
    ceiling = max_bytes + FORM_OVERHEAD
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > ceiling:
        raise EventError(f"the upload is {int(declared) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB", 413)
    form = FormParts(max_bytes)
    parser = MultipartParser(params[b"boundary"], form.callbacks())
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > ceiling:
                raise EventError(f"the upload is larger than the limit of {max_bytes / 1e6:.1f} MB", 413)
            parser.write(chunk)
        parser.finalize()
    except EventError:
        raise
    except Exception as err:  # python-multipart raises its own types for a malformed body
        raise EventError(f"the form could not be read ({type(err).__name__}: {err})"[:200], 422) from None
    return form.fields, form.file_name, bytes(form.data)
