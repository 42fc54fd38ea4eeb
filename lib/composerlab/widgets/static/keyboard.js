// The virtual keyboard's page side: draws keys, makes sound, times a take. Decisions live in keyboard.py.
// Computer keys, by position on the keyboard (KeyboardEvent.code, so any layout works): the bottom
// letter row plays the lower octave shown (z = C, s = C#, x = D ...), the top row the upper one
// (q = C, 2 = C#, w = D ...): together they reach every key of the two octaves shown.
const LOWER = ["KeyZ", "KeyS", "KeyX", "KeyD", "KeyC", "KeyV", "KeyG", "KeyB", "KeyH", "KeyN", "KeyJ", "KeyM",
               "Comma", "KeyL", "Period", "Semicolon", "Slash"];
const UPPER = ["KeyQ", "Digit2", "KeyW", "Digit3", "KeyE", "KeyR", "Digit5", "KeyT", "Digit6", "KeyY", "Digit7", "KeyU",
               "KeyI", "Digit9", "KeyO", "Digit0", "KeyP", "BracketLeft", "Equal", "BracketRight"];
const LABEL = { Comma: ",", Period: ".", Semicolon: ";", Slash: "/", BracketLeft: "[", Equal: "=", BracketRight: "]" };
const keyLabel = (code) => LABEL[code] || code.replace(/^Key|^Digit/, "").toLowerCase();
const BLACK = new Set([1, 3, 6, 8, 10]);

