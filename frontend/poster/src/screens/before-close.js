// beforeOrderClose, when there is something to say before payment: a gift ready and not recorded in this check, or
// a gift this very check reaches (stamped now, so it can be handed over with this order).
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { customerHeader, giftRow, message } from "./common.js";

/** props: {card, gifts, reaching, lotteryDue, products, defaultProductId, note, onRecord(reward, productId, button),
 * onStampNow(button), onContinue()} */
export function beforeCloseScreen(props) {
  return h(
    "div",
    { "data-testid": "before-close" },
    h("h1", null, t("close.title")),
    customerHeader(props.card),
    message(props.note),
    props.gifts.length
      ? [
          h("p", { class: "message info", "data-testid": "gift-reminder" }, t("close.giftReminder")),
          h("ul", { class: "list" }, props.gifts.map((reward) => giftRow(reward, props))),
        ]
      : null,
    props.reaching.length
      ? [
          h("p", { class: "message ok" }, t("close.reaching", { title: props.reaching.map((r) => r.title).join(", ") })),
          h("button", { type: "button", class: "gift", onclick: (event) => props.onStampNow(event.target) }, t("close.stampNow")),
        ]
      : null,
    props.lotteryDue ? h("p", { class: "muted" }, t("close.lotteryOnPayment")) : null,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", class: "primary", "data-testid": "continue", onclick: () => props.onContinue() }, t("close.continue")),
    ),
  );
}
