// The player's page: join with a PIN and a nickname, then four big buttons per question and the result after it.
// The player token is kept in localStorage per PIN, so a reload (or a phone that slept) rejoins the same player.
// Every value from the server goes in through textContent: a nickname with HTML stays text. No library.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const play = $("play");
  const key = (pin) => "composerlab-quiz:" + pin;
  let pin = play ? play.dataset.pin : null;
  let token = null, stream = null, state = null, answeredNumber = 0, questionNumber = 0;

  function show(id) {
    for (const s of ["join", "wait", "question", "result"]) if ($(s)) $(s).hidden = s !== id;
  }
  function error(where, text) {
    const el = $(where);
    el.textContent = text || "";
    el.hidden = !text;
  }
  function ordinal(n) {
    const s = ["th", "st", "nd", "rd"], v = n % 100;
    return n + (s[(v - 20) % 10] || s[v] || s[0]);
  }
  async function api(method, path, body) {
    const headers = {"Content-Type": "application/json"};
    if (token) headers.Authorization = "Bearer " + token;
    const response = await fetch("/api/quiz/games/" + path, {method, headers, body: body && JSON.stringify(body)});
    const data = await response.json().catch(() => ({error: "the server did not answer (" + response.status + ")"}));
    if (!response.ok) throw Object.assign(new Error(data.error || "refused"), {code: data.code, status: response.status});
    return data;
  }

  // -- joining ----------------------------------------------------------------------------------------------------
  const form = $("join");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error("join-error", "");
    const wanted = $("pin").value.trim();
    if (!/^\d{6}$/.test(wanted)) return error("join-error", "The PIN is the 6 digits on the big screen.");
    try {
      token = null;
      const joined = await api("POST", wanted + "/players", {nickname: $("nickname").value});
      localStorage.setItem(key(wanted), JSON.stringify({token: joined.player_token, nickname: joined.nickname}));
      if (!play || wanted !== pin) { location.href = "/quiz/" + wanted; return; }
      token = joined.player_token;
      connect();
    } catch (err) {
      error("join-error", err.message);
    }
  });
  if (!play) return; // the join page stops here

  // -- playing ------------------------------------------------------------------------------------------------------
  function me(view) {
    $("me-name").textContent = view.nickname;
    $("me-points").textContent = view.points + " pts";
    if (view.state === "question") {
      if (view.answered) {
        answeredNumber = view.question_number;
        waitAfterAnswer();
      }
      return;
    }
    if (view.state === "lobby") return;
    const result = view.result;
    const rank = `You are ${ordinal(view.rank)} of ${view.players} with ${view.points} points`;
    if (view.state === "finished") {
      show("result");
      $("result-title").textContent = view.rank <= 3 && view.points > 0 ? `Podium: ${["", "1st", "2nd", "3rd"][view.rank]} place!` : "Game over";
      $("result-points").textContent = view.points + " points";
      $("result-rank").textContent = rank + ". Thanks for playing!";
      return;
    }
    if (!result) return;
    show("result");
    $("result").className = "panel message " + (result.correct ? "good" : "bad");
    $("result-title").textContent = result.correct ? "Correct!" : (result.choice === null ? "No answer" : "Incorrect");
    $("result-points").textContent = "+" + result.gained + (result.bonus ? ` (streak bonus +${result.bonus})` : "");
    $("result-rank").textContent = rank + (result.streak > 1 ? `, ${result.streak} in a row` : "") + ".";
  }

  function status(s) {
    state = s.state;
    questionNumber = s.question_number;
    if (s.state === "lobby") {
      show("wait");
      $("wait-title").textContent = "You're in!";
      $("wait-text").textContent = "See your nickname on the big screen. The host starts the game soon.";
    } else if (s.state === "question") {
      $("qnum").textContent = `${s.question_number}/${s.questions}`;
      $("qtext").textContent = s.question.question;
      const buttons = document.querySelectorAll(".choice");
      buttons.forEach((b, i) => {
        b.hidden = i >= s.question.choices.length;
        b.querySelector(".label").textContent = s.question.choices[i] || "";
        b.disabled = false;
        b.classList.remove("picked");
      });
      if (answeredNumber === s.question_number) waitAfterAnswer();
      else show("question");
    } else if (s.state === "reveal") {  // the "me" message with this player's result follows at once
      show("wait");
      $("wait-title").textContent = "Time's up";
      $("wait-text").textContent = "Look at the big screen…";
    }
  }

  function waitAfterAnswer() {
    show("wait");
    $("wait-title").textContent = "Answer locked in";
    $("wait-text").textContent = "Waiting for the others…";
  }

  document.querySelectorAll(".choice").forEach((button) => button.addEventListener("click", async () => {
    if (state !== "question") return;
    const number = questionNumber;
    document.querySelectorAll(".choice").forEach((b) => { b.disabled = true; });
    button.classList.add("picked");
    try {
      await api("POST", pin + "/answers", {choice: Number(button.dataset.choice), question: number});
      answeredNumber = number;
      if (state === "question" && questionNumber === number) waitAfterAnswer();
    } catch (err) {
      if (err.code === "already_answered") answeredNumber = number;
      error("play-error", err.message);
      setTimeout(() => error("play-error", ""), 4000);
      if (err.code === "already_answered" || err.code === "late") waitAfterAnswer();
      else document.querySelectorAll(".choice").forEach((b) => { b.disabled = false; });
    }
  }));

  function connect() {
    if (stream) stream.close();
    stream = new EventSource(`/api/quiz/games/${pin}/stream?token=${encodeURIComponent(token)}`);
    stream.addEventListener("status", (e) => status(JSON.parse(e.data)));
    stream.addEventListener("me", (e) => me(JSON.parse(e.data)));
  }

  async function start() {
    const saved = JSON.parse(localStorage.getItem(key(pin)) || "null");
    if (saved && saved.token) {
      token = saved.token;
      try {
        const s = await api("GET", pin);  // checks the token: a player of this game?
        status(s);
        if (s.me) me(s.me);
        connect();
        return;
      } catch (err) {
        if (err.code !== "unknown_player") { error("play-error", err.message); return; }
        localStorage.removeItem(key(pin));
        token = null;
      }
    }
    show("join");
    $("nickname").focus();
  }
  start();
})();
