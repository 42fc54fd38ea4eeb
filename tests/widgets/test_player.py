"""composerlab.widgets.player and plots: the widget state a learner changes, and the pictures."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from composerlab import clip_bars  # noqa: E402
from composerlab.music.notation import load_corpus  # noqa: E402
from composerlab.music.pianoroll import track_notes  # noqa: E402
from composerlab.music.samples import load_sample  # noqa: E402
from composerlab.sound.audio import read_wav_bytes  # noqa: E402
from composerlab.widgets.player import Player, compare  # noqa: E402
from composerlab.widgets.plots import plot_pianoroll, track_color  # noqa: E402


def test_player_mutes_and_changes_instruments():
    chorale = clip_bars(load_corpus("bach/bwv66.6"), 4, warn=False)
    player = Player(chorale)
    full, _ = read_wav_bytes(player.audio.value)
    assert len(player.mute_boxes) == 4 and len(player.instrument_menus) == 4
    player.mute_boxes[3].value = True  # as a click on "mute" would
    assert player.muted == {3}
    assert "3 of 4 tracks" in player.status.value
    player.instrument_menus[0].value = 40  # violin
    assert player.current().tracks[0].program == 40
    assert chorale.tracks[0].program == 52  # the composition itself is untouched
    changed, _ = read_wav_bytes(player.audio.value)
    assert changed.shape == full.shape and abs(changed - full).mean() > 0.001
    player.play()
    assert player.audio.autoplay is True
    player.stop()
    assert player.audio.autoplay is False


def test_compare_shows_two_players():
    box = compare(load_sample("twinkle"), load_sample("mary"), labels=("melody", "other"))
    left, right = box.players
    assert (left.title, right.title) == ("melody", "other")
    assert left.audio.value != right.audio.value


def test_piano_roll_draws_each_track_in_its_colour():
    chorale = clip_bars(load_corpus("bach/bwv66.6"), 8, warn=False)
    ax = plot_pianoroll(chorale)
    colours = {tuple(round(c, 3) for c in coll.get_facecolor()[0][:3]) for coll in ax.collections}
    assert len(colours) == 4
    assert [len(c.get_paths()) for c in ax.collections] == [len(track_notes(t)) for t in chorale.tracks]
    assert sum(len(c.get_paths()) for c in ax.collections) > 120
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Soprano", "Alto", "Tenor", "Bass"]
    assert track_color(0) != track_color(1)
    plt.close("all")
