// Feedback a volunteer notices without looking: a big green or red banner, a short tone,
// and a vibration where the device has one.

const TONES = {
  // Two quick rising beeps: done.
  ok: [{ frequency: 880, start: 0, length: 0.09 }, { frequency: 1320, start: 0.11, length: 0.12 }],
  // A rasping low buzz, twice: not done, look at the screen.
  error: [{ frequency: 196, start: 0, length: 0.22, wave: "square" },
          { frequency: 147, start: 0.28, length: 0.32, wave: "square" }],
  // One soft beep: saved on the tablet, not sent yet.
  queued: [{ frequency: 660, start: 0, length: 0.15 }],
};
const VIBRATIONS = { ok: 80, error: [250, 120, 250, 120, 250], queued: [80, 80, 80] };

let audio = null;

function audioContext() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return null;
  if (!audio) audio = new Context();
  if (audio.state === "suspended") audio.resume().catch(function () {});
  return audio;
}

// Browsers start sound only after a touch or a key: open the context at the first one.
["keydown", "pointerdown"].forEach(function (name) {
  window.addEventListener(name, function () { audioContext(); }, { once: true, capture: true });
});

export function beep(kind) {
  const context = audioContext();
  if (!context || context.state !== "running") return;
  const now = context.currentTime;
  for (const tone of TONES[kind] || TONES.ok) {
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.type = tone.wave || "sine";
    oscillator.frequency.value = tone.frequency;
    gain.gain.setValueAtTime(0.0001, now + tone.start);
    gain.gain.exponentialRampToValueAtTime(0.35, now + tone.start + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + tone.start + tone.length);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(now + tone.start);
    oscillator.stop(now + tone.start + tone.length + 0.02);
  }
}

export function vibrate(kind) {
  if (navigator.vibrate) {
    try { navigator.vibrate(VIBRATIONS[kind] || 80); } catch (error) { /* not allowed */ }
  }
}

/** Show the banner: kind is "ok", "error", "queued" or "info". */
export function banner(kind, title, detail) {
  const box = document.getElementById("scan-banner");
  if (!box) return;
  box.dataset.kind = kind;
  box.setAttribute("role", kind === "error" ? "alert" : "status");
  document.getElementById("scan-banner-title").textContent = title || "";
  const detailElement = document.getElementById("scan-banner-detail");
  detailElement.textContent = detail || "";
  detailElement.hidden = !detail;
  box.hidden = false;
  // Restart the flash animation, so two scans in a row are two flashes.
  box.classList.remove("flash-in");
  void box.offsetWidth;
  box.classList.add("flash-in");
}

/** Banner, tone and vibration together. */
export function signal(kind, title, detail) {
  banner(kind, title, detail);
  if (kind !== "info") {
    beep(kind);
    vibrate(kind);
  }
}
