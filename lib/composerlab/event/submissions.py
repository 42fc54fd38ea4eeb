"""An upload's way into the event: its fields checked and its file named (:func:`check`), then checked
uploads written in a batch (:func:`write`): their files durably first, then their rows in one transaction.

:class:`~composerlab.event.store.Store` calls both for one upload (``add_submission``); the server calls
them apart, checking each upload as it arrives and writing whatever arrived meanwhile together
(:mod:`composerlab.event.uploads`). A refusal is an :class:`~composerlab.event.rules.EventError`.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from composerlab.event import files
from composerlab.event.checking import midi_problem, midi_refusal
from composerlab.event.rules import EventError, clean_text, slug
from composerlab.event.tables import Event, Submission, utcnow

MAX_ALIAS, MAX_TITLE, MAX_FILE_NAME = 60, 100, 300


@dataclass
class Checked:
    """An upload that passed :func:`check`: cleaned fields, its bytes, the stem of its name."""
    alias: str
    composer: str
    title: str
    original_name: str
    data: bytes
    stem: str

    @property
    def eligible(self) -> bool:
        return bool(self.composer)


@dataclass
class Receipt:
    """What the server answers for a stored upload."""
    id: int
    stored_as: str
    eligible: bool
    created_at: str
    title: str
    alias: str


def check(event: Event, alias: str | None, title: str | None, original_name: str | None, data: bytes,
          midi: bool = True) -> Checked:
    """Every check of an upload that needs no write: the fields, the size, the MIDI data.

    The MIDI check uses the kit's reader on the bytes, not the name
    (:func:`~composerlab.event.checking.midi_problem`; ``midi=False`` leaves it to
    the caller, who then refuses with ``midi_refusal``, as the server does with its
    worker process). The file gets a name the server chooses
    (``event-alias-composition``, numbered when taken); without an alias a random
    name, not eligible. The per-composer limit is counted when the row is written,
    in its transaction.
    """
    alias = clean_text(alias, "the alias", MAX_ALIAS, False)
    title = clean_text(title, "the composition name", MAX_TITLE, True)
    original_name = clean_text(original_name, "the file name", MAX_FILE_NAME, False) or "upload.mid"
    if not data:
        raise EventError("the MIDI file is missing (or empty): choose one", 422)
    if len(data) > event.max_bytes:
        raise EventError(f"the file is {len(data) / 1e6:.1f} MB; the limit is {event.max_bytes / 1e6:.1f} MB", 413)
    problem = midi_problem(data, original_name) if midi else None
    if problem is not None:
        raise midi_refusal(original_name, problem)
    composer = " ".join(alias.casefold().split())
    return Checked(alias, composer, title, original_name, data, file_stem(event.slug, alias, composer, title))


def file_stem(event_slug: str, alias: str, composer: str, title: str) -> str:
    """``event-alias-composition`` (ASCII only; a hash for an alias with no ASCII letter), or a random name
    when there is no alias."""
    if not composer:
        return f"{event_slug}-{secrets.token_hex(6)}"
    who = slug(alias) or "u" + hashlib.sha1(composer.encode()).hexdigest()[:8]
    return f"{event_slug}-{who}-{slug(title) or 'untitled'}"


def write(store, uploads: list[Checked], staged: list[Path] | None = None) -> list[Receipt | EventError]:
    """Write checked uploads together: each one's receipt, or the :class:`EventError` that refused it.

    ``store`` is the event's :class:`~composerlab.event.store.Store`. Files first, durably: every upload's
    bytes in a temp file, fsync'd, several at once. Then one transaction: for each upload the
    per-composer count (uploads earlier in the batch count), a link under a free name (a link never
    overwrites), its row; the folder's fsync; the commit. A burst of uploads thus shares one commit and
    one round of fsyncs. An error other than a refusal fails the whole batch, and no file stays without
    its row. ``staged``: the uploads' temp files when the caller staged them already; removed here
    either way.
    """
    if staged is None:
        staged = files.stage_all(store.staging, store.files, [upload.data for upload in uploads])
    claimed: list[str] = []
    try:
        results: list[Receipt | EventError | None] = [None] * len(uploads)
        with store.write(bump=False) as s:  # no board shows an upload
            placed = admit(s, uploads, store.event().max_per_composer, results)
            names = files.claim_all(store.staging, store.files, [(uploads[i].stem, staged[i]) for i in placed],
                                    taken_names(s, uploads))
            claimed.extend(names)
            if placed:
                for i, receipt in zip(placed, add_rows(s, [uploads[i] for i in placed], names)):
                    results[i] = receipt
                files.fsync_dir(store.files)  # the new names on disk before their rows commit
    except BaseException:
        for name in claimed:  # the rows did not commit: no file without its row
            (store.files / name).unlink(missing_ok=True)
        raise
    finally:
        for temp in staged:
            temp.unlink(missing_ok=True)
    return results


def admit(s: Session, uploads: list[Checked], limit: int, results: list) -> list[int]:
    """The places in ``uploads`` within the per-composer ``limit`` (earlier uploads of the batch count);
    each refused one's 429 goes into ``results``. One query for the whole batch, not one per upload."""
    composers = sorted({u.composer for u in uploads if u.composer})
    sent = dict(s.execute(select(Submission.composer, func.count()).where(
        Submission.composer.in_(composers)).group_by(Submission.composer)).all()) if composers else {}
    placed = []
    for i, upload in enumerate(uploads):
        count = sent.get(upload.composer, 0)
        if upload.composer and count >= limit:
            what = f"{count} composition{'' if count == 1 else 's'}"
            results[i] = EventError(f"{upload.alias} has sent {what} already; the limit is {limit} per composer",
                                    429)
            continue
        sent[upload.composer] = count + 1
        placed.append(i)
    return placed


def taken_names(s: Session, uploads: list[Checked]) -> set[str]:
    """Stored names that start like the batch's stems (a name whose file was removed stays taken)."""
    stems = sorted({u.stem for u in uploads})
    return set(s.scalars(select(Submission.stored_as).where(
        or_(*(Submission.stored_as.like(f"{stem}%") for stem in stems)))))


def add_rows(s: Session, uploads: list[Checked], names: list[str]) -> list[Receipt]:
    """The uploads' rows under their claimed names, in one Core insert (not the ORM's unit of work); their
    receipts in the same order."""
    created_at = utcnow()
    rows = [dict(alias=u.alias, composer=u.composer, title=u.title, stored_as=name, original_name=u.original_name,
                 size=len(u.data), sha256=hashlib.sha256(u.data).hexdigest(), eligible=u.eligible,
                 created_at=created_at)
            for u, name in zip(uploads, names)]
    ids = s.scalars(insert(Submission).returning(Submission.id, sort_by_parameter_order=True), rows).all()
    when = created_at.isoformat(timespec="seconds")
    return [Receipt(row_id, row["stored_as"], u.eligible, when, u.title, u.alias)
            for u, row, row_id in zip(uploads, rows, ids)]
