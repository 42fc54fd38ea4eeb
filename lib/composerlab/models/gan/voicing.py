"""Chord decoding: the generator's pitch probabilities read as one chord and one voicing per beat.

Reading each voice's likeliest pitch (:func:`composerlab.models.gan.generate.decode`) sounds right on
chorale sopranos, but on a folk tune the three argmaxes seldom make one chord. :func:`harmonize` decodes
the same probabilities under rules of four-part writing instead, with a Viterbi search over the whole
tune; the rules, their weights and the chord table are in :mod:`composerlab.models.gan.chords`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from composerlab.models.gan.chords import (
    CHORD_MASKS,
    CHORD_SHAPE_NAMES,
    CHORD_TONES,
    CLASH,
    SHAPE_COST,
    SILENT,
    VoicingWeights,
    add_passing_notes,
    beat_segments,
    register_shifts,
    rest_where_the_model_rests,
    shift_registers,
    top_pitch,
)
from composerlab.music.key import estimate_key, scale_mask
from composerlab.music.pianoroll import steps_per_bar


@dataclass
class _Beat:
    """One beat of the search: where it lies, whether the voices sing, the states it considers."""

    start: int
    end: int
    sings: bool
    states: np.ndarray  # (n, 4): chord index, alto, tenor, bass pitch index
    cost: np.ndarray    # (n,)
    first: int          # the melody's pitch index at the beat's first step (SILENT: silent)
    last: int           # at its last step
    dissonant: np.ndarray = None  # (n,) whether the state's pitch classes, the melody's included, are dissonant
    all_states: np.ndarray = None  # every state considered, before the beam ...
    all_cost: np.ndarray = None    # ... its cost ...
    all_dissonant: np.ndarray = None  # ... and whether it is dissonant
    kept: np.ndarray = None        # the indexes of ``states`` in ``all_states``
    link: np.ndarray = None        # transition costs from the beat before, between all states of both

    def prune(self, price: float, size: int) -> None:
        """Keep the ``size`` cheapest states with ``price`` added to each dissonant one."""
        cost = self.all_cost + price * self.all_dissonant
        self.kept = np.argsort(cost, kind="stable")[:size]
        self.states, self.cost = self.all_states[self.kept], cost[self.kept]
        self.dissonant = self.all_dissonant[self.kept]


def harmonize(probabilities: np.ndarray, melody: np.ndarray, lowest: int, time_signature=(4, 4),
              key: tuple[int, str] | None = None, weights: VoicingWeights | None = None,
              chords_out: list | None = None, seed: int | None = None) -> np.ndarray:
    """Alto, tenor and bass for a melody from the generator's probabilities, one chord per beat.

    Parameters
    ----------
    probabilities : ndarray
        (3, steps, pitches) probability of each voice singing each model pitch
        (what is left to 1 is resting); voices ordered high to low.
    melody : ndarray
        (steps, 128) booleans, the melody in MIDI pitches, in the octave where
        the model learned its sopranos (notes above or below the model's
        pitches count too: their pitch classes are the harmony's).
    lowest : int
        MIDI pitch of model pitch 0.
    time_signature : (int, int)
        The tune's meter; its beats are where the chord may change.
    key : (int, str), optional
        The key the chords are measured against; by default the melody's.
    weights : VoicingWeights, optional
        The rules' costs.
    chords_out : list, optional
        If given, filled with ``(start, end, chord index)`` for each beat the voices sing.
    seed : int, optional
        Seeds the wander of the voices' registers (:attr:`VoicingWeights.wander`); without a
        wander the decoding is the same for every seed.

    Returns
    -------
    ndarray
        (3, steps, pitches) booleans: each voice's one pitch per step, or none.

    Notes
    -----
    What the model decides and what the rules decide. For each beat of the tune's meter the search
    chooses one *state*: a chord (a root and one of :data:`~composerlab.models.gan.chords.CHORD_SHAPES`)
    and a *voicing* (one pitch for each of alto, tenor and bass, held through the beat).

    - The model scores every voicing: the log of each voice's probability of its pitch over the beat
      (where the model would rest the voice, its register over the whole tune stands in). This chooses
      between the chords that fit the melody, which chord tone each voice sings and in which octave.
    - The rules bound the choice and add costs (each a weight of :class:`VoicingWeights`): the melody's
      note on the beat is a chord tone, or one non-chord tone over a whole triad; chords outside the key
      and rarer shapes cost more; a complete chord; the bass on the root, less often the third; voices in
      order and spaced; small steps cheap, leaps dear, parallel fifths and octaves dearer still.
    - Whether the voices sing is the melody's: they sing through every beat the melody sounds in.
    - How much dissonance: the search puts a price (or a reward) on every dissonant beat and finds by
      bisection the one that brings the tune's share near :attr:`VoicingWeights.dissonance` (Bach's
      chorales' share by default); which beats carry it is still the model's and the rules' choice.
    - Passing notes fill a voice's leaps of a third (:func:`~composerlab.models.gan.chords.add_passing_notes`);
      the genre models' voices move register phrase by phrase (:attr:`VoicingWeights.follow`, ``wander``).

    The search is not random: the randomness is the generator's noise, so the same seed gives the same
    music. Nothing here knows which model wrote the probabilities; any model of this kit whose voices
    are ordered from high to low decodes this way.
    """
    w = weights or VoicingWeights()
    probabilities = np.asarray(probabilities, dtype=np.float64)
    melody = np.asarray(melody) > 0
    n_voices, steps, n_pitches = probabilities.shape
    if n_voices != 3:
        raise ValueError(f"chord decoding writes three voices under the melody, the model gives {n_voices}")
    rests = w.rests < 1.0 or w.tacet < 1.0  # the voices rest where the model rests them (a quartet's, not Bach's)
    resting = 1.0 - probabilities[:, :steps].sum(axis=2) if rests else None  # before the registers move
    if w.follow or (w.wander and seed is not None):  # the voices' registers move from phrase to phrase
        probabilities = shift_registers(probabilities, register_shifts(melody[:steps], w, seed))
    if key is None:
        key = estimate_key(melody[:steps])
    beats = _beats(probabilities, melody, lowest, time_signature, key, w)
    out = _voices(beats, _search(beats, w), steps, n_pitches, chords_out)
    if w.passing_notes:
        out = add_passing_notes(out, melody, lowest, time_signature, key)
    if rests:
        out = rest_where_the_model_rests(out, resting, w.rests, steps_per_bar(time_signature), w.tacet)
    return out


def registers(probabilities: np.ndarray, epsilon: float) -> np.ndarray:
    """(3, pitches) each voice's share of its probability over the whole tune, by pitch: what stands in
    for the model's choice where it rests the voice.

    A voice the model gives no pitch anywhere (it rests it through the whole tune) borrows the register
    of the voices it does give; if it gives none, every pitch is alike.
    """
    register = probabilities.sum(axis=1)
    totals = register.sum(axis=1, keepdims=True)
    register /= np.maximum(totals, epsilon)
    silent = totals[:, 0] <= 0
    if silent.any():
        given = register[~silent].mean(axis=0) if (~silent).any() else np.full(register.shape[1], 1.0)
        register[silent] = given / given.sum()
    return register


def _beats(probabilities: np.ndarray, melody: np.ndarray, lowest: int, time_signature, key,
           w: VoicingWeights) -> list[_Beat]:
    """Every beat of the tune with the states (chord and voicing) the search considers on it."""
    steps, n_pitches = probabilities.shape[1:]
    in_key = scale_mask(key)
    pitch_class = (lowest + np.arange(n_pitches)) % 12
    outside = (CHORD_MASKS & ~in_key).sum(axis=1)
    chromatic = np.where(outside > 0, w.chromatic * np.maximum(outside, 1), 0.0)  # inf * 0 would be NaN
    chord_prior = SHAPE_COST + w.seventh * (CHORD_TONES[:, 3] >= 0) + chromatic
    # Each voice's pitches over the whole tune: where the model rests a voice, its register stands in.
    register = registers(probabilities[:, :steps], w.epsilon)
    tops = top_pitch(melody[:steps])
    tops = np.where(tops >= 0, tops - lowest, SILENT)  # model pitch indices, outside 0..n_pitches - 1 if need be
    beats = []
    for start, end in beat_segments(steps, time_signature):
        line = tops[start:end]
        sings = bool((line > SILENT).any())
        beat = _Beat(start, end, sings, np.zeros((0, 4), int), np.zeros(0), int(line[0]), int(line[-1]))  # first, last
        if sings:
            beat.all_states, beat.all_cost, beat.all_dissonant = _beat_states(
                probabilities[:, start:end], register, line, melody[start], pitch_class, chord_prior, w)
        beats.append(beat)
    return beats


def _voices(beats: list[_Beat], choice: list, steps: int, n_pitches: int, chords_out: list | None) -> np.ndarray:
    """(3, steps, pitches) booleans: each beat's chosen voicing held through the beat."""
    out = np.zeros((3, steps, n_pitches), bool)
    for beat, state in zip(beats, choice):
        if state is None:
            continue
        for v in range(3):
            out[v, beat.start: beat.end, state[v + 1]] = True
        if chords_out is not None:
            chords_out.append((beat.start, beat.end, int(state[0])))
    return out


def _beat_states(probs: np.ndarray, register: np.ndarray, line: np.ndarray, struck: np.ndarray, pitch_class: np.ndarray,
                 chord_prior: np.ndarray, w: VoicingWeights) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (chord, voicing) considered for one beat: states, costs (the transition from the beat before
    aside) and whether each is dissonant. ``line`` is the melody's top pitch index per step, ``struck``
    the (128,) MIDI pitches it sounds on the beat's first step (a tune may have double stops)."""
    # (3, pitches) each voice's pitch given that it sings: the beat's probabilities, plus the voice's
    # register over the tune worth ``w.register`` steps, so that a beat the model would rest is still sung in range.
    mass = probs.sum(axis=1) + w.register * register
    mean = mass / mass.sum(axis=1, keepdims=True)
    on_beat = np.zeros(12, bool)  # the melody's pitch classes on the beat
    on_beat[np.flatnonzero(struck) % 12] = True
    keep, cost, fits = _chords(mean, line, on_beat, pitch_class, chord_prior, w)
    melody_top = line[0] if line[0] > SILENT else line.max()
    return _voicings(keep, cost, fits, mean, on_beat, melody_top, pitch_class, w)


def _chords(mean: np.ndarray, line: np.ndarray, on_beat: np.ndarray, pitch_class: np.ndarray,
            chord_prior: np.ndarray, w: VoicingWeights) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(the chords kept for a beat, every chord's cost, whether each holds the melody's notes on the beat).

    The melody's notes on the beat are in the chord (or one non-chord tone over a triad), the rest mostly
    in it; the model's mass on each chord's tones keeps the promising ones. ``on_beat`` is cleared where
    no chord can hold it.
    """
    melody_pcs = np.where(line > SILENT, (line + pitch_class[0]) % 12, -1)
    rest = melody_pcs[1:][melody_pcs[1:] >= 0]
    offbeat = (~CHORD_MASKS[:, rest]).mean(axis=1) if rest.size else np.zeros(len(CHORD_MASKS))
    foreign = (on_beat[None, :] & ~CHORD_MASKS).sum(axis=1)
    fits = foreign == 0
    triad = CHORD_TONES[:, 3] < 0
    allowed = fits | (triad & (foreign == 1))
    # A cluster in the melody that no chord holds, or none the key rule leaves (a chromatic cluster, an
    # in-key rule): harmonise the beat as if the melody were silent on it.
    if not (allowed & np.isfinite(chord_prior)).any():
        on_beat[:] = False
        fits = allowed = np.ones(len(CHORD_MASKS), bool)
    cost = chord_prior + w.melody_offbeat * offbeat + np.where(fits, 0.0, w.melody_nonchord)
    chord_mass = mean @ CHORD_MASKS[:, pitch_class].T  # (3, chords)
    score = cost - w.model * np.log(chord_mass + w.epsilon).sum(axis=0)
    score[~allowed] = np.inf
    keep = np.argsort(score, kind="stable")[: w.chords]
    return keep[np.isfinite(score[keep])], cost, fits


def _voicings(keep: np.ndarray, cost: np.ndarray, fits: np.ndarray, mean: np.ndarray, on_beat: np.ndarray,
              melody_top: int, pitch_class: np.ndarray, w: VoicingWeights):
    """Every voicing of every kept chord at once, (chords, M, M, M) for alto x tenor x bass candidates,
    scored by the model and the rules: the cheapest states, their costs and whether each is dissonant."""
    m = w.candidates
    log_p = np.log(mean + w.epsilon)
    member = CHORD_MASKS[keep][:, pitch_class]  # (K, pitches)
    picks, valid = [], []
    for v in range(3):
        ranked = np.argsort(-np.where(member, mean[v][None, :], -1.0), axis=1, kind="stable")[:, :m]
        picks.append(ranked)
        valid.append(np.take_along_axis(member, ranked, axis=1))
    k = len(keep)
    a = np.broadcast_to(picks[0][:, :, None, None], (k, m, m, m))
    t = np.broadcast_to(picks[1][:, None, :, None], (k, m, m, m))
    b = np.broadcast_to(picks[2][:, None, None, :], (k, m, m, m))
    ok = valid[0][:, :, None, None] & valid[1][:, None, :, None] & valid[2][:, None, None, :]
    tones = CHORD_TONES[keep][:, None, None, None, :]  # (K, 1, 1, 1, 4)
    pa, pt, pb = pitch_class[a], pitch_class[t], pitch_class[b]

    def sung(i):  # whether chord tone i sounds in the lower voices
        return (pa == tones[..., i]) | (pt == tones[..., i]) | (pb == tones[..., i])

    def present(i):  # ... or in the melody on the beat
        return sung(i) | on_beat[np.maximum(tones[..., i], 0)] & (tones[..., i] >= 0)

    c_cost = cost[keep][:, None, None, None] - w.model * (log_p[0, a] + log_p[1, t] + log_p[2, b])
    c_cost = c_cost + np.where(present(1), 0.0, w.no_third) + np.where(present(2), 0.0, w.no_fifth)
    needs_root = np.array([CHORD_SHAPE_NAMES[c] != "diminished seventh" for c in keep], bool)[:, None, None, None]
    c_cost = c_cost + np.where(present(0) | ~needs_root, 0.0, w.no_root)
    has_seventh = tones[..., 3] >= 0
    ok = ok & (~has_seventh | present(3))  # without its seventh it is the triad, another state
    # A non-chord tone in the melody needs the whole triad below it (harmony.fits_chord's one foreign note).
    ok = ok & (fits[keep][:, None, None, None] | (sung(0) & sung(1) & sung(2)))
    c_cost = c_cost + np.select([pb == tones[..., 1], pb == tones[..., 2], has_seventh & (pb == tones[..., 3])],
                                [w.bass_third, w.bass_fifth, w.bass_seventh], 0.0)
    c_cost = c_cost + w.crossing * ((a > melody_top).astype(float) + (t > a) + (b > t))
    c_cost = c_cost + w.unison * ((a == t).astype(float) + (t == b))
    c_cost = c_cost + w.spacing * ((melody_top - a > 12).astype(float) + (a - t > 12) + (t - b > 19))
    ok = ok & np.isfinite(c_cost)
    chord = np.broadcast_to(keep[:, None, None, None], ok.shape)
    states = np.stack([chord[ok], a[ok], t[ok], b[ok]], axis=1)
    costs = c_cost[ok]
    voices = [pa[ok], pt[ok], pb[ok]]
    melody_clash = CLASH[:, on_beat].any(axis=1)  # (12,): a pitch class against the melody's on the beat
    dissonant = np.full(len(costs), bool(CLASH[on_beat][:, on_beat].any()))
    for i in range(3):
        dissonant |= melody_clash[voices[i]]
        for j in range(i + 1, 3):
            dissonant |= CLASH[voices[i], voices[j]]
    best = np.argsort(costs, kind="stable")[: BEAM_RESERVE * w.states]
    return states[best], costs[best], dissonant[best]


def _transition(p: np.ndarray, q: np.ndarray, last: int, first: int, w: VoicingWeights) -> np.ndarray:
    """(n_prev, n) cost of moving from each state ``p`` of a beat to each state ``q`` of the next: motion,
    parallels, a new chord. ``last`` and ``first``: the melody's pitch index either side of the bar line."""
    cost = np.where(p[:, None, 0] != q[None, :, 0], w.change, 0.0)
    for v, scale in ((1, 1.0), (2, 1.0), (3, 0.5)):
        motion = np.abs(q[None, :, v] - p[:, None, v])
        cost += np.where(motion == 0, 0.0, w.step) + (w.leap * scale) * np.maximum(motion - 2, 0)
        cost += np.where(motion > 12, w.big_leap, 0.0)
    # Each voice's pitch before and after the beat line; the soprano only where it sounds on both sides.
    before, after = [p[:, 1], p[:, 2], p[:, 3]], [q[:, 1], q[:, 2], q[:, 3]]
    if last > SILENT and first > SILENT:
        before.insert(0, np.full(len(p), last))
        after.insert(0, np.full(len(q), first))
    for i in range(len(before)):
        for j in range(i + 1, len(before)):
            interval_before = np.abs(before[i] - before[j]) % 12
            interval_after = np.abs(after[i] - after[j]) % 12
            perfect = (interval_before == 0) | (interval_before == 7)
            parallel = perfect[:, None] & (interval_before[:, None] == interval_after[None, :])
            if not parallel.any():
                continue
            move_i = np.sign(after[i][None, :] - before[i][:, None])
            move_j = np.sign(after[j][None, :] - before[j][:, None])
            cost += w.parallel * (parallel & (move_i == move_j) & (move_i != 0))
    return cost


BEAM_RESERVE = 2
"""States kept per beat before the dissonance price is known, as a multiple of :attr:`VoicingWeights.states`."""


def _search(beats: list[_Beat], w: VoicingWeights) -> list:
    """The best states at the price of dissonance that brings the tune's share of dissonant beats near the target.

    One search at no price; if the share of singing beats whose pitch classes
    hold a second, seventh or tritone (:func:`composerlab.music.harmony.is_consonant`)
    lies further than :attr:`VoicingWeights.dissonance_tolerance` from
    :attr:`VoicingWeights.dissonance`, the price is found by bisection.
    """
    singing = [b for b in beats if b.sings and b.all_states is not None and len(b.all_states)]

    def attempt(price: float):
        for b in singing:
            b.prune(price, w.states)
        picked = _viterbi(beats, w)
        flags = [bool(b.dissonant[i]) for b, i in zip(beats, picked) if i is not None]
        choice = [None if i is None else b.states[i] for b, i in zip(beats, picked)]
        return choice, (float(np.mean(flags)) if flags else 0.0)

    choice, share = attempt(0.0)
    if w.dissonance is None or not singing:
        return choice
    low, high = (-w.max_price, 0.0) if share < w.dissonance else (0.0, w.max_price)
    best = (abs(share - w.dissonance), choice)
    for _ in range(w.price_steps):
        if best[0] <= w.dissonance_tolerance:
            break
        price = (low + high) / 2
        choice, share = attempt(price)
        best = min(best, (abs(share - w.dissonance), choice), key=lambda x: x[0])
        if share > w.dissonance:
            low = price
        else:
            high = price
    return best[1]


def _viterbi(beats: list[_Beat], w: VoicingWeights) -> list:
    """The index of the cheapest state per beat in its ``states`` (None where the voices rest), by dynamic
    programming over beats. Transition costs are computed once between all the states two beats consider,
    and reused whatever the price of dissonance keeps."""
    choice: list = [None] * len(beats)
    run: list[int] = []  # indexes of consecutive singing beats, searched together

    def solve(indexes: list[int]) -> None:
        total = beats[indexes[0]].cost.copy()
        back = []
        for k in range(1, len(indexes)):
            prev, beat = beats[indexes[k - 1]], beats[indexes[k]]
            if beat.link is None:
                beat.link = _transition(prev.all_states, beat.all_states, prev.last, beat.first, w)
            step = total[:, None] + beat.link[np.ix_(prev.kept, beat.kept)]
            best = np.argmin(step, axis=0)
            back.append(best)
            total = step[best, np.arange(step.shape[1])] + beat.cost
        state = int(np.argmin(total))
        for k in range(len(indexes) - 1, -1, -1):
            choice[indexes[k]] = state
            if k:
                state = int(back[k - 1][state])

    for i, beat in enumerate(beats):
        if beat.sings and len(beat.states):
            run.append(i)
        elif run:
            solve(run)
            run = []
    if run:
        solve(run)
    return choice
