"""Melodies as REMI tokens (miditok) and the folk-tune dataset."""

import numpy as np
import pytest
from composerlab.models.corpora import folk
from composerlab.models.transformer import data as melodies
from composerlab.models.transformer.ngram import NGramModel, transpositions
from composerlab.models.transformer.tokens import tokenizer
from composerlab.music.pianoroll import Note
from composerlab.music.samples import load_sample
from composerlab.music.pianoroll import track_notes


def test_notes_round_trip_through_tokens():
    tok = tokenizer()
    notes = track_notes(load_sample("twinkle").tracks[0])
    ids = tok.encode(notes)
    assert ids[0] == tok.bos and ids[1] == tok.bar
    assert (tok.kinds[ids] == "Pitch").sum() == len(notes)
    assert [(n.start, n.pitch, n.length) for n in tok.decode(ids)] == [(n.start, n.pitch, n.length) for n in notes]


def test_a_silent_bar_is_two_bar_lines_and_transposing_moves_pitches_only():
    tok = tokenizer()
    ids = tok.encode([Note(0, 60, 4), Note(36, 67, 4)])
    assert tok.tokens(ids)[:8] == ["BOS_None", "Bar_None", "Position_0", "Pitch_60", "Duration_1.0.4",
                                   "Bar_None", "Bar_None", "Position_4"]
    up = tok.transpose(ids, 5)
    assert [n.pitch for n in tok.decode(up)] == [65, 72]
    assert [n.start for n in tok.decode(up)] == [0, 36]


def test_grammar_mask_keeps_positions_moving_forward():
    tok = tokenizer()
    duration = tok.remi.vocab["Duration_1.0.4"]
    mask = tok.allowed_next(duration, position=8)
    allowed = set(np.array(tok.tokens(np.flatnonzero(mask))))
    assert "Bar_None" in allowed and "Position_9" in allowed
    assert "Position_8" not in allowed and "Position_0" not in allowed and "Pitch_60" not in allowed
    assert tok.tokens(np.flatnonzero(tok.allowed_next(tok.remi.vocab["Position_3"], 3)))[0].startswith("Pitch")


def test_abc_tunes_keep_their_meter_and_pickup():
    jig = "X:1\nT:Jig\nM:6/8\nL:1/8\nK:G\nD|GAB c2d|efg d3|\n"
    reel = "X:2\nT:Reel\nM:C|\nL:1/8\nK:D\nDFAF dFAF|GBdB gBdB|\n"
    slip = "X:3\nT:Slip jig\nM:9/8\nL:1/8\nK:G\nGAB c2d efg|\n"
    tune = folk.parse_abc_tune(jig, "jig")
    assert tune.meter == (6, 8) and tune.bar_steps == 12
    assert tune.notes[0].tolist() == [10, 62, 2]  # the pickup D: the last eighth of bar 0
    assert tune.notes[1].tolist() == [12, 67, 2] and tune.bars == 3
    tune = folk.parse_abc_tune(reel, "reel")
    assert tune.meter == (2, 2) and len(tune.notes) == 16 and tune.bars == 2
    assert tune.notes[0].tolist() == [0, 62, 2]
    assert folk.parse_abc_tune(slip, "slip") is None  # 9/8: not a meter the melody models know


def test_split_is_by_piece_and_stable():
    tunes = melodies.load_tunes(books=12, chorales=0, collections=("ryansMammoth",))
    assert len(tunes) >= 10
    train, validation = melodies.split(tunes, share=0.3)
    assert {t.name for t in train}.isdisjoint({t.name for t in validation})
    assert [t.name for t in melodies.split(tunes, share=0.3)[1]] == [t.name for t in validation]
    assert all(melodies.LOWEST_PITCH <= t.notes[:, 1].min() and t.notes[:, 1].max() <= melodies.HIGHEST_PITCH
               for t in tunes)


def test_ngram_orders_learn_from_context():
    tok = tokenizer()
    tunes = melodies.load_tunes(books=12, chorales=0, collections=("ryansMammoth",))
    streams = [np.concatenate([tok.encode(t.as_notes()), [tok.eos]]) for t in tunes]
    train, held = np.concatenate(streams[:-2]), np.concatenate(streams[-2:])
    augmented = transpositions(train)
    assert len(augmented) > len(streams) - 2  # several keys of each tune
    losses = [NGramModel(order).fit(augmented).loss(held) for order in (1, 3, 5)]
    assert losses[0] > losses[1] > losses[2] > 0
    with pytest.raises(ValueError, match="order"):
        NGramModel(0)
