// Warehouse tablet mode: the idle timer and the PIN keypad, an ES module like the scan
// page's scripts. Loaded by templates/tablet/_head.html on tablet pages only. Every page
// works without it: the server ends idle sessions itself, and the PIN field can be typed in.
const PIN_LENGTH = 4;
// Fire a little after the server's own limit, so the server agrees the session is over.
const GRACE_MS = 2000;
// While someone is using a page (typing a long form), tell the server at most this often,
// so the server's idle clock does not end a session that is in use.
const MAX_ALIVE_INTERVAL_MS = 60000;
// Let the fourth dot show before the form goes.
const SUBMIT_DELAY_MS = 150;

function meta(name) {
  const element = document.querySelector('meta[name="' + name + '"]');
  return element ? element.content : null;
}

// --- Idle timer: back to the names after TABLET_IDLE_MINUTES without a touch or a key.

function startIdleTimer() {
  const minutes = Number(meta("tablet-idle-minutes"));
  const pickerUrl = meta("tablet-picker-url");
  const aliveUrl = meta("tablet-alive-url");
  if (!(minutes > 0) || !pickerUrl) return;
  const idleMs = minutes * 60000;
  const aliveIntervalMs = Math.min(MAX_ALIVE_INTERVAL_MS, idleMs / 2);
  let lastInput = Date.now();
  let lastAlive = Date.now();
  let timer = null;
  let leaving = false;

  function leave() {
    if (leaving) return;
    leaving = true;
    // Signed in: the header's Switch user form signs out properly. On the keypad there
    // is nobody to sign out: just go back to the names.
    const switchForm = document.getElementById("tablet-switch");
    if (switchForm) switchForm.submit();
    else window.location.assign(pickerUrl);
  }

  function arm() {
    window.clearTimeout(timer);
    timer = window.setTimeout(leave, idleMs + GRACE_MS);
  }

  function tellServer() {
    if (!aliveUrl || !document.getElementById("tablet-switch")) return;
    lastAlive = Date.now();
    window.fetch(aliveUrl, {
      headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store",
    }).then(function (response) {
      if (response.status === 401) window.location.assign(pickerUrl);
    }).catch(function () { /* bad wifi: the next touch tries again */ });
  }

  function onInput() {
    if (leaving) return;
    // A tablet asleep in a drawer does not run timers: judge by the clock on waking.
    if (Date.now() - lastInput > idleMs + GRACE_MS) { leave(); return; }
    lastInput = Date.now();
    arm();
    if (Date.now() - lastAlive > aliveIntervalMs) tellServer();
  }

  ["pointerdown", "keydown", "input", "wheel", "touchstart"].forEach(function (type) {
    document.addEventListener(type, onInput, { capture: true, passive: true });
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && Date.now() - lastInput > idleMs + GRACE_MS) {
      leave();
    }
  });
  arm();
}

// --- Keypad: big digit buttons that fill the PIN field and send the form at 4 digits.

function startKeypad(keypad) {
  const field = document.getElementById(keypad.dataset.keypadFor);
  if (!field || !field.form) return;
  const form = field.form;
  let sending = false;
  keypad.hidden = false;
  // The on-screen keypad replaces the system keyboard; a hardware keyboard still types.
  field.setAttribute("inputmode", "none");
  field.setAttribute("maxlength", String(PIN_LENGTH));

  function send() {
    if (sending) return;
    sending = true;
    form.classList.add("sending");
    keypad.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    form.submit();
  }

  keypad.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-key]");
    if (!button || sending) return;
    const key = button.dataset.key;
    if (key === "back") field.value = field.value.slice(0, -1);
    else if (key === "clear") field.value = "";
    else if (field.value.length < PIN_LENGTH) field.value += key;
    if (field.value.length === PIN_LENGTH) window.setTimeout(send, SUBMIT_DELAY_MS);
  });

  form.addEventListener("submit", function (event) {
    if (sending) event.preventDefault();  // a second tap on Sign in sends nothing more
    sending = true;
  });
}

startIdleTimer();
document.querySelectorAll("[data-keypad-for]").forEach(startKeypad);
