// The host's big screen: join link, PIN and QR code, the lobby filling, then each question with its countdown and
// live answer count, the reveal (counts per choice, the correct ones, the top five) and the podium.
// One server-sent-events stream (with the host's token: every change); "Next" posts to the API. No library.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const host = $("host");
  const pin = host.dataset.pin, token = host.dataset.token;
  const shapes = ["▲", "◆", "●", "■"], colours = ["red", "blue", "yellow", "green"];
  let deadline = null, timer = null, last = null;

  function stage(...ids) {
    $("area").classList.toggle("revealing", ids.includes("stage-top"));
    for (const id of ["lobby", "stage-question", "stage-top", "stage-podium"]) $(id).hidden = !ids.includes(id);
  }
  function li(text, className) {
    const el = document.createElement("li");
    el.textContent = text;
    if (className) el.className = className;
    return el;
  }
  function error(text) {
    $("host-error").textContent = text || "";
    $("host-error").hidden = !text;
  }

  function tick() {
    if (deadline === null) return;  // the reveal writes its own word there
    const left = Math.max(0, Math.ceil((deadline - performance.now()) / 1000));
    $("countdown").textContent = String(left);
    $("countdown").classList.remove("word");
  }

  function choices(s, reveal) {
    const list = $("host-choices");
    list.replaceChildren();
    const most = reveal ? Math.max(1, ...reveal.counts) : 1;
    s.question.choices.forEach((text, i) => {
      const item = document.createElement("li");
      item.className = "board-choice " + colours[i];
      if (reveal) item.classList.add(reveal.correct.includes(i) ? "correct" : "wrong");
      const shape = document.createElement("span");
      shape.className = "shape";
      shape.textContent = shapes[i];
      const label = document.createElement("span");
      label.className = "label";
      label.textContent = text;
      item.append(shape, label);
      if (reveal) {
        const bar = document.createElement("span");
        bar.className = "bar";
        bar.style.setProperty("--share", String(reveal.counts[i] / most));
        const count = document.createElement("span");
        count.className = "count";
        count.textContent = (reveal.correct.includes(i) ? "✓ " : "") + reveal.counts[i];
        item.append(bar, count);
      }
      list.appendChild(item);
    });
  }

  function render(s) {
    last = s;
    $("progress").textContent = s.state === "lobby" ? `${s.questions} questions`
      : `Question ${s.question_number} of ${s.questions}`;
    const next = $("next");
    next.disabled = false;
    next.textContent = {lobby: "Start", question: "Close question",
                        reveal: s.question_number < s.questions ? "Next question" : "Podium",
                        finished: "Game over"}[s.state];
    next.disabled = s.state === "finished" || (s.state === "lobby" && s.players === 0);
    if (s.state === "lobby") {
      stage("lobby");
      $("player-count").textContent = String(s.players);
      $("nicknames").replaceChildren(...s.nicknames.map((n) => li(n, "chip")));
      return;
    }
    if (s.state === "question" || s.state === "reveal") {
      stage(...(s.state === "reveal" ? ["stage-question", "stage-top"] : ["stage-question"]));
      $("host-qtext").textContent = s.question.question;
      $("answered").textContent = `${s.answers} of ${s.players} answered`;
      const picture = $("picture");
      picture.hidden = !s.question.picture;
      if (s.question.picture) picture.src = `/api/quiz/games/${pin}/picture?q=${s.question_number}`;
      const melody = $("melody");
      melody.hidden = !s.question.melody;
      const source = s.question.melody ? `/api/quiz/games/${pin}/melody.mp3?q=${s.question_number}` : "";
      if (source && !melody.src.endsWith(source)) {
        melody.src = source;
        if (s.state === "question") melody.play().catch(() => {});  // a browser may want a click first
      }
      if (s.state === "question") {
        deadline = performance.now() + s.seconds_left * 1000;
        if (!timer) timer = setInterval(tick, 200);
        tick();
        choices(s, null);
        $("explanation").hidden = true;
      } else {
        deadline = null;
        tick();
        $("countdown").classList.add("word");
        const r = s.reveal;
        choices(s, r);
        $("countdown").textContent = {time: "Time!", host: "Closed", all_answered: "All in"}[r.closed_by] || "";
        $("explanation").hidden = !r.explanation;
        $("explanation").textContent = r.explanation || "";
        $("top").replaceChildren(...r.top.map((row) => li(`${row.nickname}  ${row.points}`, "top-row")));
      }
      return;
    }
    deadline = null;
    stage("stage-podium");
    const podium = $("podium");
    podium.replaceChildren();
    for (const place of [2, 1, 3]) {
      // a podium place is earned: players with no point do not stand on it, whatever their tie-break
      const row = s.podium.find((r) => r.rank === place && r.points > 0);
      if (!row) continue;
      const step = document.createElement("div");
      step.className = "step place-" + place;
      const name = document.createElement("strong");
      name.textContent = row.nickname;
      const points = document.createElement("span");
      points.textContent = row.points + " points";
      const block = document.createElement("div");
      block.className = "block";
      block.textContent = String(place);
      step.append(name, points, block);
      podium.appendChild(step);
    }
    if (!s.podium.length) podium.textContent = "Nobody played.";
    else if (!s.podium.some((r) => r.points > 0)) podium.textContent = "Nobody scored a point.";
  }

  $("next").addEventListener("click", async () => {
    error("");
    $("next").disabled = true;
    const response = await fetch(`/api/quiz/games/${pin}/next`, {method: "POST",
      headers: {Authorization: "Bearer " + token}});
    const data = await response.json().catch(() => ({}));
    if (!response.ok) { error(data.error || "refused"); $("next").disabled = false; return; }
    render(data);
  });

  const stream = new EventSource(`/api/quiz/games/${pin}/stream?token=${encodeURIComponent(token)}`);
  stream.addEventListener("status", (e) => {
    const s = JSON.parse(e.data);
    if (!last || s.version >= last.version) render(s);
  });
})();
