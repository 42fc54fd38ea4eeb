"""The awards and kickoff decks built from an event server's own database."""
import html

from composerlab.event.exports import leaderboard_json
from composerlab.event.facilitator import rehearsal_scores, rehearsal_submissions
from composerlab.event.store import Store
from composerlab.slides.build import build_decks
from composerlab.slides.results import load_event_dir


def scored_event(folder, **settings):
    store = Store.create(folder, "Spring <jam>", ["Ada", "Ben"], max_per_composer=2, **settings)
    try:
        rehearsal_submissions(store, n=5, seed=1)
        store.open_preliminary(mode="everyone", seed=1)
        rehearsal_scores(store, seed=4)
        return leaderboard_json(store, "preliminary")["rows"]
    finally:
        store.close()


def test_awards_deck_shows_the_event_databases_winners_counts_and_plays_them(tmp_path):
    board = scored_event(tmp_path / "ev", public_url="http://10.0.0.5:8000")
    assert len(board) == 5
    info, results = load_event_dir(tmp_path / "ev")
    assert info.name == "Spring <jam>" and info.max_submissions == 2 and info.join_url == "http://10.0.0.5:8000/"
    assert [(e.composer, e.title) for e in results.human] == [(r["composer"], r["title"]) for r in board]
    podium = results.podium("human")
    assert [e.place for e in podium] == [1, 2, 3] and all("rehearsal comment" in e.comments for e in podium)
    assert all(e.audio.startswith("data:audio/mpeg;base64,") for e in podium)
    assert not any(e.audio for e in results.human if not e.place)

    built = {b.name: b for b in build_decks(tmp_path / "out", event_dir=tmp_path / "ev", pdf=False,
                                            only=["04_kickoff", "05_awards"])}
    awards = built["05_awards"].html.read_text()
    for entry in podium:
        assert html.escape(entry.title, quote=False) in awards and entry.composer in awards
    assert "Spring &lt;jam&gt;" in awards and "Spring <jam>" not in awards
    # the counts are the event's, not the podium's: 5 sent by 5, 5 on the deciding board, none by the AI judge
    assert "<strong>5</strong> compositions sent by <strong>5</strong> contestants" in awards
    assert "<strong>5</strong> compositions on the judges' deciding leaderboard" in awards
    assert "<strong>0</strong> compositions scored by the AI judge" in awards and "The AI judge has not run." in awards
    assert awards.count('<audio class="play" controls') == 3 and "media-src data:" in awards
    kickoff = built["04_kickoff"].html.read_text()
    assert "http://10.0.0.5:8000/" in kickoff and 'class="placeholder"' not in kickoff.split("Timeline")[0]
    assert "your latest 1 go to the human judges" in kickoff


def test_the_quiz_winner_comes_from_the_same_database(tmp_path):
    from composerlab.quiz.bank import bank_from_dict
    from composerlab.quiz.server import QuizServer
    from composerlab.quiz.store import QuizStore

    scored_event(tmp_path / "ev")
    assert load_event_dir(tmp_path / "ev")[1].quiz_winner == ""      # no quiz played: nothing, and no tables made
    store = Store.open(tmp_path / "ev")
    try:
        quiz = QuizServer(QuizStore(store.engine))
        game = quiz.create(bank_from_dict({"questions": [{"question": "Q?", "choices": list("abcd"), "answer": [2],
                                                          "seconds": 10}]}))
        cleo, dan = quiz.join(game.pin, "Cleo"), quiz.join(game.pin, "Dan")
        quiz.advance(game.pin)
        quiz.answer(game.pin, dan.token, 0)
        quiz.answer(game.pin, cleo.token, 2)
        quiz.advance(game.pin)
    finally:
        store.close()
    assert load_event_dir(tmp_path / "ev")[1].quiz_winner == "Cleo"
