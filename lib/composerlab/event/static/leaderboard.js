// Live leaderboard: one server-sent-events stream per page, a search box, no library.
// Every value from the server goes in through textContent, so typed HTML stays text.
(function () {
  "use strict";
  const board = document.querySelector(".board");
  const round = board.dataset.round;
  const body = document.querySelector("#leaderboard tbody");
  const search = document.getElementById("search");
  const live = document.getElementById("live");
  const status = document.getElementById("status");
  const empty = document.getElementById("empty");
  const criteria = ["originality", "balance", "emotional"];

  function cell(text) {
    const td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    return td;
  }

  function applySearch() {
    const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const tr of body.rows) {
      const text = tr.dataset.search || tr.textContent.toLowerCase();
      const match = words.every((w) => text.includes(w));
      tr.hidden = !match;
      if (match) shown += 1;
    }
    empty.hidden = shown > 0;
    empty.textContent = body.rows.length ? "No composer or composition matches your search." : "Nothing here yet.";
  }

  function render(data) {
    const rows = document.createDocumentFragment();
    for (const row of data.rows) {
      const tr = document.createElement("tr");
      tr.dataset.id = row.id;
      if (row.podium) tr.className = "podium";
      const rank = cell(row.rank === null ? "–" : row.rank);
      if (row.podium) {
        const medal = document.createElement("span");
        medal.className = "medal";
        medal.textContent = " ★";
        rank.appendChild(medal);
      }
      tr.append(rank, cell(row.composer), cell(row.title));
      if (round === "ai") {
        tr.append(cell(row.score === null ? "" : row.score.toFixed(1)), cell(row.why || row.error));
      } else {
        tr.append(cell(row.points.toFixed(2)), ...criteria.map((c) => cell(row[c].toFixed(2))));
      }
      tr.dataset.search = (row.composer + " " + row.title).toLowerCase();
      rows.appendChild(tr);
    }
    body.replaceChildren(rows);
    if (round === "ai") {
      status.textContent = data.run ? `AI judge: ${data.run.state}, ${data.run.done} of ${data.run.total}`
                                    : "The AI judge has not run yet.";
    } else {
      status.textContent = data.state === null ? "This round has not started."
        : `Round ${data.state} · ${data.waiting} waiting for every judge's score`;
    }
    applySearch();
  }

  search.addEventListener("input", applySearch);
  const stream = new EventSource(`/api/leaderboard/stream?round=${encodeURIComponent(round)}`);
  stream.addEventListener("leaderboard", (e) => {
    render(JSON.parse(e.data));
    live.textContent = "live";
    live.className = "live on";
  });
  stream.addEventListener("error", () => {
    live.textContent = "reconnecting…";
    live.className = "live";
  });
  window.addEventListener("pagehide", () => stream.close());
})();
