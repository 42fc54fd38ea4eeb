"""Melodies as REMI tokens in their own meter, and the folk-tune dataset."""

import numpy as np
import pytest
from composerlab.models.corpora import folk
from composerlab.models.transformer import data as melodies
from composerlab.models.transformer.ngram import NGramModel, transpositions
from composerlab.models.transformer.tokens import METERS, tokenizer
from composerlab.music.pianoroll import Note, time_signature_of, track_notes
from composerlab.music.samples import SAMPLES, load_sample


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample_round_trips_through_tokens_in_its_meter(name):
    tok = tokenizer()
    music = load_sample(name)
    notes, meter = track_notes(music.tracks[0]), time_signature_of(music)
    ids = tok.encode(notes, meter)
    assert tok.tokens(ids[:3]) == ["BOS_None", f"Meter_{meter[0]}/{meter[1]}", "Bar_None"]
    assert (tok.kinds[ids] == "Pitch").sum() == len(notes)
    assert [(n.start, n.pitch, n.length) for n in tok.decode(ids)] == [(n.start, n.pitch, n.length) for n in notes]


def test_a_pickup_and_a_silent_bar_and_transposing_moves_pitches_only():
    tok = tokenizer()
    # a 3/4 tune with a one-beat pickup, a bar, a silent bar, and a note in bar 3
    ids = tok.encode([Note(8, 62, 4), Note(12, 67, 12), Note(36, 71, 4)], (3, 4))
    assert tok.tokens(ids) == ["BOS_None", "Meter_3/4", "Bar_None", "Position_8", "Pitch_62", "Duration_4",
                               "Bar_None", "Position_0", "Pitch_67", "Duration_12", "Bar_None", "Bar_None",
                               "Position_0", "Pitch_71", "Duration_4"]
    up = tok.transpose(ids, 5)
    assert [(n.start, n.pitch) for n in tok.decode(up)] == [(8, 67), (12, 72), (36, 76)]
    assert [n.start for n in tok.decode(ids, (4, 4))] == [8, 12, 36]  # the Meter token sets the bar


def test_grammar_mask_keeps_positions_moving_forward_inside_the_bar():
    tok = tokenizer()
    duration = tok.vocab["Duration_4"]
    allowed = set(tok.tokens(np.flatnonzero(tok.allowed_next(duration, position=8, bar=12))))
    assert "Bar_None" in allowed and "Position_9" in allowed and "Position_11" in allowed
    assert not {"Position_8", "Position_0", "Position_12", "Position_15", "Pitch_60"} & allowed
    assert tok.tokens(np.flatnonzero(tok.allowed_next(tok.vocab["Position_3"], 3)))[0].startswith("Pitch")
    assert set(tok.tokens(np.flatnonzero(tok.allowed_next(tok.bos, -1)))) == {f"Meter_{a}/{b}" for a, b in METERS}
    with pytest.raises(ValueError, match="9/8 is not a meter the Transformer knows"):
        tok.encode([Note(0, 60, 4)], (9, 8))


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
    streams = [np.concatenate([tok.encode(t.as_notes(), t.meter), [tok.eos]]) for t in tunes]
    train, held = np.concatenate(streams[:-2]), np.concatenate(streams[-2:])
    augmented = transpositions(train)
    assert len(augmented) > len(streams) - 2  # several keys of each tune
    losses = [NGramModel(order).fit(augmented).loss(held) for order in (1, 3, 5)]
    assert losses[0] > losses[1] > losses[2] > 0
    with pytest.raises(ValueError, match="order"):
        NGramModel(0)
