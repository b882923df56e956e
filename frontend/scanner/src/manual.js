// Manual mode: staff find the customer's card (camera or six-digit number), then add stamps, hand over awards,
// redeem vouchers and run lottery draws.

import { api } from "./api.js";
import { Camera } from "./camera.js";
import { milestones, prizeText, progress, redeemedText, rewardsReachedText, voucherLine } from "./card.js";
import { topBar } from "./chrome.js";
import { busy, field, h, notice, replace } from "./dom.js";
import { fmt, gettext, ngettext } from "./i18n.js";
import { newScanId } from "./ids.js";
import { currencyDigits, formatMoney, parseAmount } from "./money.js";
import { beep } from "./sound.js";
import { Wedge } from "./wedge.js";

// A card QR payload ("SC1:..."), as a scanner in keyboard mode types it.
const QR_LIKE = /^[A-Z0-9]+:[A-Z0-9]+$/i;

const majorUnits = (minor, currency) => (minor / 10 ** currencyDigits(currency)).toFixed(currencyDigits(currency));

export function manualScreen(ctx) {
  const messages = h("div", { class: "messages", "data-testid": "messages" });
  const finder = h("section", { class: "panel finder", "data-testid": "finder" });
  const view = h("section", { class: "panel card-view", "data-testid": "card", hidden: true });
  const root = h("div", { class: "screen manual", "data-testid": "manual" }, topBar(ctx), h("main", null, messages, finder, view));

  let card = null;
  let cameraWanted = false;
  // A stamp whose outcome is unknown (no answer, or a server error): "Try again" sends it with the same scan_id.
  let pendingStamp = null;

  const say = (kind, ...lines) => replace(messages, lines.filter(Boolean).map((line) => notice(kind, line)));
  const fail = (error) => {
    beep("refused");
    say("error", error.message);
  };

  // -- finding the card ---------------------------------------------------------------------------------------
  const camera = new Camera({ facingMode: "environment", onCode: (code) => open(code) });
  const cameraBox = h("div", { class: "camera-box", hidden: true }, camera.element);
  const cameraButton = h("button", { type: "button", class: "primary", "data-testid": "camera-toggle", onclick: () => toggleCamera() },
    gettext("Scan with the camera"));

  async function startCamera() {
    cameraWanted = true;
    cameraBox.hidden = false;
    cameraButton.textContent = gettext("Stop the camera");
    try {
      await camera.start();
      camera.resume();
    } catch (error) {
      stopCamera();
      say("error", error.message);
    }
  }

  function stopCamera() {
    cameraWanted = false;
    camera.stop();
    cameraBox.hidden = true;
    cameraButton.textContent = gettext("Scan with the camera");
  }

  function toggleCamera() {
    if (camera.running) stopCamera();
    else startCamera();
  }

  // No maxlength: a USB barcode scanner may type a whole card QR into this field.
  const numberInput = h("input", {
    type: "text", name: "number", inputmode: "numeric", autocomplete: "off", placeholder: "482913", enterkeyhint: "search",
  });
  const numberForm = h("form", {
    class: "inline-form",
    novalidate: true,  // the app's own message explains what is wrong, in the page's language
    onsubmit: (event) => {
      event.preventDefault();
      const typed = numberInput.value.trim();
      if (QR_LIKE.test(typed)) {
        numberInput.value = "";
        busy(event.submitter || numberForm.querySelector("button"), () => open(typed));
        return;
      }
      const number = typed.replace(/\D/g, "");
      if (number.length !== 6) {
        say("error", gettext("Type the six digits of the card number."));
        return;
      }
      busy(event.submitter || numberForm.querySelector("button"), () => open(number));
    },
  }, field(gettext("Card number"), numberInput), h("button", { type: "submit" }, gettext("Find the card")));

  const codeInput = h("input", { type: "text", name: "code", autocomplete: "off", autocapitalize: "characters", spellcheck: false });
  const codeForm = h("form", {
    class: "inline-form",
    onsubmit: (event) => {
      event.preventDefault();
      const code = codeInput.value.replace(/[\s-]/g, "").toUpperCase();
      if (!code) {
        say("error", gettext("Type the voucher code."));
        return;
      }
      busy(event.submitter || codeForm.querySelector("button"), async () => {
        try {
          const voucher = await api.redeem(code, null);
          codeInput.value = "";
          beep("ok");
          say("ok", redeemedText(voucher, ctx.device.merchant?.currency || "UAH"));
        } catch (error) {
          fail(error);
        }
      });
    },
  }, field(gettext("Voucher code"), codeInput), h("button", { type: "submit", class: "secondary" }, gettext("Redeem")));

  replace(finder,
    h("h1", null, gettext("Find the customer's card")),
    cameraButton, cameraBox,
    h("p", { class: "or" }, gettext("or")),
    numberForm,
    h("details", { class: "more" }, h("summary", null, gettext("Redeem a voucher by its code")), codeForm));

  async function open(ref) {
    camera.pause();
    try {
      const found = await api.card(ref);
      replace(messages);
      if (!pendingStamp || pendingStamp.qr !== found.qr) pendingStamp = null;
      show(found);
      beep("ok");
    } catch (error) {
      fail(error);
      camera.resume();
    }
  }

  function next() {
    card = null;
    pendingStamp = null;
    view.hidden = true;
    finder.hidden = false;
    replace(messages);
    numberInput.value = "";
    if (cameraWanted) startCamera();
    else numberInput.focus();
  }

  // -- the card -----------------------------------------------------------------------------------------------
  function show(found) {
    card = found;
    finder.hidden = true;
    camera.stop();
    cameraBox.hidden = true;
    view.hidden = false;
    const program = card.program || {};
    replace(view,
      h("div", { class: "card-head" },
        h("h2", { "data-testid": "customer-name" }, card.customer_name || gettext("Customer")),
        h("p", { class: "muted" }, `${program.name || ""} · №\u00a0`, h("span", { "data-testid": "card-number" }, card.number))),
      progress(card),
      milestones(card),
      stampForm(),
      rewardsReady(),
      vouchers(),
      h("button", { type: "button", class: "secondary", "data-testid": "next", onclick: next }, gettext("Next customer")));
  }

  function stampForm() {
    const program = card.program || {};
    const perAmount = program.earning_rule === "per_amount";
    const currency = program.currency || ctx.device.merchant?.currency || "UAH";
    const retrying = pendingStamp !== null;
    const amountInput = perAmount
      ? h("input", {
        type: "text", name: "amount", inputmode: "decimal", autocomplete: "off", placeholder: "125.50",
        value: retrying && pendingStamp.amount !== null ? majorUnits(pendingStamp.amount, currency) : "",
        disabled: retrying,
      })
      : null;
    const button = h("button", { type: "submit", class: "primary big", "data-testid": "add-stamps" },
      retrying ? gettext("Try again") : perAmount ? gettext("Add stamps") : gettext("Add a stamp"));
    const form = h("form", {
      class: "stamp-form",
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        busy(button, () => addStamps(amountInput));
      },
    },
    perAmount
      ? field(fmt(gettext("Check total, %(currency)s"), { currency }), amountInput,
        program.amount_per_stamp ? fmt(gettext("One stamp for every %(amount)s."), { amount: formatMoney(program.amount_per_stamp, currency) }) : null)
      : null,
    button,
    retrying
      ? h("button", { type: "button", class: "link", onclick: () => { pendingStamp = null; show(card); } }, gettext("Start over"))
      : null);
    return form;
  }

  async function addStamps(amountInput) {
    if (!pendingStamp) {
      let amount = null;
      if (amountInput) {
        amount = parseAmount(amountInput.value, card.program?.currency || "UAH");
        if (amount === null || amount <= 0) {
          say("error", gettext("Type the check total, like 125.50."));
          amountInput.focus();
          return;
        }
      }
      pendingStamp = { qr: card.qr, scanId: newScanId(), amount };
    }
    const attempt = pendingStamp;
    try {
      const result = await api.stamp(attempt.qr, attempt.scanId, attempt.amount);
      pendingStamp = null;
      const issued = result.stamps_issued || 0;
      show(result.card);
      beep(issued > 0 ? "ok" : "refused");
      say(issued > 0 ? "ok" : "info",
        issued > 0
          ? fmt(ngettext("%(count)s stamp added.", "%(count)s stamps added.", issued), { count: issued })
          : gettext("This check earns no stamps."),
        result.replayed ? gettext("(It had already been recorded: nothing was added twice.)") : null,
        ...rewardsReachedText(result.rewards),
        ...(result.rewards || []).flatMap((reward) => (reward.lottery_draws || []).map(prizeText)));
    } catch (error) {
      if (!error.retryable) pendingStamp = null;
      show(card);
      beep("refused");
      say("error", error.message,
        error.retryable ? gettext("The stamp may not have landed. Try again: it will never be added twice.") : null);
    }
  }

  function rewardsReady() {
    const ready = card.rewards_ready || [];
    if (!ready.length) return null;
    return h("div", { class: "rewards" },
      h("h3", null, gettext("Rewards ready")),
      h("ul", { class: "items" }, ready.map((reward) => h("li", { "data-testid": "reward", dataset: { kind: reward.kind } },
        h("div", null, h("strong", null, reward.title), reward.description ? h("p", { class: "muted" }, reward.description) : null),
        rewardAction(reward)))));
  }

  function rewardAction(reward) {
    if (reward.kind === "award") {
      return h("button", {
        type: "button",
        onclick: (event) => busy(event.currentTarget, async () => {
          try {
            const result = await api.handOver(reward.id);
            show(result.card);
            beep("ok");
            say("ok", fmt(gettext("Handed over: %(title)s"), { title: reward.title }));
          } catch (error) {
            fail(error);
          }
        }),
      }, gettext("Hand over"));
    }
    if (reward.kind === "lottery") {
      return h("button", {
        type: "button",
        onclick: (event) => busy(event.currentTarget, async () => {
          try {
            const result = await api.draw(reward.id, card.qr);
            show(result.card);
            beep("ok");
            say("ok", ...(result.draws || []).map(prizeText));
          } catch (error) {
            fail(error);
          }
        }),
      }, gettext("Run the draw"));
    }
    return null;
  }

  function vouchers() {
    const list = card.vouchers || [];
    if (!list.length) return null;
    return h("div", { class: "vouchers" },
      h("h3", null, gettext("Vouchers")),
      h("ul", { class: "items" }, list.map((voucher) => h("li", { "data-testid": "voucher", dataset: { code: voucher.code } },
        h("div", null, h("strong", null, voucher.title), h("p", { class: "muted" }, voucherLine(voucher, card.program?.currency || "UAH"))),
        h("button", {
          type: "button",
          onclick: (event) => busy(event.currentTarget, async () => {
            try {
              await api.redeem(voucher.code, card.qr);
              show(await api.card(card.qr));
              beep("ok");
              say("ok", redeemedText(voucher, card.program?.currency || "UAH"));
            } catch (error) {
              fail(error);
            }
          }),
        }, gettext("Redeem"))))));
  }

  // A USB or Bluetooth scanner at the counter: a card QR typed anywhere outside a field opens that card.
  const wedge = new Wedge({ onScan: (line) => (QR_LIKE.test(line) ? open(line) : null) });

  return {
    element: root,
    start() {
      wedge.start();
      numberInput.focus();
    },
    destroy() {
      wedge.stop();
      camera.stop();
    },
  };
}
