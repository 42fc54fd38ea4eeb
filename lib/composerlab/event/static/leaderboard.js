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

  function mark(td, className, text, title) {
    const span = document.createElement("span");
    span.className = className;
    span.title = title;
    span.textContent = text;
    td.append(" ", span);
  }

  function pieces(n) {
    return `${n} piece${n === 1 ? "" : "s"}`;
  }

  function wide(text) {
    const td = cell(text);
    td.className = "wide";
    return td;
  }

  function render(data) {
    const rows = document.createDocumentFragment();
    for (const row of data.rows) {
      const tr = document.createElement("tr");
      tr.dataset.id = row.id;
      if (row.podium) tr.className = "podium";
      const rank = cell(row.rank === null ? "–" : row.rank);
      if (row.podium) mark(rank, "medal", "★", `podium place ${row.place}`);
      if (row.finalist) mark(rank, "finalist", "➜", "sent to the final");
      const composer = cell(row.composer);
      if (row.late) {
        const small = document.createElement("small");
        small.textContent = "(late)";
        composer.append(" ", small);
      }
      tr.append(rank, cell(row.number), composer, cell(row.title));
      if (round === "ai") {
        tr.append(cell(row.score === null ? "" : row.score.toFixed(1)), wide(row.why || row.error));
      } else {
        tr.append(cell(row.points.toFixed(2)), ...criteria.map((c) => wide(row[c].toFixed(2))));
      }
      tr.dataset.search = (row.number + " " + row.composer + " " + row.title).toLowerCase();
      rows.appendChild(tr);
    }
    body.replaceChildren(rows);
    if (round === "ai") {
      status.textContent = data.run ? `AI judge: ${data.run.state}, ${data.run.done} of ${data.run.total} judged`
                                    : "The AI judge has not run yet.";
    } else if (data.state === null) {
      status.textContent = "This round has not started.";
    } else if (data.state === "open") {
      status.textContent = `Round open · ${pieces(data.waiting)} waiting for every judge's score`;
    } else {
      status.textContent = "Round closed" + (data.incomplete ? ` · ${pieces(data.incomplete)} never fully scored (not on the board)` : "");
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
