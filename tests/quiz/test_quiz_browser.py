"""The quiz in headless Chromium against a real uvicorn: a host page and three phones play to the podium.

One player reloads in the middle of the game and keeps their score. Screenshots of the host (projector
size) and a phone go to ``out/quiz_screenshots/`` for review.
"""
import re

from axe import audit, horizontal_overflow
from browser import ROOT  # the browser fixture comes from tests/conftest.py (one Chromium per session)
from quizkit import live_quiz  # noqa: F401

SHOTS = ROOT / "out" / "quiz_screenshots"
PHONE = {"width": 390, "height": 760}
PROJECTOR = {"width": 1280, "height": 720}


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_three_phones_and_a_host_play_to_the_podium(browser, live_quiz):
    host_context = browser.new_context(viewport=PROJECTOR)
    host = host_context.new_page()
    host.goto(f"{live_quiz.url}/quiz/host/{live_quiz.token}")
    host.select_option("#bank", "lab01")
    host.fill("#count", "3")
    host.click("#create")
    host.wait_for_url(re.compile(r"/quiz/host/.+/\d{6}$"))
    pin = host.url.rsplit("/", 1)[1]
    assert host.text_content("#pin") == pin
    assert host.locator("img.qr").evaluate("img => img.complete && img.naturalWidth > 0")
    questions = live_quiz.quiz.games.get(pin).bank.questions

    phones, contexts = {}, []
    for name in ("Ana", "Ben", "<b>Cai</b>"):
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_quiz.url}/quiz")
        page.fill("#pin", pin)
        page.fill("#nickname", name)
        page.click("#join button")
        page.wait_for_selector("#wait-title:has-text(\"You're in!\")")
        phones[name] = page
    host.wait_for_function("document.querySelectorAll('#nicknames li').length === 3")
    assert host.locator("#nicknames li").all_text_contents() == ["Ana", "Ben", "<b>Cai</b>"]  # text, not markup
    assert host.locator("#nicknames b").count() == 0
    shot(host, "host_lobby")
    shot(phones["Ana"], "phone_lobby")

    def play(question_index, picks):
        """Each phone taps its button (the right one, or a wrong one); the host reveals."""
        host.wait_for_selector("#stage-question:not([hidden])")
        right = questions[question_index].answer[0]
        for name, correct in picks.items():
            page = phones[name]
            page.wait_for_selector("#question:not([hidden])")
            choice = right if correct else (right + 1) % 4
            page.click(f".choice[data-choice='{choice}']")
            page.wait_for_selector("#question", state="hidden")  # "Answer locked in" (or the result, if last)
        host.wait_for_selector("#stage-top:not([hidden])")       # everyone answered: it closes early

    host.click("#next")                                           # question 1
    host.wait_for_selector("#stage-question:not([hidden])")
    phones["Ana"].wait_for_selector("#question:not([hidden])")
    assert host.text_content("#host-qtext") == questions[0].text
    shot(host, "host_question")
    shot(phones["Ana"], "phone_question")
    play(0, {"Ana": True, "Ben": False, "<b>Cai</b>": True})
    assert host.locator(".board-choice.correct").count() == len(questions[0].answer)
    assert "✓ " in host.locator(".board-choice.correct .count").first.text_content()
    assert host.locator("#top li").count() == 3
    shot(host, "host_reveal")
    # the reveal fits the projector (nothing below the fold, nothing sideways) and passes axe-core
    assert host.evaluate("document.documentElement.scrollHeight") <= PROJECTOR["height"]
    assert horizontal_overflow(host) == 0 and audit(host) == []
    phones["Ana"].wait_for_selector("#result-title:has-text('Correct!')")
    assert "You are" in phones["Ana"].text_content("#result-rank")
    shot(phones["Ana"], "phone_correct")
    assert horizontal_overflow(phones["Ana"]) == 0 and audit(phones["Ana"]) == []
    phones["Ben"].wait_for_selector("#result-title:has-text('Incorrect')")
    shot(phones["Ben"], "phone_incorrect")
    points_before = int(phones["Ana"].text_content("#me-points").split()[0])
    assert points_before >= 500

    phones["Ana"].reload()                                        # the reload keeps the player and the score
    phones["Ana"].wait_for_selector("#result:not([hidden])")
    assert phones["Ana"].text_content("#me-name") == "Ana"
    assert int(phones["Ana"].text_content("#me-points").split()[0]) == points_before
    assert phones["Ana"].locator("#join").is_hidden()

    host.click("#next")                                           # question 2
    play(1, {"Ana": True, "Ben": True, "<b>Cai</b>": False})
    host.click("#next")                                           # question 3
    play(2, {"Ana": True, "Ben": False, "<b>Cai</b>": False})
    host.click("#next")                                           # the podium
    host.wait_for_selector("#stage-podium:not([hidden])")
    assert host.locator(".step").count() == 3
    assert host.locator(".step.place-1 strong").text_content() == "Ana"
    shot(host, "host_podium")
    assert audit(host) == []
    phones["Ana"].wait_for_selector("#result-title:has-text('Podium')")
    shot(phones["Ana"], "phone_podium")
    board = live_quiz.client.get(f"/api/quiz/games/{pin}/scoreboard").json()
    assert board[0]["nickname"] == "Ana" and board[0]["points"] > points_before

    awards = host_context.new_page()
    awards.goto(f"{live_quiz.url}/awards")
    assert awards.locator("#quiz-winners li").first.text_content().split()[1] == "Ana"
    for context in [host_context, *contexts]:
        context.close()


def test_the_join_page_says_what_is_wrong(browser, live_quiz):
    pin = live_quiz.new_game(1)
    live_quiz.join(pin, "Ana")
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_quiz.url}/quiz")
    for wanted, nickname, words in (("000000", "Zed", "no game has the PIN 000000"), ("12", "Zed", "6 digits"),
                                    (pin, " ana ", "taken"), (pin, "   ", "type a nickname")):
        page.fill("#pin", wanted)
        page.fill("#nickname", nickname)
        page.click("#join button")
        page.wait_for_selector("#join-error:not([hidden])")
        assert words in page.text_content("#join-error"), (wanted, nickname)
        if words == "taken":
            shot(page, "phone_join_error")
        page.evaluate("document.getElementById('join-error').hidden = true")
    page.goto(f"{live_quiz.url}/quiz/999999")
    assert "no game has the PIN 999999" in page.text_content("main")
    context.close()
