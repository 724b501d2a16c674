// Keyboard-wedge scanners: a scan is a burst of key presses ending with Enter.
//
// A scanner set to a US layout on a French (AZERTY) tablet presses the keys of "B00123",
// but the tablet types "Bàà&é\"". KeyboardEvent.code names the physical key whatever the
// layout, so the code the scanner meant can be rebuilt from the keys it pressed. The typed
// text is trusted unless it is mangled; the server normalises as well.

// Physical key -> [without Shift, with Shift] on a US keyboard, the scanners' default.
const US_KEYS = {
  Backquote: ["`", "~"], Minus: ["-", "_"], Equal: ["=", "+"], BracketLeft: ["[", "{"],
  BracketRight: ["]", "}"], Backslash: ["\\", "|"], Semicolon: [";", ":"], Quote: ["'", "\""],
  Comma: [",", "<"], Period: [".", ">"], Slash: ["/", "?"], Space: [" ", " "],
  NumpadDivide: ["/", "/"], NumpadMultiply: ["*", "*"], NumpadSubtract: ["-", "-"],
  NumpadAdd: ["+", "+"], NumpadDecimal: [".", "."],
};
"1234567890".split("").forEach(function (digit, index) {
  US_KEYS["Digit" + digit] = [digit, "!@#$%^&*()"[index]];
  US_KEYS["Numpad" + digit] = [digit, digit];
});
"abcdefghijklmnopqrstuvwxyz".split("").forEach(function (letter) {
  US_KEYS["Key" + letter.toUpperCase()] = [letter, letter.toUpperCase()];
});

// Below this many milliseconds between keys (the median of a burst), a person is not
// typing: a scanner is.
export const SCANNER_KEY_INTERVAL_MS = 35;
// A busy tablet may deliver one key of a scan late; a longer pause ends a burst.
const BURST_PAUSE_MS = 120;
const MIN_SCAN_LENGTH = 3;
// Characters a code printed by the app or a maker is made of.
const CODE_CHARS = /^[A-Za-z0-9\-./ ]+$/;

/** The text a US-layout keyboard would have typed for these physical keys. */
export function fromKeyCodes(keys) {
  let text = "";
  for (const key of keys) {
    const pair = US_KEYS[key.code];
    if (!pair) return null; // a key we cannot place: trust the typed text
    text += pair[key.shift ? 1 : 0];
  }
  return text;
}

/** Whether the typed text shows a layout mix-up that the physical keys undo. */
export function isMangled(typed, rebuilt) {
  if (!rebuilt || rebuilt === typed) return false;
  return !CODE_CHARS.test(typed) && CODE_CHARS.test(rebuilt);
}

/** The average time between key presses, in milliseconds (null for fewer than 2 keys). */
export function averageInterval(keys) {
  if (keys.length < 2) return null;
  return (keys[keys.length - 1].time - keys[0].time) / (keys.length - 1);
}

/** Whether these keys came from a scanner rather than a person: a burst whose typical
 * (median) gap is a scanner's, with no pause a person would make. */
export function isFast(keys) {
  if (keys.length < MIN_SCAN_LENGTH) return false;
  const gaps = [];
  for (let i = 1; i < keys.length; i += 1) {
    const gap = keys[i].time - keys[i - 1].time;
    if (gap >= BURST_PAUSE_MS) return false;
    gaps.push(gap);
  }
  gaps.sort(function (a, b) { return a - b; });
  return gaps[Math.floor(gaps.length / 2)] < SCANNER_KEY_INTERVAL_MS;
}

/** Work out the scanned code from the typed text and the keys pressed. */
export function readScan(typed, keys) {
  const rebuilt = keys && keys.length === typed.length ? fromKeyCodes(keys) : null;
  const mangled = isMangled(typed, rebuilt);
  return {
    code: (mangled ? rebuilt : typed).trim(),
    typed: typed,
    rebuilt: rebuilt,
    mangled: mangled,
    fast: isFast(keys || []),
    interval: averageInterval(keys || []),
  };
}

function isPrintable(event) {
  return event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey;
}

/**
 * Listen to a scan field: ``onScan(result)`` gets readScan's result at each Enter.
 *
 * Keys typed fast into another text field (a quantity being typed when the next box is
 * scanned) are taken out of that field and treated as a scan too.
 */
export function attachWedge(field, onScan) {
  let keys = [];
  let dirty = false;
  // A burst typed into another field: which field, its value before, the keys.
  let burst = null;

  field.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      const typed = field.value;
      const pressed = dirty ? null : keys;
      keys = [];
      dirty = false;
      field.value = "";
      if (typed.trim()) onScan(readScan(typed, pressed));
      return;
    }
    if (isPrintable(event)) {
      if (field.selectionStart !== field.value.length) dirty = true;
      keys.push({ key: event.key, code: event.code, shift: event.shiftKey, time: event.timeStamp });
    } else if (event.key !== "Shift" && event.key !== "CapsLock") {
      dirty = true;
    }
  });
  field.addEventListener("input", function () {
    if (!field.value) { keys = []; dirty = false; }
  });

  document.addEventListener("keydown", function (event) {
    const target = event.target;
    if (target === field) return;
    const inField = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement
      || target instanceof HTMLSelectElement;
    if (!inField) {
      // Focus is on a button or nowhere: the scan field takes the keys, except Space on a
      // button, which presses it (keyboard users press buttons with Space or Enter).
      const pressing = event.key === " " && target instanceof Element
        && target.closest("button, summary");
      if (isPrintable(event) && !pressing) {
        field.focus();
        keys = [];
        dirty = false;
        keys.push({ key: event.key, code: event.code, shift: event.shiftKey, time: event.timeStamp });
        field.value += event.key;
        event.preventDefault();
      } else if (event.key === "Enter" && field.value) {
        event.preventDefault();
        field.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
      }
      return;
    }
    if (!(target instanceof HTMLInputElement)) return;
    if (isPrintable(event)) {
      const now = event.timeStamp;
      const last = burst && burst.target === target ? burst.keys[burst.keys.length - 1] : null;
      if (!last || now - last.time >= BURST_PAUSE_MS) {
        burst = { target: target, before: target.value, keys: [] };
      }
      burst.keys.push({ key: event.key, code: event.code, shift: event.shiftKey, time: now });
    } else if (event.key === "Enter" && burst && burst.target === target
               && burst.keys.length >= MIN_SCAN_LENGTH && isFast(burst.keys)
               && event.timeStamp - burst.keys[burst.keys.length - 1].time < BURST_PAUSE_MS) {
      // A scanner, not a person: give the field its value back and scan.
      event.preventDefault();
      event.stopPropagation();
      const typed = burst.keys.map(function (k) { return k.key; }).join("");
      target.value = burst.before;
      target.dispatchEvent(new Event("input", { bubbles: true }));
      const pressed = burst.keys;
      burst = null;
      onScan(readScan(typed, pressed));
    } else if (event.key !== "Shift") {
      burst = null;
    }
  }, true);
}
