// Autopilot: a barcode scanner in keyboard mode types each card's QR and Enter; the stamp lands in the background
// (POST /scans), with a beep and a toast. Scans that arrive while one is in flight wait in a queue, in order.

import { api } from "./api.js";
import { formatTime, stampsText } from "./card.js";
import { topBar } from "./chrome.js";
import { h, replace } from "./dom.js";
import { fmt, gettext, ngettext } from "./i18n.js";
import { ScanQueue } from "./queue.js";
import { beep } from "./sound.js";
import { toast } from "./toast.js";
import { Wedge } from "./wedge.js";

const RECENT = 12;

export function autopilotScreen(ctx) {
  const input = h("input", {
    type: "text", id: "wedge", class: "wedge", autocomplete: "off", autocapitalize: "off", spellcheck: false,
    "data-testid": "wedge", "aria-describedby": "wedge-hint",
  });
  const status = h("p", { class: "big-message", role: "status", "data-testid": "autopilot-status" }, gettext("Ready for the next scan"));
  const waiting = h("p", { class: "muted", "data-testid": "queue-size" });
  const recent = h("ol", { class: "recent", "data-testid": "recent" });
  const root = h("div", { class: "screen autopilot", "data-testid": "autopilot" },
    topBar(ctx),
    h("main", null,
      h("section", { class: "panel" },
        status,
        h("label", { for: "wedge" }, gettext("Scanner input")),
        input,
        h("p", { class: "hint", id: "wedge-hint" },
          gettext("Scan a customer's card with the barcode scanner: the stamp is added by itself. Keep this page open.")),
        waiting),
      h("section", { class: "panel" }, h("h2", null, gettext("Last scans")), recent)));

  function log(kind, title, text) {
    recent.prepend(h("li", { class: `log-${kind}`, "data-testid": "scan-log", dataset: { kind } },
      h("time", null, formatTime()), " ", h("strong", null, title), " ", h("span", null, text)));
    while (recent.children.length > RECENT) recent.lastElementChild.remove();
  }

  function showQueue(size) {
    waiting.textContent = size > 1 ? fmt(ngettext("%(count)s scan waiting", "%(count)s scans waiting", size - 1), { count: size - 1 }) : "";
    status.textContent = size ? gettext("Sending…") : gettext("Ready for the next scan");
  }

  const queue = new ScanQueue({
    owner: ctx.device.location ? ctx.device.location.id : ctx.device.id,
    send: (item) => api.scan(item.qr, item.scan_id),
    onChange: showQueue,
    onDone(item, result) {
      const card = result.card || {};
      const name = card.customer_name || card.number || gettext("Customer");
      if (result.stamped) {
        const text = stampsText(card);
        const rewards = (result.rewards || []).map((r) => fmt(gettext("Reward reached: %(title)s"), { title: r.title }));
        beep("ok");
        toast([text, ...rewards].join(" · "), { kind: "ok", title: name });
        log("ok", name, text);
      } else {
        const reason = (result.refusal && result.refusal.message) || gettext("No stamp this time.");
        beep("refused");
        toast(reason, { kind: "refused", title: name });
        log("refused", name, reason);
      }
    },
    onFailed(item, error) {
      beep("refused");
      toast(error.message, { kind: "error", title: gettext("Not stamped") });
      log("error", gettext("Not stamped"), error.message);
    },
    onWaiting(item, error, ms) {
      status.textContent = fmt(gettext("%(reason)s Trying again in %(seconds)s s."), { reason: error.message, seconds: Math.round(ms / 1000) });
    },
  });

  const wedge = new Wedge({ display: input, onScan: (line) => queue.add(line) });

  return {
    element: root,
    start() {
      wedge.start();
      showQueue(queue.size);
      queue.pump();  // scans left from before a reload or an outage
    },
    destroy() {
      wedge.stop();
      queue.stop();
    },
  };
}
