// Reads QR codes from the device camera. The browser's own BarcodeDetector where it has one that knows QR
// (Android Chrome, macOS Safari/Chrome); elsewhere (desktop Linux/Windows Chromium, Firefox, iOS) the bundled jsQR
// decoder on frames drawn to a canvas. The element gets data-decoder="barcode-detector" | "jsqr" once it runs.

import jsQR from "jsqr";

import { h } from "./dom.js";
import { gettext } from "./i18n.js";

const FRAME_INTERVAL_MS = 120;
// A code missing from this many frames in a row (about 0.8 s) has left the picture. Counted in frames, not time,
// so that a sleeping tablet or a clock change does not turn a card held still into a new scan.
const GONE_AFTER_FRAMES = 7;
const MAX_DECODE_WIDTH = 800;  // jsQR's time grows with the pixels; QR cards read fine at this size

export class CameraError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

async function nativeDecoder() {
  if (!("BarcodeDetector" in window)) return null;
  try {
    const formats = await window.BarcodeDetector.getSupportedFormats();
    if (!formats.includes("qr_code")) return null;
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    return {
      name: "barcode-detector",
      async decode(video) {
        const codes = await detector.detect(video);
        return codes.length ? codes[0].rawValue : null;
      },
    };
  } catch {
    return null;
  }
}

function canvasDecoder() {
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  return {
    name: "jsqr",
    async decode(video) {
      const scale = Math.min(1, MAX_DECODE_WIDTH / video.videoWidth);
      const width = Math.round(video.videoWidth * scale);
      const height = Math.round(video.videoHeight * scale);
      if (!width || !height) return null;
      canvas.width = width;
      canvas.height = height;
      context.drawImage(video, 0, 0, width, height);
      const image = context.getImageData(0, 0, width, height);
      // A wallet screen is dark on light, but some cards invert their colours: try both.
      const code = jsQR(image.data, width, height, { inversionAttempts: "attemptBoth" });
      return code ? code.data : null;
    },
  };
}

export async function pickDecoder() {
  return (await nativeDecoder()) || canvasDecoder();
}

function cameraErrorFor(error) {
  const name = error && error.name;
  if (name === "NotAllowedError" || name === "SecurityError") {
    return new CameraError("camera_denied", gettext("The camera is blocked. Allow it in the browser settings, or type the card number."));
  }
  if (name === "NotFoundError" || name === "OverconstrainedError") {
    return new CameraError("camera_missing", gettext("No camera found on this device."));
  }
  if (name === "NotReadableError") {
    return new CameraError("camera_busy", gettext("The camera is in use by another app."));
  }
  return new CameraError("camera_failed", gettext("The camera could not start."));
}

/**
 * A live preview that calls onCode(text) for each QR it reads. A card held still is one scan: the same code is
 * reported again only after it has been out of the picture for a moment. While paused (a result is on screen)
 * frames are still read, so a card that stays in view is not taken as a new scan on resume.
 */
export class Camera {
  constructor({ facingMode = "environment", onCode }) {
    this.facingMode = facingMode;
    this.onCode = onCode;
    this.video = h("video", { muted: true, playsInline: true, autoplay: true, "aria-hidden": "true" });
    this.video.setAttribute("playsinline", "");
    this.element = h("div", { class: "camera", "data-testid": "camera" }, this.video, h("div", { class: "camera-frame" }));
    this.stream = null;
    this.timer = null;
    this.paused = false;
    this.last = { code: null, missed: 0 };
  }

  get running() {
    return this.stream !== null;
  }

  async start() {
    if (this.stream) return;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw new CameraError(
        "camera_unsupported",
        window.isSecureContext
          ? gettext("This browser cannot use the camera.")
          : gettext("The camera works only on a secure (https) address."),
      );
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: this.facingMode }, width: { ideal: 1280 }, height: { ideal: 720 } },
      });
    } catch (error) {
      throw cameraErrorFor(error);
    }
    this.stream = stream;
    this.video.srcObject = stream;
    try {
      await this.video.play();
    } catch {
      /* autoplay of a muted video is allowed; a refusal here still leaves frames to read */
    }
    this.decoder = await pickDecoder();
    this.element.dataset.decoder = this.decoder.name;
    document.documentElement.dataset.decoder = this.decoder.name;
    this.paused = false;
    this.schedule();
  }

  schedule() {
    clearTimeout(this.timer);
    if (this.stream) this.timer = setTimeout(() => this.tick(), FRAME_INTERVAL_MS);
  }

  async tick() {
    if (!this.stream) return;
    // Taking the element out of the page (a screen change) pauses the video; back on the page, it plays again.
    if (this.video.paused && this.video.isConnected) this.video.play().catch(() => {});
    if (this.video.readyState >= 2) {
      let code = null;
      try {
        code = await this.decoder.decode(this.video);
      } catch {
        code = null;
      }
      if (code) {
        const known = code === this.last.code;
        this.last = { code, missed: 0 };
        if (!known && !this.paused && this.stream) this.onCode(code);
      } else if (this.last.code && ++this.last.missed >= GONE_AFTER_FRAMES) {
        this.last = { code: null, missed: 0 };
      }
    }
    this.schedule();
  }

  /** Stop reporting codes but keep the camera on (a result is on screen). */
  pause() {
    this.paused = true;
  }

  resume() {
    this.paused = false;
  }

  stop() {
    clearTimeout(this.timer);
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.video.srcObject = null;
  }
}
