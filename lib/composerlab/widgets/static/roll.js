// The listening view's page side: the multi-track roll, the playhead, mute and instrument per track.
// Cells are the editor's size (one 16th by one semitone), so input, output and editor share a scale.
const CW = 14, RH = 12, GUTTER = 40, RULER = 16;
const SVGNS = "http://www.w3.org/2000/svg";

function render({ model, el }) {
  el.classList.add("cl-roll-player", "cl-kit");
  el.innerHTML = `
    <div class="cl-bar">
      <div class="cl-views" role="group" aria-label="What to listen to">
        <button type="button" class="cl-view" data-view="input">Input</button>
        <button type="button" class="cl-view" data-view="output">Output</button>
      </div>
      <button type="button" class="cl-play cl-primary">&#9654; Play</button>
      <span class="cl-time" aria-live="off">0:00 / 0:00</span>
      <span class="cl-title"></span>
    </div>
    <div class="cl-scroll" tabindex="0" role="region" aria-label="Piano roll: click the bar numbers to play from there">
      <svg class="cl-roll" role="img" aria-label="piano roll"></svg>
    </div>
    <div class="cl-tracks"></div>`;
  const $ = (sel) => el.querySelector(sel);
  const svg = $(".cl-roll"), scroller = $(".cl-scroll"), playButton = $(".cl-play");
  let buffer = null, decoded = null, source = null, t0 = 0, offset = 0, frame = null, head = null;

  const stepsPerSecond = () => model.get("tempo") / 60 * 4;
  const fmt = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
  const rowOf = (pitch) => model.get("high") - pitch;

  function draw() {
    const low = model.get("low"), high = model.get("high"), steps = model.get("n_steps");
    const bar = model.get("bar_steps");
    const width = GUTTER + steps * CW, height = RULER + (high - low + 1) * RH;
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    svg.innerHTML = "";
    const add = (tag, attrs, text, parent = svg) => {
      const node = document.createElementNS(SVGNS, tag);
      for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
      if (text !== undefined) node.textContent = text;
      parent.appendChild(node);
      return node;
    };
    add("rect", { x: 0, y: 0, width, height: RULER, class: "cl-ruler" });
    for (let s = 0, n = 1; s < steps; s += bar, n++) add("text", { x: GUTTER + s * CW + 3, y: RULER - 4, class: "cl-bar-number" }, String(n));
    for (let p = high; p >= low; p--) {
      const y = RULER + rowOf(p) * RH;
      add("rect", { x: GUTTER, y, width: steps * CW, height: RH, class: [1, 3, 6, 8, 10].includes(p % 12) ? "cl-row-black" : "cl-row-white" });
      add("text", { x: 2, y: y + RH - 2, class: p % 12 === 0 ? "cl-name cl-c" : "cl-name" }, noteName(p));
    }
    for (let s = 0; s <= steps; s += 4) {
      add("line", { x1: GUTTER + s * CW, x2: GUTTER + s * CW, y1: RULER, y2: height, class: s % bar === 0 ? "cl-barline" : "cl-beatline" });
    }
    const muted = new Set(model.get("muted"));
    model.get("tracks").forEach((track, index) => {
      const group = add("g", { class: muted.has(index) ? "cl-track cl-muted" : "cl-track", "data-track": index });
      for (const [start, pitch, length] of track.notes) {
        if (pitch < low || pitch > high) continue;
        const x = GUTTER + start * CW + 1, y = RULER + rowOf(pitch) * RH + 1, w = Math.max(3, length * CW - 2);
        const note = add("rect", { x, y, width: w, height: RH - 2, rx: 2, fill: track.color, class: "cl-note",
                                   "data-pitch": pitch, "data-start": start }, undefined, group);
        add("title", {}, `${track.name}: ${noteName(pitch)}`, note);
        if (w >= 24) add("text", { x: x + 2, y: y + RH - 4, class: "cl-note-name" }, noteName(pitch), group);
      }
    });
    head = add("line", { x1: GUTTER, x2: GUTTER, y1: 0, y2: height, class: "cl-playhead" });
    placeHead(position());
  }

  function drawTracks() {
    const box = $(".cl-tracks");
    box.innerHTML = "";
    const muted = new Set(model.get("muted")), programs = model.get("programs"), names = model.get("instruments");
    model.get("tracks").forEach((track, index) => {
      const row = document.createElement("div");
      row.className = "cl-track-row";
      const id = `cl-${model.cid || "roll"}-${index}`;
      row.innerHTML = `<span class="cl-swatch" style="background:${track.color}"></span>
        <span class="cl-track-name"></span>
        <label class="cl-mute"><input type="checkbox"> mute</label>
        <label class="cl-instrument" for="${id}">instrument</label> <select id="${id}"></select>`;
      row.querySelector(".cl-track-name").textContent = track.name;
      const box_ = row.querySelector("input");
      box_.checked = muted.has(index);
      box_.setAttribute("aria-label", `mute ${track.name}`);
      box_.addEventListener("change", () => {
        const now = new Set(model.get("muted"));
        box_.checked ? now.add(index) : now.delete(index);
        model.set("muted", [...now].sort((a, b) => a - b));
        model.save_changes();
      });
      const menu = row.querySelector("select");
      names.forEach((name, p) => menu.add(new Option(`${p} ${name}`, String(p))));
      menu.value = String(programs[index] ?? 0);
      menu.disabled = track.drum;
      menu.addEventListener("change", () => {
        const now = [...model.get("programs")];
        now[index] = +menu.value;
        model.set("programs", now);
        model.save_changes();
      });
      box.appendChild(row);
    });
  }

  function drawBar() {
    const showing = model.get("showing");
    el.querySelectorAll(".cl-view").forEach((b) => {
      b.setAttribute("aria-pressed", String(b.dataset.view === showing));
      b.disabled = b.dataset.view === "output" && !model.get("has_output");
    });
    $(".cl-title").textContent = showing === "output" ? model.get("title") : "";
    const ready = model.get("sound") === "ready";
    playButton.disabled = !ready && !source;
    if (!source) playButton.innerHTML = ready ? "&#9654; Play" : "preparing the sound&hellip;";
    el.dataset.sound = model.get("sound");
  }

  // ----- sound: one Web Audio source at a time
  function position() {
    return source ? audio().currentTime - t0 : offset;
  }

  function placeHead(seconds) {
    if (!head) return;
    const x = GUTTER + seconds * stepsPerSecond() * CW;
    head.setAttribute("x1", x);
    head.setAttribute("x2", x);
    el.dataset.position = seconds.toFixed(3);
    $(".cl-time").textContent = `${fmt(seconds)} / ${fmt(decoded ? decoded.duration : 0)}`;
    if (source && (x > scroller.scrollLeft + scroller.clientWidth * 0.85 || x < scroller.scrollLeft)) {
      scroller.scrollLeft = Math.max(0, x - scroller.clientWidth * 0.15);
    }
  }

  function tick() {
    const seconds = position();
    if (decoded && seconds >= decoded.duration) { stop(0); return; }
    placeHead(seconds);
    frame = requestAnimationFrame(tick);
  }

  async function decode() {
    if (decoded || !buffer) return decoded;
    decoded = await audio().decodeAudioData(buffer.slice(0));
    const data = decoded.getChannelData(0);
    let peak = 0;
    for (let i = 0; i < data.length; i += 7) peak = Math.max(peak, Math.abs(data[i]));
    el.dataset.peak = peak.toFixed(3);
    el.dataset.duration = decoded.duration.toFixed(3);
    return decoded;
  }

  async function play(from = offset) {
    stop(from);
    if (!(await decode())) return;
    const ctx = audio();
    source = ctx.createBufferSource();
    source.buffer = decoded;
    source.connect(ctx.destination);
    t0 = ctx.currentTime - from;
    source.start(0, Math.max(0, from));
    el.dataset.playing = "true";
    playButton.innerHTML = "&#9632; Stop";
    frame = requestAnimationFrame(tick);
  }

  function stop(at = null) {
    if (source) { source.onended = null; try { source.stop(); } catch (e) { /* already ended */ } }
    const was = position();
    source = null;
    if (frame) cancelAnimationFrame(frame);
    frame = null;
    offset = at === null ? was : at;
    el.dataset.playing = "false";
    placeHead(offset);
    drawBar();
  }

  playButton.addEventListener("click", () => (source ? stop(0) : play(offset)));
  svg.addEventListener("click", (evt) => {  // the bar numbers: play from there
    const box = svg.getBoundingClientRect();
    if (evt.clientY - box.top > RULER) return;
    const step = Math.max(0, (evt.clientX - box.left - GUTTER) / CW);
    play(step / stepsPerSecond());
  });
  el.querySelectorAll(".cl-view").forEach((b) => b.addEventListener("click", () => {
    model.set("showing", b.dataset.view);
    model.save_changes();
  }));

  function newSound() {
    const value = model.get("audio");
    const wasPlaying = !!source, at = position();
    stop(0);
    decoded = null;
    buffer = null;
    if (value && value.byteLength) {
      const view = value instanceof DataView ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
        : new Uint8Array(value.buffer || value);
      buffer = view.slice().buffer;  // our own copy: decoding detaches what it is given
      if (wasPlaying) play(at);      // a mute or an instrument change while playing: go on from there
    }
    drawBar();
  }

  model.on("change:audio", newSound);
  for (const name of ["tracks", "low", "high", "n_steps", "bar_steps"]) model.on(`change:${name}`, () => { draw(); drawTracks(); });
  model.on("change:muted", () => { draw(); drawTracks(); });
  model.on("change:programs", drawTracks);
  for (const name of ["showing", "has_output", "sound", "title"]) model.on(`change:${name}`, drawBar);
  draw();
  drawTracks();
  newSound();
  return () => stop(0);
}

export default { render };
