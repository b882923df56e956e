// Short beeps from Web Audio (no sound files to ship): one bright tone for a stamp, two low ones for a refusal.
// Browsers start audio only after a tap or key press on the page, so the first one unlocks it.

import { store } from "./store.js";

let context = null;
let enabled = true;

function audio() {
  if (!context) {
    const AudioContext = window.AudioContext || window.webkitAudioContext;
    if (!AudioContext) return null;
    context = new AudioContext();
  }
  if (context.state === "suspended") context.resume().catch(() => {});
  return context;
}

export function unlockAudioOnFirstGesture() {
  const unlock = () => {
    audio();
    window.removeEventListener("pointerdown", unlock, true);
    window.removeEventListener("keydown", unlock, true);
  };
  window.addEventListener("pointerdown", unlock, true);
  window.addEventListener("keydown", unlock, true);
}

/** The device's setting from the server (device.sound) and this browser's own switch both have to be on. */
export function setSoundEnabled(on) {
  enabled = Boolean(on);
}

function tone(ctx, { frequency, start, duration, type = "sine", volume = 0.25 }) {
  const oscillator = ctx.createOscillator();
  const gain = ctx.createGain();
  oscillator.type = type;
  oscillator.frequency.value = frequency;
  const at = ctx.currentTime + start;
  gain.gain.setValueAtTime(0.0001, at);
  gain.gain.exponentialRampToValueAtTime(volume, at + 0.01);
  gain.gain.exponentialRampToValueAtTime(0.0001, at + duration);
  oscillator.connect(gain).connect(ctx.destination);
  oscillator.start(at);
  oscillator.stop(at + duration + 0.02);
}

/** kind: "ok" (stamp landed), "refused" (the server said no), "error" (could not ask). */
export function beep(kind) {
  document.documentElement.dataset.lastBeep = kind;  // what the tests (and a curious person) can see
  if (!enabled || !store.soundOn()) return;
  const ctx = audio();
  if (!ctx) return;
  if (kind === "ok") {
    tone(ctx, { frequency: 1046, start: 0, duration: 0.12 });
    tone(ctx, { frequency: 1568, start: 0.09, duration: 0.14 });
  } else {
    tone(ctx, { frequency: 330, start: 0, duration: 0.16, type: "square", volume: 0.12 });
    tone(ctx, { frequency: 220, start: 0.2, duration: 0.22, type: "square", volume: 0.12 });
  }
}
