import { h } from "../dom.js";
import { t, tn } from "../i18n.js";

export function message(note) {
  if (!note) return null;
  return h("div", { class: `message ${note.kind || "info"}`, role: note.kind === "error" ? "alert" : "status", "data-testid": "message" }, note.text);
}

export function stampsLine(card) {
  return h("p", { class: "stamps", "data-testid": "card-stamps" }, tn("card.stamps", card.stamps, { goal: card.goal }));
}

export function customerHeader(card) {
  return h(
    "div",
    { class: "card", "data-testid": "customer" },
    h("div", { class: "name" }, card.customer && card.customer.name ? card.customer.name : t("card.noName")),
    h("p", { class: "muted" }, t("card.number", { number: card.number })),
    stampsLine(card),
  );
}

/** The menu item a gift most likely is: one named in the gift's title ("Free croissant" -> Croissant), else the
 * merchant's default gift item. */
export function suggestedProduct(title, products, fallbackId) {
  const text = String(title || "").toLowerCase();
  const named = (products || [])
    .filter((product) => product.name && text.includes(product.name.toLowerCase()))
    .sort((a, b) => b.name.length - a.name.length)[0];
  return named ? named.id : String(fallbackId || "");
}

/**
 * One gift to record: its title, which menu item it is (a choice when the menu is known), and the button.
 * props: {products, defaultProductId, onRecord(reward, productId, button)}
 */
export function giftRow(reward, props) {
  const chosen = suggestedProduct(reward.title, props.products, props.defaultProductId);
  const picker =
    props.products && props.products.length
      ? h(
          "select",
          { "aria-label": t("card.giftItemFor", { title: reward.title }), class: "gift-item" },
          h("option", { value: "" }, t("settings.giftProductNone")),
          props.products.map((product) => h("option", { value: product.id, selected: product.id === chosen }, product.name)),
        )
      : null;
  return h(
    "li",
    { "data-testid": "gift" },
    h("strong", null, reward.title),
    picker,
    h(
      "button",
      {
        type: "button",
        class: "gift",
        onclick: (event) => props.onRecord(reward, picker ? picker.value : chosen, event.target),
      },
      t("card.recordGift"),
    ),
  );
}
