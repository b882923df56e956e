// The bar at the top of the staff screens (manual, autopilot): where the device is, and its menu.

import { api } from "./api.js";
import { busy, h } from "./dom.js";
import { gettext } from "./i18n.js";
import { store } from "./store.js";

export const MODES = ["manual", "kiosk", "autopilot"];

export function modeLabel(mode) {
  return { manual: gettext("Manual"), kiosk: gettext("Self-service kiosk"), autopilot: gettext("Autopilot") }[mode] || mode;
}

export function modeHint(mode) {
  return {
    manual: gettext("Staff scan or type the customer's card, then add stamps and hand over rewards."),
    kiosk: gettext("A tablet facing the guests: they scan their own card and see their rewards."),
    autopilot: gettext("A barcode scanner at the till: every scanned card gets its stamp by itself."),
  }[mode] || "";
}

/** ctx: { device, switchTo(device), logout() }. */
export function topBar(ctx) {
  const { device } = ctx;
  const error = h("p", { class: "notice notice-error", role: "alert", hidden: true });
  const modeButtons = MODES.map((mode) =>
    h("button", {
      type: "button",
      class: "secondary",
      disabled: mode === device.mode,
      "aria-pressed": mode === device.mode ? "true" : "false",
      dataset: { mode },
      onclick: (event) => busy(event.currentTarget, async () => {
        error.hidden = true;
        try {
          ctx.switchTo(await api.setMode(mode));
        } catch (err) {
          error.textContent = err.message;
          error.hidden = false;
        }
      }),
    }, modeLabel(mode)),
  );
  const sound = h("input", {
    type: "checkbox",
    checked: store.soundOn(),
    onchange: (event) => store.setSound(event.currentTarget.checked),
  });
  const menu = h(
    "div",
    { class: "menu", id: "device-menu", hidden: true },
    h("p", { class: "menu-title" }, gettext("Mode of this device")),
    h("div", { class: "modes" }, modeButtons),
    h("label", { class: "check" }, sound, gettext("Sound")),
    error,
    h("button", {
      type: "button",
      class: "danger",
      onclick: (event) => busy(event.currentTarget, () => ctx.logout()),
    }, gettext("Log out this device")),
  );
  const toggle = h("button", {
    type: "button",
    class: "menu-toggle",
    "aria-expanded": "false",
    "aria-controls": "device-menu",
    onclick: () => {
      menu.hidden = !menu.hidden;
      toggle.setAttribute("aria-expanded", String(!menu.hidden));
    },
  }, gettext("Menu"));
  return h(
    "header",
    { class: "topbar" },
    h("div", { class: "where" },
      h("strong", { "data-testid": "location" }, device.location ? device.location.name : ""),
      h("span", null, `${device.name} · ${modeLabel(device.mode)}`)),
    toggle,
    menu,
  );
}
