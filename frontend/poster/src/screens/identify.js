// Who is the customer: the wallet QR (the register's camera where Poster has one, or a USB scanner typing into the
// field and pressing Enter), the six-digit number, an email, or a name with a pick list (GET /cards/lookup?q=).
import { form, h } from "../dom.js";
import { language, t, tn } from "../i18n.js";
import { message } from "./common.js";

function lastVisit(at) {
  if (!at) return t("identify.noVisit");
  let when;
  try {
    // The register's clock runs in the shop's time zone.
    when = new Intl.DateTimeFormat(language() === "uk" ? "uk-UA" : "en-GB", {
      dateStyle: "short",
      timeStyle: "short",
    }).format(new Date(at));
  } catch (error) {
    when = String(at).slice(0, 16).replace("T", " ");
  }
  return t("identify.lastVisit", { when });
}

// Enough to tell two same-named customers apart: program, half-hidden contact, last visit.
function whoLine(card) {
  return [card.program_name, card.contact_masked, lastVisit(card.last_visit_at)].filter(Boolean).join(" · ");
}

function pickList(results, onPick) {
  return h(
    "ul",
    { class: "list", "data-testid": "results" },
    results.map((card) =>
      h(
        "li",
        null,
        h(
          "button",
          { type: "button", class: "pick", onclick: () => onPick(card) },
          h("strong", null, card.customer.name || t("card.noName")),
          " ",
          h("span", { class: "muted" }, `${card.number} · ${tn("card.stamps", card.stamps, { goal: card.goal })}`),
          h("br"),
          h("span", { class: "muted", "data-testid": "result-who" }, whoLine(card)),
        ),
      ),
    ),
  );
}

/** props: {query, results, note, canScan, onFind(query, button), onScan(), onPick(card), onVoucher(), onClose()} */
export function identifyScreen(props) {
  return h(
    "div",
    { "data-testid": "identify" },
    h("h1", null, t("identify.title")),
    form(
      { class: "row" },
      (data, element) => props.onFind(String(data.get("q") || "").trim(), element.querySelector("button[type=submit]")),
      h("input", {
        type: "text",
        name: "q",
        id: "identify-query",
        value: props.query || "",
        "aria-label": t("identify.label"),
        placeholder: t("identify.placeholder"),
        autocomplete: "off",
        autofocus: true,
      }),
      h("button", { type: "submit", class: "primary" }, t("identify.find")),
      props.canScan ? h("button", { type: "button", onclick: () => props.onScan() }, t("identify.scan")) : null,
    ),
    h("p", { class: "muted" }, t("identify.hint")),
    message(props.note),
    props.results && props.results.length ? pickList(props.results, props.onPick) : null,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", onclick: () => props.onVoucher() }, t("voucher.open")),
      h("button", { type: "button", onclick: () => props.onClose() }, t("common.close")),
    ),
  );
}
