// Self-service kiosk: a tablet facing the guests. The guest holds their card's QR up to the camera and sees their
// stamps, rewards and vouchers; they may use a voucher or spin a lottery themselves. No staff actions here:
// leaving kiosk mode asks for a staff email and password (the server checks them).

import { api } from "./api.js";
import { Camera } from "./camera.js";
import { benefitText, prizeText, progress, voucherLine } from "./card.js";
import { MODES, modeLabel } from "./chrome.js";
import { busy, field, h, notice, replace } from "./dom.js";
import { config } from "./config.js";
import { fmt, gettext, ngettext } from "./i18n.js";
import { newScanId } from "./ids.js";
import { beep } from "./sound.js";

const SEND_ATTEMPTS = 3;
const MIN_SPIN_MS = 1200;  // long enough to feel like a draw, short enough not to bore

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function fullscreen() {
  const element = document.documentElement;
  if (document.fullscreenElement || !element.requestFullscreen) return;
  element.requestFullscreen({ navigationUI: "hide" }).catch(() => {});
}

export function kioskScreen(ctx) {
  const stage = h("main", { class: "stage", "data-testid": "kiosk-stage" });
  const root = h("div", { class: "screen kiosk", "data-testid": "kiosk" }, stage);
  const camera = new Camera({ facingMode: "user", onCode: (code) => scanned(code) });
  let state = "start";
  let idleTimer = null;
  let card = null;

  const staffButton = h("button", { type: "button", class: "staff-button", "aria-label": gettext("Staff"), onclick: () => staffDialog() },
    gettext("Staff"));
  root.append(staffButton);

  // -- idle: back to "scan your card" -------------------------------------------------------------------------
  function armIdle() {
    clearTimeout(idleTimer);
    if (state !== "scan" && state !== "start" && state !== "staff") {
      idleTimer = setTimeout(() => toScan(), config.kioskIdleSeconds * 1000);
    }
  }
  const touched = () => armIdle();
  root.addEventListener("pointerdown", touched);
  root.addEventListener("keydown", touched);

  function show(newState, ...children) {
    state = newState;
    root.dataset.state = newState;
    replace(stage, ...children);
    armIdle();
  }

  // -- screens ------------------------------------------------------------------------------------------------
  function toStart() {
    show("start",
      h("div", { class: "hero" },
        h("h1", null, gettext("Collect your stamps here")),
        h("p", { class: "lead" }, ctx.device.merchant ? ctx.device.merchant.name : ""),
        h("button", {
          type: "button", class: "primary huge", "data-testid": "kiosk-start",
          onclick: () => { fullscreen(); toScan(); },
        }, gettext("Tap to start"))));
  }

  async function toScan() {
    card = null;
    show("scan",
      h("div", { class: "hero" },
        h("h1", null, gettext("Scan your card")),
        h("p", { class: "lead" }, gettext("Hold the QR code of your card up to the camera.")),
        camera.element,
        h("p", { class: "muted" }, ctx.device.location ? ctx.device.location.name : "")));
    try {
      await camera.start();
      camera.resume();
    } catch (error) {
      replace(stage, h("div", { class: "hero" }, h("h1", null, gettext("Scan your card")), notice("error", error.message)));
    }
  }

  async function scanned(qr) {
    if (state !== "scan") return;
    camera.pause();
    show("sending", h("div", { class: "hero" }, h("p", { class: "lead", role: "status" }, gettext("One moment…"))));
    const scanId = newScanId();
    let lastError = null;
    for (let attempt = 0; attempt < SEND_ATTEMPTS; attempt += 1) {
      try {
        const result = await api.scan(qr, scanId);
        result.card.qr = result.card.qr || qr;
        beep(result.stamped ? "ok" : "refused");
        toResult(result);
        return;
      } catch (error) {
        lastError = error;
        if (!error.retryable) break;
        await sleep(800 * (attempt + 1));
      }
    }
    beep("refused");
    toProblem(lastError.status === 404 ? gettext("We do not know this card. Please ask at the counter.") : lastError.message);
  }

  function toProblem(message) {
    show("problem",
      h("div", { class: "hero" },
        h("p", { class: "big-message refusal", role: "alert", "data-testid": "refusal" }, message),
        doneButton()));
  }

  function doneButton() {
    return h("button", { type: "button", class: "primary huge", "data-testid": "done", onclick: () => toScan() }, gettext("Done"));
  }

  function greeting() {
    return card.customer_name ? fmt(gettext("Hi, %(name)s!"), { name: card.customer_name }) : gettext("Hi!");
  }

  function toResult(result) {
    card = result.card;
    const headline = result.stamped
      ? h("p", { class: "big-message ok", role: "status", "data-testid": "stamped" },
        fmt(ngettext("+%(count)s stamp!", "+%(count)s stamps!", result.stamps_issued || 1), { count: result.stamps_issued || 1 }))
      : h("p", { class: "big-message refusal", role: "alert", "data-testid": "refusal" },
        (result.refusal && result.refusal.message) || gettext("No stamp this time."));
    const reached = (result.rewards || []).map((reward) =>
      h("p", { class: "reached", "data-testid": "reward-reached" }, fmt(gettext("You reached a reward: %(title)s"), { title: reward.title })));
    showCard(headline, reached);
  }

  function showCard(...top) {
    show("card",
      h("div", { class: "guest" },
        h("h1", { "data-testid": "greeting" }, greeting()),
        top,
        progress(card),
        rewards(),
        vouchers(),
        doneButton()));
  }

  function rewards() {
    const ready = card.rewards_ready || [];
    if (!ready.length) return null;
    return h("ul", { class: "tiles" }, ready.map((reward) => {
      if (reward.kind === "lottery") {
        return h("li", { class: "tile lottery" },
          h("strong", null, reward.title || gettext("Lottery")),
          h("button", { type: "button", class: "primary big", "data-testid": "spin", onclick: (event) => busy(event.currentTarget, () => spin(reward)) },
            gettext("Spin the lottery")));
      }
      if (reward.kind === "award") {
        return h("li", { class: "tile" }, h("strong", null, reward.title),
          h("p", null, gettext("Your gift is ready: ask for it at the counter.")));
      }
      return null;
    }));
  }

  function vouchers() {
    const list = card.vouchers || [];
    if (!list.length) return null;
    return h("div", null,
      h("h2", null, gettext("Your vouchers")),
      h("ul", { class: "tiles" }, list.map((voucher) =>
        h("li", { class: "tile", "data-testid": "voucher", dataset: { code: voucher.code } },
          h("strong", null, voucher.title),
          voucher.description ? h("p", null, voucher.description) : null,
          h("p", { class: "muted" }, voucherLine(voucher, card.program?.currency || "UAH")),
          h("button", { type: "button", class: "primary big", onclick: () => confirmVoucher(voucher) }, gettext("Use now"))))));
  }

  function confirmVoucher(voucher) {
    const yes = h("button", {
      type: "button", class: "primary huge", "data-testid": "confirm-voucher",
      onclick: (event) => busy(event.currentTarget, () => useVoucher(voucher)),
    }, gettext("Yes, use it"));
    show("confirm",
      h("div", { class: "hero" },
        h("h1", null, fmt(gettext("Use “%(title)s” now?"), { title: voucher.title })),
        h("p", { class: "lead" }, gettext("A voucher can be used once. Show the next screen at the counter.")),
        yes,
        h("button", { type: "button", class: "secondary big", onclick: () => showCard() }, gettext("Not now"))));
  }

  async function useVoucher(voucher) {
    try {
      await api.redeem(voucher.code, card.qr);
    } catch (error) {
      beep("refused");
      showCard(h("p", { class: "big-message refusal", role: "alert", "data-testid": "refusal" }, error.message));
      return;
    }
    beep("ok");
    // Not fetched again: on a kiosk every card look-up counts against the device's scan limit.
    card = { ...card, vouchers: (card.vouchers || []).filter((v) => v.code !== voucher.code) };
    const benefit = benefitText(voucher, card.program?.currency || "UAH");
    show("redeemed",
      h("div", { class: "hero" },
        h("p", { class: "big-message ok", role: "status", "data-testid": "voucher-used" },
          fmt(gettext("Enjoy! Voucher used: %(title)s"), { title: voucher.title })),
        benefit ? h("p", { class: "lead", "data-testid": "voucher-benefit" }, benefit) : null,
        h("p", { class: "lead" }, gettext("Show this screen at the counter.")),
        h("p", { class: "code" }, voucher.display_code || voucher.code, " · ", new Date().toLocaleTimeString()),
        doneButton()));
  }

  async function spin(reward) {
    show("spinning", h("div", { class: "hero" }, h("div", { class: "spinner", "aria-hidden": "true" }),
      h("p", { class: "lead", role: "status" }, gettext("Spinning…"))));
    const [outcome] = await Promise.allSettled([api.draw(reward.id, card.qr), sleep(MIN_SPIN_MS)]);
    if (outcome.status === "rejected") {
      beep("refused");
      showCard(h("p", { class: "big-message refusal", role: "alert", "data-testid": "refusal" }, outcome.reason.message));
      return;
    }
    const result = outcome.value;
    card = { ...result.card, qr: result.card.qr || card.qr };
    const won = (result.draws || []).some((draw) => !["nothing", undefined].includes((draw.prize || {}).kind || draw.outcome));
    beep(won ? "ok" : "refused");
    showCard((result.draws || []).map((draw) =>
      h("p", { class: `big-message ${won ? "ok" : ""}`, role: "status", "data-testid": "prize" }, prizeText(draw))));
  }

  // -- leaving kiosk mode -------------------------------------------------------------------------------------
  function staffDialog() {
    const previous = state;
    camera.pause();
    clearTimeout(idleTimer);
    state = "staff";
    const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true });
    const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
    const mode = h("select", { name: "mode" },
      MODES.filter((m) => m !== "kiosk").map((m) => h("option", { value: m }, modeLabel(m))));
    const error = h("div", { class: "messages" });
    const submit = h("button", { type: "submit", class: "primary" }, gettext("Leave kiosk mode"));
    const dialog = h("div", { class: "overlay", role: "dialog", "aria-modal": "true", "aria-labelledby": "staff-title" },
      h("form", {
        class: "panel dialog",
        onsubmit: (event) => {
          event.preventDefault();
          busy(submit, async () => {
            try {
              const device = await api.setMode(mode.value, email.value.trim(), password.value);
              dialog.remove();
              ctx.switchTo(device);
            } catch (err) {
              password.value = "";
              replace(error, notice("error", err.message));
            }
          });
        },
      },
      h("h2", { id: "staff-title" }, gettext("Staff only")),
      h("p", { class: "muted" }, gettext("Sign in with a staff email and password to leave kiosk mode.")),
      field(gettext("Email"), email),
      field(gettext("Password"), password),
      field(gettext("Switch this device to"), mode),
      error,
      submit,
      h("button", {
        type: "button", class: "secondary",
        onclick: () => {
          dialog.remove();
          state = previous;
          camera.resume();
          armIdle();
        },
      }, gettext("Cancel"))));
    root.append(dialog);
    email.focus();
  }

  return {
    element: root,
    start() {
      toStart();
    },
    destroy() {
      clearTimeout(idleTimer);
      camera.stop();
    },
  };
}
