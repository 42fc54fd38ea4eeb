"""Download buttons without a browser: a click's message gives the file to the page, or says why not."""
from composerlab.widgets.download import Downloads


def capture(widget):
    sent = []
    widget.send = lambda content, buffers=None: sent.append((content, buffers))
    return sent


def test_one_click_sends_the_file_with_its_name_and_type():
    made = []
    downloads = Downloads(lambda kind: made.append(kind) or (f"song.{kind}", b"MThd" + b"\0" * 2000))
    sent = capture(downloads)
    downloads.handle({"type": "download", "kind": "mid"})
    assert made == ["mid"] and downloads.last == ("song.mid", b"MThd" + b"\0" * 2000)
    [(content, buffers)] = sent
    assert content == {"type": "file", "name": "song.mid", "mime": "audio/midi", "text": "Downloaded song.mid (2 KB)."}
    assert buffers == [b"MThd" + b"\0" * 2000] and downloads.message == "Downloaded song.mid (2 KB)."


def test_a_refusal_is_said_beside_the_buttons():
    def make(kind):
        raise ValueError("Nothing generated yet: press Generate first.")

    downloads = Downloads(make)
    sent = capture(downloads)
    downloads.handle({"type": "download", "kind": "wav"})
    downloads.handle({"type": "download", "kind": "ogg"})
    assert downloads.last is None
    assert [c["type"] for c, _ in sent] == ["refused", "refused"]
    assert sent[0][0]["text"] == "Nothing generated yet: press Generate first."
    assert downloads.message == "there is no 'ogg' download; choose one of mid, wav, mp3"
