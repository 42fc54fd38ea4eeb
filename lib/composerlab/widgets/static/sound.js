// Shared by the keyboard and the editor (prepended to each one's module by Python): a tiny Web Audio synth
// (the studio's real renders come from the SoundFont, in Python).
let context = null;

function audio() {
  if (!context) context = new (window.AudioContext || window.webkitAudioContext)();
  if (context.state === "suspended") context.resume();
  return context;
}

function tone(pitch, start = 0, seconds = null, gain = 0.18) {
  const ctx = audio();
  const t0 = ctx.currentTime + start;
  const osc = ctx.createOscillator();
  const amp = ctx.createGain();
  osc.type = "triangle";
  osc.frequency.value = 440 * Math.pow(2, (pitch - 69) / 12);
  amp.gain.setValueAtTime(0, t0);
  amp.gain.linearRampToValueAtTime(gain, t0 + 0.01);
  osc.connect(amp).connect(ctx.destination);
  osc.start(t0);
  const stop = (when) => {
    amp.gain.setTargetAtTime(0, when, 0.05);
    osc.stop(when + 0.3);
  };
  if (seconds !== null) stop(t0 + seconds);
  return { stop: () => stop(ctx.currentTime) };
}

function click(start = 0, accent = false) {
  const ctx = audio();
  const t0 = ctx.currentTime + start;
  const osc = ctx.createOscillator();
  const amp = ctx.createGain();
  osc.frequency.value = accent ? 1760 : 1320;
  amp.gain.setValueAtTime(0.25, t0);
  amp.gain.exponentialRampToValueAtTime(0.001, t0 + 0.05);
  osc.connect(amp).connect(ctx.destination);
  osc.start(t0);
  osc.stop(t0 + 0.06);
}

const NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];
const noteName = (p) => NAMES[p % 12] + (Math.floor(p / 12) - 1);
