// Small messages that come and go at the bottom of the screen without taking the focus.

import { h } from "./dom.js";

let region = null;

function container() {
  if (!region || !region.isConnected) {
    region = h("div", { class: "toasts", "aria-live": "polite" });
    document.body.append(region);
  }
  return region;
}

/** kind: ok | refused | error | info. Returns the element (already on screen). */
export function toast(text, { kind = "info", title = null, timeoutMs = 5000 } = {}) {
  const element = h(
    "div",
    { class: `toast toast-${kind}`, role: kind === "error" || kind === "refused" ? "alert" : "status", "data-testid": "toast", dataset: { kind } },
    title ? h("strong", null, title) : null,
    h("span", null, text),
  );
  const box = container();
  box.append(element);
  while (box.children.length > 4) box.firstElementChild.remove();
  setTimeout(() => {
    element.classList.add("toast-leaving");
    setTimeout(() => element.remove(), 300);
  }, timeoutMs);
  return element;
}
