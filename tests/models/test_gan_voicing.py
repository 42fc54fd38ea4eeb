"""Chord decoding (models/gan/voicing.py): chords that hold the melody, no parallels, the model's choice among them."""

import numpy as np
import pytest
from composerlab.models.gan.generate import compose, decode, load_model, model_path
from composerlab.models.gan.chords import (
    CHORD_MASKS,
    CHORD_TONES,
    VoicingWeights,
    add_passing_notes,
    beat_segments,
    chord_name,
)
from composerlab.models.gan.voicing import harmonize
from composerlab.music import harmony
from composerlab.music.melody import from_notes
from composerlab.music.pianoroll import Note, stack_rolls, steps_per_bar, time_signature_of
from composerlab.music.samples import load_sample

LOWEST, PITCHES = 34, 52
C_MAJOR_TUNE = [72, 71, 72, 74, 76, 74, 72, 71, 69, 71, 72, 74, 72, 71, 72, 72]  # one note a beat


def melody_roll(pitches, step=4, rests=()):
    roll = np.zeros((len(pitches) * step, 128), bool)
    for i, p in enumerate(pitches):
        if i not in rests:
            roll[i * step: (i + 1) * step, p] = True
    return roll


def voice_registers(steps, centres=(64, 57, 48), width=5.0):
    """Generator-like probabilities: each voice spread around its usual register, singing throughout."""
    pitches = LOWEST + np.arange(PITCHES)
    probs = np.stack([np.exp(-0.5 * ((pitches - c) / width) ** 2) for c in centres])
    probs /= probs.sum(axis=1, keepdims=True)
    return np.repeat(probs[:, None, :], steps, axis=1)


def composition(melody, voices):
    out = np.zeros((4, melody.shape[0], 128), bool)
    out[0] = melody
    out[1:, :, LOWEST: LOWEST + PITCHES] = voices
    return out


