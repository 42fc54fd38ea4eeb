// The piano-roll editor's page side: draws the roll, turns clicks and drags into messages (editor.py decides).
const CW = 14, RH = 12, GUTTER = 40;  // cell width (one 16th), row height (one semitone), pitch-name column
const SVGNS = "http://www.w3.org/2000/svg";

function render({ model, el }) {
  el.classList.add("cl-editor", "cl-kit");
  el.innerHTML = `
    <div class="cl-bar">
      <label>New note <select class="cl-new-length">
        <option value="1">1/16</option><option value="2">1/8</option><option value="4">1/4</option>
        <option value="8">1/2</option><option value="16">1</option></select></label>
      <button class="cl-down-octave" title="everything an octave down">&minus;12</button>
      <button class="cl-down-semitone" title="everything a semitone down">&minus;1</button>
      <button class="cl-up-semitone" title="everything a semitone up">+1</button>
      <button class="cl-up-octave" title="everything an octave up">+12</button>
      <label>Tempo <input class="cl-tempo" type="number" min="30" max="240" step="1"></label>
      <button class="cl-undo">Undo</button>
      <button class="cl-play" title="a quick preview in plain tones (Listen plays real instruments)">&#9654; Preview</button>
      <span class="cl-count"></span> <span class="cl-message"></span>
    </div>
    <div class="cl-scroll" tabindex="0" role="region" aria-label="Piano roll of the input: scroll with the arrow keys"><svg class="cl-roll"></svg></div>
    <div class="cl-kept"></div>
    <div class="cl-help">Click an empty cell to add a note, a note to remove it; drag a note to move it,
      its right edge to change its length.</div>`;
  const $ = (sel) => el.querySelector(sel);
  const svg = $(".cl-roll");
  let drag = null;

  const rowOf = (pitch) => model.get("high") - pitch;
  const cellAt = (evt) => {
    const box = svg.getBoundingClientRect();
    const x = evt.clientX - box.left - GUTTER, y = evt.clientY - box.top;
    return { step: Math.floor(x / CW), pitch: model.get("high") - Math.floor(y / RH), x, y };
  };

  function draw() {
    const low = model.get("low"), high = model.get("high"), steps = model.get("n_steps");
    const bar = model.get("bar_steps");
    const width = GUTTER + steps * CW, height = (high - low + 1) * RH;
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    svg.innerHTML = "";
    const add = (tag, attrs, text) => {
      const node = document.createElementNS(SVGNS, tag);
      for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
      if (text) node.textContent = text;
      svg.appendChild(node);
      return node;
    };
    for (let p = high; p >= low; p--) {
      const y = rowOf(p) * RH;
      const black = [1, 3, 6, 8, 10].includes(p % 12);
      add("rect", { x: GUTTER, y, width: steps * CW, height: RH, class: black ? "cl-row-black" : "cl-row-white" });
      add("text", { x: 2, y: y + RH - 2, class: p % 12 === 0 ? "cl-name cl-c" : "cl-name" }, noteName(p));
    }
    for (let s = 0; s <= steps; s += 4) {
      add("line", { x1: GUTTER + s * CW, x2: GUTTER + s * CW, y1: 0, y2: height, class: s % bar === 0 ? "cl-barline" : "cl-beatline" });
    }
    const tracks = model.get("other_tracks");
    for (const [start, pitch, length, track] of model.get("others")) {  // what goes along, drawn faint
      if (pitch < low || pitch > high) continue;
      add("rect", { x: GUTTER + start * CW + 1, y: rowOf(pitch) * RH + 1, width: Math.max(3, length * CW - 2),
                    height: RH - 2, rx: 2, class: "cl-other", fill: tracks[track - 1]?.color || "#888" });
    }
    model.get("notes").forEach(([start, pitch, length], index) => {
      if (pitch < low || pitch > high) return;
      add("rect", { x: GUTTER + start * CW + 1, y: rowOf(pitch) * RH + 1, width: Math.max(3, length * CW - 2),
                    height: RH - 2, rx: 2, class: "cl-note", "data-index": index, "data-pitch": pitch,
                    "data-start": start, "data-length": length });
    });
  }

  svg.addEventListener("pointerdown", (evt) => {
    evt.preventDefault();
    svg.setPointerCapture(evt.pointerId);
    const cell = cellAt(evt);
    const target = evt.target.classList.contains("cl-note") ? evt.target : null;
    if (target) {
      const right = +target.getAttribute("x") + +target.getAttribute("width");
      const mode = evt.clientX - svg.getBoundingClientRect().left > right - 5 ? "resize" : "move";
      drag = { target, mode, index: +target.dataset.index, from: cell, moved: false };
    } else {
      drag = { target: null, from: cell, moved: false };
    }
  });

  svg.addEventListener("pointermove", (evt) => {
    if (!drag) return;
    const cell = cellAt(evt);
    if (Math.abs(cell.x - drag.from.x) + Math.abs(cell.y - drag.from.y) > 4) drag.moved = true;
    if (!drag.target || !drag.moved) return;
    const t = drag.target;
    if (drag.mode === "resize") {
      const length = Math.max(1, +t.dataset.length + cell.step - drag.from.step);
      t.setAttribute("width", Math.max(3, length * CW - 2));
    } else {
      const start = Math.max(0, +t.dataset.start + cell.step - drag.from.step);
      const pitch = Math.min(127, Math.max(0, +t.dataset.pitch + cell.pitch - drag.from.pitch));
      t.setAttribute("x", GUTTER + start * CW + 1);
      t.setAttribute("y", rowOf(pitch) * RH + 1);
    }
  });

  svg.addEventListener("pointerup", (evt) => {
    if (!drag) return;
    const cell = cellAt(evt);
    const d = drag;
    drag = null;
    if (!d.target) {
      if (!d.moved && cell.step >= 0) {
        tone(cell.pitch, 0, 0.2);
        model.send({ type: "add", start: cell.step, pitch: cell.pitch, length: model.get("new_length") });
      }
    } else if (!d.moved) {
      model.send({ type: "remove", index: d.index });
    } else if (d.mode === "resize") {
      model.send({ type: "resize", index: d.index, length: Math.max(1, +d.target.dataset.length + cell.step - d.from.step) });
    } else {
      const pitch = Math.min(127, Math.max(0, +d.target.dataset.pitch + cell.pitch - d.from.pitch));
      const start = Math.max(0, +d.target.dataset.start + cell.step - d.from.step);
      tone(pitch, 0, 0.2);
      model.send({ type: "move", index: d.index, pitch, start });
    }
  });

  $(".cl-new-length").addEventListener("change", (e) => { model.set("new_length", +e.target.value); model.save_changes(); });
  for (const [cls, by] of [["down-octave", -12], ["down-semitone", -1], ["up-semitone", 1], ["up-octave", 12]]) {
    $(`.cl-${cls}`).addEventListener("click", () => model.send({ type: "transpose", semitones: by }));
  }
  $(".cl-tempo").addEventListener("change", (e) => model.send({ type: "tempo", bpm: +e.target.value }));
  $(".cl-undo").addEventListener("click", () => model.send({ type: "undo" }));
  $(".cl-play").addEventListener("click", () => {
    const step = 60 / model.get("tempo") / 4;
    for (const [start, pitch, length] of model.get("notes")) tone(pitch, 0.05 + start * step, length * step * 0.95);
  });

  function refresh() {
    $(".cl-new-length").value = String(model.get("new_length"));
    $(".cl-tempo").value = String(Math.round(model.get("tempo")));
    $(".cl-undo").disabled = !model.get("can_undo");
    $(".cl-count").textContent = `${model.get("notes").length} notes`;
    $(".cl-message").textContent = model.get("message");
    const kept = model.get("other_tracks").map((t) => t.name);
    $(".cl-kept").textContent = kept.length
      ? `You edit the melody (blue). Also kept as they are, drawn faint: ${kept.join(", ")}.` : "";
  }
  for (const name of ["notes", "low", "high", "n_steps", "bar_steps", "others", "other_tracks"]) model.on(`change:${name}`, () => { draw(); refresh(); });
  for (const name of ["tempo", "can_undo", "message", "new_length"]) model.on(`change:${name}`, refresh);
  draw();
  refresh();
}

export default { render };