function render({ model, el }) {
  el.classList.add("cl-keyboard", "cl-kit");
  el.tabIndex = 0;
  el.setAttribute("role", "group");
  el.setAttribute("aria-label", "Virtual keyboard: click it, then play with your computer keys");
  // JupyterLab's shortcuts skip any element marked so (and its children): a, b, d d never reach the notebook.
  el.setAttribute("data-lm-suppress-shortcuts", "true");
  el.innerHTML = `
    <div class="cl-bar">
      <label>Note <select class="cl-length">
        <option value="1">1/16</option><option value="2">1/8</option><option value="4">1/4</option>
        <option value="8">1/2</option><option value="16">1</option></select></label>
      <label title="recorded notes snap to this grid">Snap <select class="cl-grid">
        <option value="1">1/16</option><option value="2">1/8</option><option value="4">1/4</option></select></label>
      <label>Tempo <input class="cl-tempo" type="number" min="30" max="240" step="1"></label>
      <label><input class="cl-step" type="checkbox" checked> step entry</label>
      <button class="cl-octave-down" title="octave down (left arrow)">&minus; oct</button>
      <button class="cl-octave-up" title="octave up (right arrow)">+ oct</button>
      <button class="cl-rest" title="a silence of the chosen length">Rest</button>
      <button class="cl-record">&#9679; Record</button>
      <button class="cl-play">&#9654; Play</button>
      <button class="cl-undo">Undo</button>
      <button class="cl-clear">Clear</button>
      <span class="cl-beat"></span>
    </div>
    <div class="cl-typing" aria-live="polite"></div>
    <div class="cl-keys"></div>
    <div class="cl-status"><span class="cl-count"></span> <span class="cl-message"></span> <span class="cl-midi"></span></div>`;
  const $ = (sel) => el.querySelector(sel);
  const keysBox = $(".cl-keys");
  let recording = null;   // {t0, events, held: Map(pitch -> event), timer}
  const sounding = new Map();

  const codeToOffset = new Map([...LOWER.map((c, i) => [c, i]), ...UPPER.map((c, i) => [c, 12 + i])]);
  const high = () => model.get("low") + 12 * model.get("octaves");
  function labelOf(offset) {  // the computer key shown on a piano key: the bottom row's below the top row's C
    if (offset < 12) return keyLabel(LOWER[offset]);
    return UPPER[offset - 12] ? keyLabel(UPPER[offset - 12]) : "";
  }

  function drawKeys() {
    keysBox.innerHTML = "";
    const low = model.get("low"), high = low + 12 * model.get("octaves");
    let whiteIndex = 0;
    for (let p = low; p <= high; p++) {
      const key = document.createElement("div");
      const black = BLACK.has(p % 12);
      key.className = "cl-key " + (black ? "cl-black" : "cl-white");
      key.dataset.pitch = p;
      key.title = noteName(p);
      if (black) key.style.left = `${whiteIndex * 36 - 11}px`;
      else { key.style.left = `${whiteIndex * 36}px`; whiteIndex += 1; }
      if (p % 12 === 0) key.innerHTML = `<span>${noteName(p)}</span>`;
      const keyChar = labelOf(p - low);
      if (keyChar) key.innerHTML += `<em>${keyChar}</em>`;
      key.addEventListener("pointerdown", (e) => {
        e.preventDefault();  // no text selection while playing; so the focus is given here instead
        el.focus({ preventScroll: true });
        key.setPointerCapture(e.pointerId);
        down(p);
      });
      key.addEventListener("pointerup", () => up(p));
      key.addEventListener("pointercancel", () => up(p));
      keysBox.appendChild(key);
    }
    keysBox.style.width = `${whiteIndex * 36}px`;
  }

  function keyOf(p) { return keysBox.querySelector(`[data-pitch="${p}"]`); }

  function down(p, velocity = 90) {
    if (sounding.has(p)) return;
    sounding.set(p, tone(p));
    keyOf(p)?.classList.add("cl-down");
    if (recording && recording.t0 !== null) {
      const event = { t: performance.now() - recording.t0, d: 0, pitch: p, v: velocity };
      recording.events.push(event);
      recording.held.set(p, event);
    } else if (!recording && $(".cl-step").checked) {
      model.send({ type: "step", pitch: p, velocity });
    }
  }

  function up(p) {
    sounding.get(p)?.stop();
    sounding.delete(p);
    keyOf(p)?.classList.remove("cl-down");
    if (recording && recording.held.has(p)) {
      const event = recording.held.get(p);
      event.d = performance.now() - recording.t0 - event.t;
      recording.held.delete(p);
    }
  }

  function startRecording() {
    const beat = 60000 / model.get("tempo");
    const count = model.get("count_in");
    recording = { t0: null, events: [], held: new Map(), timer: null };
    $(".cl-record").textContent = "\u25A0 Stop";
    el.classList.add("cl-recording");
    let n = 0;
    const tick = () => {
      const accent = n % 4 === 0;
      click(0, accent);
      if (n < count) $(".cl-beat").textContent = `count-in ${count - n}`;
      else $(".cl-beat").textContent = `recording, beat ${n - count + 1}`;
      if (n === count) recording.t0 = performance.now();
      n += 1;
    };
    tick();
    recording.timer = setInterval(tick, beat);
  }

  function stopRecording() {
    clearInterval(recording.timer);
    for (const p of [...recording.held.keys()]) up(p);
    const events = recording.events;
    recording = null;
    $(".cl-record").innerHTML = "&#9679; Record";
    $(".cl-beat").textContent = "";
    el.classList.remove("cl-recording");
    model.send({ type: "take", events });
  }

  function play() {
    const step = 60 / model.get("tempo") / 4;
    for (const [start, pitch, length] of model.get("notes")) tone(pitch, 0.05 + start * step, length * step * 0.95);
  }

  function shiftOctave(by) {
    const low = model.get("low") + 12 * by;
    if (low < 12 || low + 12 * model.get("octaves") > 120) return;
    model.set("low", low);
    model.save_changes();
  }

  $(".cl-length").addEventListener("change", (e) => { model.set("note_length", +e.target.value); model.save_changes(); });
  $(".cl-grid").addEventListener("change", (e) => { model.set("grid", +e.target.value); model.save_changes(); });
  $(".cl-tempo").addEventListener("change", (e) => {
    const bpm = Math.min(240, Math.max(30, +e.target.value || 100));
    model.set("tempo", bpm);
    model.save_changes();
  });
  $(".cl-octave-down").addEventListener("click", () => shiftOctave(-1));
  $(".cl-octave-up").addEventListener("click", () => shiftOctave(1));
  $(".cl-rest").addEventListener("click", () => model.send({ type: "rest" }));
  $(".cl-record").addEventListener("click", () => (recording ? stopRecording() : startRecording()));
  $(".cl-play").addEventListener("click", play);
  $(".cl-undo").addEventListener("click", () => model.send({ type: "undo" }));
  $(".cl-clear").addEventListener("click", () => model.send({ type: "clear" }));

  // A click anywhere on the keyboard's frame gives it the focus: the computer keys are on while it has it.
  el.addEventListener("pointerdown", (e) => {
    if (!["INPUT", "SELECT", "BUTTON", "OPTION", "LABEL"].includes(e.target.tagName)) el.focus({ preventScroll: true });
  });
  function typing() {
    const on = el.contains(document.activeElement);
    el.classList.toggle("cl-typing-on", on);
    const low = model.get("low"), top = high();
    const span = (from, to) => `${noteName(from)}\u2013${noteName(Math.min(to, top))}`;
    $(".cl-typing").textContent = on
      ? `\u2328 Computer keys on: z s x d c\u2026 play ${span(low, low + 16)}, q 2 w 3 e\u2026 ${span(low + 12, low + 31)}`
        + " \u00b7 \u2190 \u2192 octave \u00b7 Esc: off"
      : "\u2328 Computer keys off: click the keyboard to play it with your computer keys";
  }
  el.addEventListener("focusin", typing);
  el.addEventListener("focusout", () => setTimeout(typing, 0));

  const mine = (e) => !(e.ctrlKey || e.metaKey || e.altKey);  // Ctrl+S and the browser's own keys go on
  el.addEventListener("keydown", (e) => {
    if (!mine(e)) return;
    e.stopPropagation();  // every key pressed here stays here: no notebook shortcut fires
    if (e.target.tagName === "INPUT" || e.target.tagName === "SELECT") return;
    if (e.key === "Escape") { el.blur(); document.activeElement?.blur?.(); return; }
    if (e.key === "Tab" || ((e.key === "Enter" || e.key === " ") && e.target.tagName === "BUTTON")) return;
    e.preventDefault();
    if (e.repeat) return;
    const offset = codeToOffset.get(e.code);
    if (e.key === "ArrowLeft" || e.key === "ArrowDown") shiftOctave(-1);
    else if (e.key === "ArrowRight" || e.key === "ArrowUp") shiftOctave(1);
    else if (offset !== undefined && model.get("low") + offset <= high()) down(model.get("low") + offset);
  });
  el.addEventListener("keyup", (e) => {
    if (!mine(e)) return;
    e.stopPropagation();
    const offset = codeToOffset.get(e.code);
    if (offset !== undefined) up(model.get("low") + offset);
  });
  el.addEventListener("keypress", (e) => { if (mine(e)) e.stopPropagation(); });

  // A hardware keyboard, where the browser offers Web MIDI (Chrome, Edge; Firefox asks first).
  if (navigator.requestMIDIAccess) {
    navigator.requestMIDIAccess().then((access) => {
      const names = [];
      for (const input of access.inputs.values()) {
        names.push(input.name);
        input.onmidimessage = ({ data }) => {
          const [status, pitch, velocity] = data;
          const kind = status & 0xf0;
          if (kind === 0x90 && velocity > 0) down(pitch, velocity);
          else if (kind === 0x80 || kind === 0x90) up(pitch);
        };
      }
      model.send({ type: "midi_inputs", names });
      $(".cl-midi").textContent = names.length ? `MIDI: ${names.join(", ")}` : "";
    }, () => {});
  }

  function refresh() {
    $(".cl-length").value = String(model.get("note_length"));
    $(".cl-grid").value = String(model.get("grid"));
    $(".cl-tempo").value = String(model.get("tempo"));
    $(".cl-undo").disabled = !model.get("can_undo");
    const notes = model.get("notes");
    $(".cl-count").textContent = `${notes.length} notes`;
    $(".cl-message").textContent = model.get("message");
  }
  model.on("change:low", () => { drawKeys(); typing(); });
  model.on("change:octaves", drawKeys);
  for (const name of ["notes", "message", "can_undo", "tempo", "note_length", "grid"]) model.on(`change:${name}`, refresh);
  drawKeys();
  refresh();
  typing();
  return () => { if (recording) clearInterval(recording.timer); };
}

export default { render };
