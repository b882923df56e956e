// A barcode scanner in keyboard mode ("keyboard wedge") types what it reads, fast, then Enter. The page captures
// key presses wherever the focus is (outside other text fields), collects them, and hands over the line on Enter.

const TERMINATORS = new Set(["Enter", "NumpadEnter", "Tab"]);
const SHIFTED = { Semicolon: [";", ":"], Minus: ["-", "_"], Equal: ["=", "+"], Slash: ["/", "?"], Period: [".", ">"], Comma: [",", "<"] };

/**
 * The character a key press stands for, as the scanner meant it. Under a non-Latin keyboard layout (a Ukrainian
 * till) the scanner's presses arrive as Cyrillic letters ("SC1:" becomes "ІС1Ж"), so outside printable ASCII the
 * physical key (event.code) says what was typed.
 */
export function keyToChar(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  const key = event.key || "";
  if (key.length === 1 && key >= " " && key <= "~") return key;
  const code = event.code || "";
  let match = /^Key([A-Z])$/.exec(code);
  if (match) return event.shiftKey ? match[1] : match[1].toLowerCase();
  match = /^(?:Digit|Numpad)(\d)$/.exec(code);
  if (match) return match[1];
  if (SHIFTED[code]) return SHIFTED[code][event.shiftKey ? 1 : 0];
  return null;
}

function isOtherTextField(target, own) {
  if (!target || target === own) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
}

/**
 * Listens on the document while started. onScan(line) gets each completed line; `display` (an input) shows
 * what is being typed and keeps the focus, so a person sees that the page is ready. A pause longer than
 * interKeyMs drops a half-typed line (a stray key press is not the start of a scan).
 */
export class Wedge {
  constructor({ onScan, display = null, interKeyMs = 1000 }) {
    this.onScan = onScan;
    this.display = display;
    this.interKeyMs = interKeyMs;
    this.buffer = "";
    this.lastKeyAt = 0;
    this.onKeyDown = this.onKeyDown.bind(this);
    this.refocus = this.refocus.bind(this);
  }

  start() {
    document.addEventListener("keydown", this.onKeyDown, true);
    if (this.display) {
      this.display.readOnly = false;
      this.display.addEventListener("blur", this.refocus);
      this.display.focus();
    }
  }

  stop() {
    document.removeEventListener("keydown", this.onKeyDown, true);
    if (this.display) this.display.removeEventListener("blur", this.refocus);
  }

  refocus() {
    // After a tap elsewhere (a button, the page) the input gets the focus back, unless another field took it.
    setTimeout(() => {
      const active = document.activeElement;
      if (this.display && this.display.isConnected && !isOtherTextField(active, this.display)) this.display.focus();
    }, 0);
  }

  onKeyDown(event) {
    if (event.isComposing || isOtherTextField(event.target, this.display)) return;
    const now = performance.now();
    if (TERMINATORS.has(event.key) || TERMINATORS.has(event.code)) {
      if (!this.buffer) return;
      event.preventDefault();
      const line = this.buffer.trim();
      this.clear();
      if (line) this.onScan(line);
      return;
    }
    const char = keyToChar(event);
    // A scan never starts with a space; the space bar on a focused button must still press it.
    if (char === null || (char === " " && !this.buffer)) return;
    event.preventDefault();
    if (now - this.lastKeyAt > this.interKeyMs) this.buffer = "";
    this.lastKeyAt = now;
    this.buffer += char;
    if (this.display) this.display.value = this.buffer;
  }

  clear() {
    this.buffer = "";
    if (this.display) this.display.value = "";
  }
}
