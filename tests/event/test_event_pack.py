"""`composerlab event pack DIR -o OUT`: printable PDFs and mails written from the event's own settings."""
import os

import pypdf
import pytest
from browser import chromium_path
from eventkit import EventClient

from composerlab import cli
from composerlab.event.facilitator import qr_svg


def pdf_text(path) -> str:
    reader = pypdf.PdfReader(str(path))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_the_pack_prints_the_event_s_names_criteria_qr_pieces_and_winners(tmp_path, capsys):
    if chromium_path() is None and os.environ.get("CI") != "true":
        pytest.skip("no Chromium to print with (apt-get install chromium); CI must run it")
    kit = EventClient(tmp_path)
    try:
        kit.client.post("/api/settings", json={"public_url": "http://10.0.0.5:8000", "minutes_per_piece": 5},
                        headers=kit.admin)
        kit.client.post("/api/submissions/open", json={"deadline": "2099-06-10T15:00:00+00:00"}, headers=kit.admin)
        for i in range(4):
            kit.upload(f"player{i}", f"Tune {i}")
        kit.client.post("/api/rounds/preliminary", json={"mode": "everyone"}, headers=kit.admin)
        kit.score_all(values=(5, 4, 3))
        out = tmp_path / "pack"
        assert cli.main(["event", "pack", str(tmp_path / "event"), "-o", str(out)]) == 0
    finally:
        kit.close()
    rules = pdf_text(out / "rules.pdf")
    assert "Summit 24: the rules" in rules and "http://10.0.0.5:8000/" in rules and "10 Jun 2099, 15:00" in rules
    assert all(word in rules for word in ("Originality", "Balance", "Emotional resonance", "at most 2.0 MB"))
    assert qr_svg("http://10.0.0.5:8000/") in (out / "rules.html").read_text()  # the QR code of the join link
    assert qr_svg("http://10.0.0.5:8000/") in (out / "poster.html").read_text()
    judges = pdf_text(out / "judges.pdf")
    assert "About 5 minutes per piece" in judges and "Very impressed" in judges and "Neither impressed" in judges
    sheets = pypdf.PdfReader(str(out / "score_sheets.pdf"))
    assert len(sheets.pages) == 3  # a page per judge, with the pieces dealt to them
    assert all(f"Tune {i}" in pdf_text(out / "score_sheets.pdf") for i in range(4))
    certificates = pdf_text(out / "certificates.pdf")
    assert "The judges' award" in certificates and "player" in certificates
    assert len(pypdf.PdfReader(str(out / "certificates.pdf")).pages) == 3
    for mail in ("invitation", "prework", "reminder", "results", "thanks", "feedback"):
        text = (out / f"mail_{mail}.txt").read_text()
        assert text.startswith("Subject: ") and "Summit 24" in text
    assert "10 Jun 2099, 15:00" in (out / "mail_reminder.txt").read_text()
    assert "http://10.0.0.5:8000/" in (out / "mail_invitation.txt").read_text()
    assert "composerlab demo" in (out / "mail_prework.txt").read_text()  # the install self-test
    assert "4 pieces from 4 contestants" in (out / "mail_results.txt").read_text()
    briefing = (out / "mail_judges_briefing_ada.txt").read_text()
    assert "Hello Ada" in briefing and "http://10.0.0.5:8000/judge/" in briefing and "5 minutes per piece" in briefing
    assert "wrote" in capsys.readouterr().out
