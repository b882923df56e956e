// The scanner app at /scanner/: pairing, then the screen of the device's mode (manual, kiosk or autopilot).

import "./app.css";

import { api, onUnpaired } from "./api.js";
import { autopilotScreen } from "./autopilot.js";
import { config } from "./config.js";
import { h, notice } from "./dom.js";
import { gettext } from "./i18n.js";
import { kioskScreen } from "./kiosk.js";
import { loginScreen } from "./login.js";
import { manualScreen } from "./manual.js";
import { setSoundEnabled, unlockAudioOnFirstGesture } from "./sound.js";
import { store } from "./store.js";

const SCREENS = { manual: manualScreen, kiosk: kioskScreen, autopilot: autopilotScreen };

const root = document.getElementById("app");
let current = null;

function mount(screen) {
  if (current) current.destroy();
  current = screen;
  root.replaceChildren(screen.element);
  document.documentElement.dataset.screen = screen.element.dataset.testid || "";
  screen.start();
}

function showLogin(reason = null) {
  mount(loginScreen({ reason, paired: showDevice }));
}

function showDevice(device, { offline = false } = {}) {
  store.remember(device);
  setSoundEnabled(device.sound !== false);
  const screen = (SCREENS[device.mode] || manualScreen)({
    device,
    switchTo: showDevice,
    async logout() {
      try {
        await api.unpair();
      } catch {
        // Offline or already unpaired: the token is dropped here all the same, and a manager can unpair the
        // device from the merchant panel.
      }
      store.forget();
      showLogin();
    },
  });
  mount(screen);
  if (offline) {
    screen.element.prepend(notice("error", gettext("No connection to the server: showing this device as it was last seen."), "offline"));
  }
}

async function boot() {
  unlockAudioOnFirstGesture();
  onUnpaired((error) => {
    store.forget();
    showLogin(error.message);
  });
  if (!store.token()) {
    showLogin();
    return;
  }
  try {
    showDevice(await api.device());
  } catch (error) {
    if (error.code === "device_unpaired") return;  // onUnpaired has shown the login screen
    const known = store.device();
    if (error.retryable && known) showDevice(known, { offline: true });
    else showLogin(error.message);
  }
}

function registerServiceWorker() {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  navigator.serviceWorker.register(config.sw, { scope: config.app }).catch(() => {
    // Without the worker the app still runs; it just needs the network to open.
  });
}

window.addEventListener("error", (event) => {
  // A bug should leave a visible trace rather than a blank screen.
  if (!root.firstElementChild || root.querySelector(".boot")) {
    root.replaceChildren(h("p", { class: "notice notice-error", role: "alert" }, gettext("The scanner could not start. Reload the page.")));
  }
  document.documentElement.dataset.error = String(event.message || "error");
});

boot();
registerServiceWorker();