def test_every_beat_is_a_chord_that_holds_the_melody_or_a_documented_non_chord_tone():
    rng = np.random.default_rng(0)
    melody = melody_roll(C_MAJOR_TUNE)
    probs = voice_registers(melody.shape[0]) * rng.uniform(0.5, 1.5, (3, melody.shape[0], PITCHES))
    chords = []
    voices = harmonize(probs, melody, LOWEST, (4, 4), chords_out=chords)
    assert [c[:2] for c in chords] == beat_segments(melody.shape[0])  # one chord a beat, every beat
    assert (voices.sum(axis=2) == 1).all()  # each voice one pitch at every step
    for start, end, chord in chords:
        tune = C_MAJOR_TUNE[start // 4] % 12
        sung = {(LOWEST + p) % 12 for p in np.flatnonzero(voices[:, start].any(axis=0))}
        assert sung <= set(np.flatnonzero(CHORD_MASKS[chord])), chord_name(chord)  # the voices sing chord tones
        if not CHORD_MASKS[chord][tune]:
            # the documented exception: a non-chord tone over a triad whose three tones all sound below it
            assert CHORD_TONES[chord][3] < 0 and sung == set(CHORD_TONES[chord][:3]), chord_name(chord)
    both = composition(melody, voices)
    assert harmony.chord_fit(both) == 1.0
    assert harmony.parallel_motions(both) == 0


def test_lower_voices_keep_their_order_and_the_bass_takes_roots():
    melody = melody_roll(C_MAJOR_TUNE)
    chords = []
    voices = harmonize(voice_registers(melody.shape[0]), melody, LOWEST, (4, 4), chords_out=chords)
    lines = [np.flatnonzero(v.any(axis=0)) for v in voices]
    tops = [np.array([np.flatnonzero(v[t])[0] for t in range(v.shape[0])]) for v in voices]
    assert (tops[0] >= tops[1]).all() and (tops[1] >= tops[2]).all()
    assert all(len(line) for line in lines)
    roots = [(LOWEST + tops[2][start]) % 12 == CHORD_TONES[chord][0] for start, _, chord in chords]
    assert np.mean(roots) >= 0.6


def test_the_model_chooses_among_the_chords_that_fit():
    """A held D fits G major and B minor (and D major...): the voices' probabilities decide."""
    melody = melody_roll([74] * 4)
    for chord_pitches, expected in (((67, 59, 43), "G major"), ((66, 59, 47), "B minor")):
        probs = np.full((3, 16, PITCHES), 1e-4)
        for v, p in enumerate(chord_pitches):
            probs[v, :, p - LOWEST] = 1.0
        chords = []
        harmonize(probs, melody, LOWEST, (4, 4), weights=VoicingWeights(dissonance=None), chords_out=chords)
        assert {chord_name(c) for _, _, c in chords} == {expected}


def test_parallel_fifths_are_avoided_even_when_the_model_asks_for_them():
    """Melody C D over voices that the model wants a fifth below it, moving with it: fifths in parallel."""
    melody = melody_roll([72, 74])
    probs = np.full((3, 8, PITCHES), 1e-3)
    for v, (a, b) in enumerate(((65, 67), (60, 62), (53, 55))):
        probs[v, :4, a - LOWEST] = 1.0
        probs[v, 4:, b - LOWEST] = 1.0
    weights = VoicingWeights(dissonance=None, passing_notes=False)
    assert harmony.parallel_motions(composition(melody, harmonize(probs, melody, LOWEST, weights=weights))) == 0
    free = harmonize(probs, melody, LOWEST, weights=VoicingWeights(dissonance=None, passing_notes=False, parallel=0))
    assert harmony.parallel_motions(composition(melody, free)) > 0  # what the rule prevented


def test_voices_rest_with_the_melody_and_sing_every_beat_it_sounds():
    melody = melody_roll(C_MAJOR_TUNE[:8], rests=(3, 4))
    voices = harmonize(voice_registers(melody.shape[0]), melody, LOWEST, (4, 4))
    sings = voices.any(axis=(0, 2))
    assert np.array_equal(sings, melody.any(axis=1))


def test_share_of_dissonant_beats_follows_the_target():
    melody = melody_roll(C_MAJOR_TUNE * 2)
    probs = voice_registers(melody.shape[0])
    shares = []
    for target in (0.1, 0.25, 0.4):
        both = composition(melody, harmonize(probs, melody, LOWEST, weights=VoicingWeights(dissonance=target)))
        shares.append(1 - harmony.consonant_beats(both))
    assert shares == sorted(shares) and shares[0] < shares[-1]
    assert abs(shares[1] - 0.25) <= 0.1


def test_meters_set_the_beats_where_chords_change():
    melody = melody_roll([67, 69, 71, 72, 74, 72], step=6)  # 6/8: dotted quarters
    chords = []
    harmonize(voice_registers(melody.shape[0]), melody, LOWEST, (6, 8), chords_out=chords)
    assert [c[0] for c in chords] == [0, 6, 12, 18, 24, 30]


def test_passing_notes_fill_thirds_without_parallels():
    melody = melody_roll([72, 72])
    voices = np.zeros((3, 8, PITCHES), bool)
    for v, (a, b) in enumerate(((64, 67), (55, 55), (48, 48))):  # the alto leaps E -> G
        voices[v, :4, a - LOWEST] = True
        voices[v, 4:, b - LOWEST] = True
    filled = add_passing_notes(voices, melody, LOWEST, (4, 4), key=(0, "major"))
    alto = [LOWEST + int(np.flatnonzero(filled[0, t])[0]) for t in range(8)]
    assert alto == [64, 64, 65, 65, 67, 67, 67, 67]  # F passes between E and G in the second half of the beat
    assert np.array_equal(filled[1:], voices[1:])


def test_same_probabilities_same_voices():
    melody = melody_roll(C_MAJOR_TUNE)
    probs = voice_registers(melody.shape[0]) * np.random.default_rng(1).uniform(0.5, 1.5, (3, 64, PITCHES))
    assert np.array_equal(harmonize(probs, melody, LOWEST), harmonize(probs.copy(), melody.copy(), LOWEST))


needs_bach = pytest.mark.skipif(not model_path("bach").with_suffix(".weights.h5").exists(),
                                reason="the pretrained Bach model is not in data/models")


@needs_bach
def test_bach_composes_with_chords_by_default_and_raw_is_the_model_alone():
    melody = load_sample("twinkle")
    default = stack_rolls(compose(melody, seed=0)) > 0
    assert np.array_equal(default, stack_rolls(compose(melody, seed=0, decoding="chords")) > 0)
    raw = stack_rolls(compose(melody, seed=0, decoding="raw")) > 0
    assert not np.array_equal(default, raw)
    # raw: each voice's likeliest pitch, exactly what the generator's output decodes to
    gan = load_model("bach")
    roll = stack_rolls(melody)[0] > 0
    window = roll[:, gan.config.lowest_pitch: gan.config.lowest_pitch + gan.config.n_pitches]
    steps = -(-roll.shape[0] // 16) * 16
    timeline = np.zeros((steps, window.shape[1]), bool)
    timeline[: roll.shape[0]] = window
    expected = decode(gan.generate(timeline[None], seed=0))[0][:, : roll.shape[0]]
    got = raw[1:, :, gan.config.lowest_pitch: gan.config.lowest_pitch + gan.config.n_pitches]
    sounding = np.flatnonzero(roll.any(axis=1))
    expected[:, sounding[-1] + 1:] = False
    assert np.array_equal(got, expected)
    with pytest.raises(ValueError, match="'chords' or 'raw'"):
        compose(melody, decoding="jazz")


@needs_bach
@pytest.mark.parametrize("meter,pickup", [((4, 4), False), ((3, 4), True), ((2, 4), True)])
def test_bach_harmony_on_a_tune_in_every_meter(meter, pickup):
    bar = steps_per_bar(meter)
    start = bar - 4 if pickup else 0
    scale = [0, 2, 4, 5, 7, 9, 7, 5, 4, 2, 4, 0, -1, 0, 2, 0]
    notes = [Note(s, 67 + scale[i % len(scale)], 4) for i, s in enumerate(range(start, start + 24 * 4, 4))]
    melody = from_notes(notes, time_signature=meter)
    result = compose(melody, seed=0)
    rolls = stack_rolls(result) > 0
    assert time_signature_of(result) == meter
    assert harmony.chord_fit(rolls, meter) == 1.0
    assert harmony.parallels_per_bar(rolls, meter) <= 0.15
    low, high = harmony.CHORALE_REFERENCE["consonant_beats"]["p10"], harmony.CHORALE_REFERENCE["consonant_beats"]["p90"]
    assert low - 0.05 <= harmony.consonant_beats(rolls, meter) <= high + 0.05
    per_bar = rolls.reshape(4, -1, bar, 128).any(axis=(2, 3))
    assert per_bar[1:].any(axis=0)[per_bar[0]].all()  # every bar the melody sings in is accompanied


@needs_bach
def test_same_seed_same_chords_other_seed_other_voices():
    melody = load_sample("ode_to_joy")
    one, again, other = (stack_rolls(compose(melody, seed=s)) for s in (0, 0, 1))
    assert np.array_equal(one, again)
    assert not np.array_equal(one[1:], other[1:])


def test_a_model_you_trained_decodes_raw_unless_its_settings_say_chords():
    from composerlab.models.gan.generate import default_decoding

    class Trained:
        info = {"config": {}}

    assert default_decoding("mine", Trained()) == "raw"
    Trained.info = {"decoding": "chords"}
    assert default_decoding("mine", Trained()) == "chords"
    Trained.info = {}
    assert default_decoding("bach", Trained()) == "chords"


def test_a_melody_cluster_no_chord_holds_is_still_accompanied():
    melody = melody_roll(C_MAJOR_TUNE[:4])
    melody[4:8, [72, 73, 74]] = True  # C, C# and D struck together on beat 2
    voices = harmonize(voice_registers(16), melody, LOWEST, (4, 4))
    assert voices.any(axis=(0, 2)).all()


def test_any_model_of_the_kit_composes_with_chords_an_untrained_one_too(tmp_path):
    """Nothing in the decoder knows the Bach model: a fresh generator's near-uniform probabilities
    still become chords that hold the melody, in the tune's meter; its default stays raw."""
    from composerlab.models.gan.network import ChoraleGAN, GANConfig

    ChoraleGAN(GANConfig(channels=8, critic_channels=8, seed=1), jit_compile=False).save(tmp_path / "fresh")
    notes = [Note(s, 67 + [0, 2, 4, 5, 7, 4][i % 6], 4) for i, s in enumerate(range(0, 12 * 8, 4))]
    melody = from_notes(notes, time_signature=(3, 4))
    result = compose(melody, model=str(tmp_path / "fresh"), seed=0, decoding="chords")
    rolls = stack_rolls(result) > 0
    assert harmony.chord_fit(rolls, (3, 4)) == 1.0
    assert rolls[1:].any(axis=(0, 2))[rolls[0].any(axis=1)].all()
    raw = stack_rolls(compose(melody, model=str(tmp_path / "fresh"), seed=0)) > 0
    assert not np.array_equal(raw, rolls)


@needs_bach
def test_compose_command_raw_flag_gives_the_raw_decoding(tmp_path):
    from composerlab.cli import main
    from composerlab.music.midi import read_midi

    for flags, decoding in (([], "chords"), (["--raw"], "raw")):
        out = tmp_path / f"{decoding}.mid"
        assert main(["compose", "twinkle", "--model", "bach", "-o", str(out), *flags]) == 0
        expected = stack_rolls(compose(load_sample("twinkle"), seed=0, decoding=decoding)) > 0
        written = stack_rolls(read_midi(out)) > 0
        assert np.array_equal(written[:, : expected.shape[1]], expected)


def test_a_register_shift_moves_whole_octaves_of_probability_and_keeps_pitch_classes():
    from composerlab.models.gan.chords import shift_registers

    probs = voice_registers(8)
    up = shift_registers(probs, np.full((3, 8), 12.0))
    assert np.allclose(up[:, :, 12:], probs[:, :, :-12])  # an octave up, the top octave dropped
    half = shift_registers(probs, np.full((3, 8), 6.0))
    assert np.allclose(half, 0.5 * probs + 0.5 * up)
    down = shift_registers(probs, np.full((3, 8), -12.0))
    assert np.allclose(down[:, :, :-12], probs[:, :, 12:])
    assert np.array_equal(shift_registers(probs, np.zeros((3, 8))), probs)


def test_register_shifts_follow_the_melody_and_wander_by_seed():
    from composerlab.models.gan.chords import register_shifts

    melody = melody_roll([60] * 16 + [72] * 16)  # two phrases of 64 steps, the second an octave up
    follow = register_shifts(melody, VoicingWeights(follow=0.5))
    assert follow[:, 32] == pytest.approx(-3.0) and follow[:, -32] == pytest.approx(3.0)  # 0.5 x 6 either side
    assert np.all(np.diff(follow, axis=1) >= 0)  # joined smoothly between phrases
    assert not register_shifts(melody, VoicingWeights()).any()
    wander = VoicingWeights(wander=4.0)
    assert not register_shifts(melody, wander, seed=None).any()  # no seed, no wander
    one, again, other = (register_shifts(melody, wander, seed=s) for s in (0, 0, 1))
    assert np.array_equal(one, again) and not np.array_equal(one, other)
    drawn = np.concatenate([register_shifts(melody, wander, seed=s)[:, 32] for s in range(50)])
    assert drawn.std() == pytest.approx(4.0, rel=0.3)  # the spread asked for


def test_a_wandering_register_widens_the_voices_and_the_seed_chooses_it():
    melody = melody_roll(C_MAJOR_TUNE * 8)  # 32 bars, one register for the model's voices throughout
    probs = voice_registers(melody.shape[0], width=2.0)
    still = harmonize(probs, melody, LOWEST)
    weights = VoicingWeights(wander=6.0)
    assert np.array_equal(harmonize(probs, melody, LOWEST, seed=3), still)  # no wander: the seed changes nothing
    one, again, other = (harmonize(probs, melody, LOWEST, weights=weights, seed=s) for s in (0, 0, 1))
    assert np.array_equal(one, again) and not np.array_equal(one, other)

    def pitches(voices):
        return np.mean([len(np.unique(np.nonzero(v)[1])) for v in voices])

    assert pitches(one) > pitches(still) + 1  # 5.3 pitches a voice against 3.7


def test_a_voice_the_model_rests_through_the_whole_tune_still_sings_in_the_others_register():
    # The model can give a voice no probability at all (Deck the Halls with `monteverdi`: the alto);
    # its register over the tune was 0/0 and the search crashed with numpy's "ufunc 'invert' not supported".
    melody = melody_roll(C_MAJOR_TUNE)
    probs = voice_registers(melody.shape[0])
    probs[0] = 0.0
    voices = harmonize(probs, melody, LOWEST, (4, 4))
    assert (voices.sum(axis=2) == 1).all()  # all three voices sing every step
    alto, tenor = (np.flatnonzero(voices[v].any(axis=0)).mean() for v in (0, 1))
    assert alto >= tenor  # still above the tenor


def test_the_key_rule_harmonises_a_chromatic_cluster_as_if_the_melody_were_silent_on_it():
    # A melody chord of B-flat, D and C-sharp (an AR-CNN edit at a high temperature) fits no chord inside
    # C major: with the key rule no chord was left, and the search crashed.
    melody = melody_roll(C_MAJOR_TUNE)
    melody[16:20, [70, 74, 73]] = True
    chords = []
    voices = harmonize(voice_registers(melody.shape[0]), melody, LOWEST, (4, 4), key=(0, "major"),
                       weights=VoicingWeights(chromatic=np.inf), chords_out=chords)
    assert (voices.sum(axis=2) == 1).all()
    assert all(not (CHORD_MASKS[c] & ~np.array([1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1], bool)).any()
               for _, _, c in chords)  # every chord inside the key


@pytest.mark.parametrize("seed", [0, 1])
def test_deck_the_halls_with_monteverdi_at_its_defaults_composes(seed):
    music = compose(load_sample("deck_the_halls"), model="monteverdi", seed=seed)
    rolls = stack_rolls(music) > 0
    assert [t.name for t in music.tracks] == ["Soprano", "Alto", "Tenor", "Bass"]
    assert all(rolls[v].any() for v in (1, 2, 3))
