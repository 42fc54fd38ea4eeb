"""The harmoniser's data: chorales with meter and fermatas, cells, positions, windows and masks."""
import numpy as np
import pytest
from composerlab.models.coconet import data


def test_a_corpus_chorale_is_read_with_its_fermatas():
    piece = data.parse_piece("bach/bwv66.6")
    assert piece.time_signature == (4, 4)
    assert piece.pitches.shape[0] == 4 and piece.pitches.shape[1] % 16 == 0
    assert len(piece.fermatas) >= 4  # every phrase of a chorale ends under a fermata
    soprano = piece.pitches[0]
    assert np.all(soprano[piece.fermatas] >= 0)
    assert piece.onsets[0, piece.fermatas].all()
    # Voice order: the soprano sounds above the bass wherever both sing.
    both = (piece.pitches[0] >= 0) & (piece.pitches[3] >= 0)
    assert (piece.pitches[0][both] > piece.pitches[3][both]).all()


def test_cells_take_the_pitch_at_each_eighths_start():
    pitches = np.array([[60, 62, -1, 64, 65, 65, -1, -1, 67]])
    assert data.cells_of(pitches).tolist() == [[60, 64, 65, -1, 67]]


def test_melody_cells_hold_every_pitch_in_the_cell():
    cells = data.melody_cells(np.array([60, 62, -1, -1, 64]))
    assert cells.shape == (3, data.N_PITCHES)
    assert np.flatnonzero(cells[0]).tolist() == [60 - data.LOWEST_PITCH, 62 - data.LOWEST_PITCH]
    assert not cells[1].any()
    assert np.flatnonzero(cells[2]).tolist() == [64 - data.LOWEST_PITCH]


@pytest.mark.parametrize("meter, bar_cells, beats", [((4, 4), 8, [0, 2, 4, 6]), ((3, 4), 6, [0, 2, 4]),
                                                      ((6, 8), 6, [0, 3]), ((2, 4), 4, [0, 2])])
def test_positions_follow_the_meter(meter, bar_cells, beats):
    positions = data.position_features(3 * bar_cells, meter, first=1, last=2 * bar_cells, ends=[bar_cells])
    assert np.flatnonzero(positions[:, 0]).tolist() == [0, bar_cells, 2 * bar_cells]
    assert np.flatnonzero(positions[:bar_cells, 1]).tolist() == beats
    assert positions[:, 8].any() == (meter == (6, 8))  # compound meter
    assert np.flatnonzero(positions[:, 9]).tolist() == [bar_cells]  # the phrase end
    assert positions[0, 13] == 1 and positions[1, 13] == 0 and positions[-1, 13] == 1  # before the first note, after the last
    assert positions[2 * bar_cells, 11] == 1  # at the last note


def test_context_reads_phrase_ends_from_fermatas_or_held_notes():
    pitches = np.full(64, -1, dtype=np.int16)
    onsets = np.zeros(64, dtype=bool)
    for start, pitch, length in [(0, 67, 4), (4, 69, 4), (8, 71, 8), (16, 72, 4), (20, 71, 4), (24, 69, 8)]:
        pitches[start:start + length], onsets[start] = pitch, True
    held = data.context(pitches, onsets, (4, 4))
    marked = data.context(pitches, onsets, (4, 4), fermatas=[4])
    column = data.N_PITCHES + 9
    assert np.flatnonzero(held[:, column]).tolist() == [4, 12]  # the half notes at steps 8 and 24
    assert np.flatnonzero(marked[:, column]).tolist() == [2, 12]
    profile = held[0, data.N_PITCHES + data.N_POSITION:]
    assert profile[7] > 0 and profile[9] == 1.0 and profile[0] > 0 and profile[1] == 0  # G, A (longest), C; no C#


def test_windows_transpose_and_pad():
    piece = data.Piece("p", (4, 4), np.array([[72] * 8, [67] * 8, [64] * 8, [48] * 8], dtype=np.int16),
                       np.zeros((4, 8), bool), np.zeros(0, np.int32))
    piece.onsets[:, 0] = True
    example = data.examples([piece])[0]
    ctx, voices = data.window(example, -2, 8, 2, held=True)
    assert voices[:2].tolist() == [[-1, -1, -1]] * 2 and voices[6:].tolist() == [[-1, -1, -1]] * 2
    assert voices[2].tolist() == [69 - data.LOWEST_PITCH, 66 - data.LOWEST_PITCH, 50 - data.LOWEST_PITCH]
    assert np.flatnonzero(ctx[2, :data.N_PITCHES]).tolist() == [74 - data.LOWEST_PITCH]
    assert example.shift_range() == (-6, 5)
    inputs = data.cell_inputs(ctx, voices, np.ones((8, 3), bool))
    assert inputs.shape == (8, data.N_INPUTS)
    assert inputs[2, data.N_PITCHES: 4 * data.N_PITCHES].sum() == 3  # three voices known
    assert inputs[2, 4 * data.N_PITCHES: 4 * data.N_PITCHES + 3].sum() == 0  # nothing to write


def test_random_masks_cover_every_share():
    rng = np.random.default_rng(0)
    shares = [data.random_masks(64, rng).mean() for _ in range(400)]
    assert min(shares) == 0.0  # everything hidden, as generation starts
    assert max(shares) == 1.0 or max(shares) > 0.95
    assert 0.3 < np.mean(shares) < 0.7


def test_split_is_the_gans():
    from composerlab.models.gan.data import is_validation

    pieces = [data.Piece(name, (4, 4), np.zeros((4, 16), np.int16), np.zeros((4, 16), bool), np.zeros(0, np.int32))
              for name in ("bwv66.6", "bwv1.6", "bwv10.7", "bwv101.7", "bwv102.7", "bwv103.6")]
    training, held_out = data.split(pieces)
    assert {p.name for p in held_out} == {p.name for p in pieces if is_validation(p.name)}
    assert len(training) + len(held_out) == len(pieces)
