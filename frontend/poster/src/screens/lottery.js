// The payment screen's lottery button: the draws of this order and what they gave (a gift, a voucher, an extra
// try, or nothing). A gift won is recorded in the check like any other.
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { giftRow, message } from "./common.js";

function drawLine(draw, props) {
  const prize = draw.reward;
  let text;
  if (draw.outcome === "award") text = t("lottery.wonGift", { title: (prize && prize.title) || draw.variant.name });
  else if (draw.outcome === "voucher") text = t("lottery.wonVoucher", { title: draw.variant.name, code: draw.voucher_code || "" });
  else if (draw.outcome === "extra_try") text = t("lottery.extraTry");
  else text = t("lottery.nothing");
  return h(
    "li",
    { "data-testid": "draw" },
    h("span", null, h("strong", { class: "result" }, text), draw.greeting ? h("span", { class: "muted" }, ` ${draw.greeting}`) : null),
    draw.outcome === "award" && prize && !props.recorded.has(prize.id) ? h("ul", { class: "list" }, giftRow(prize, props)) : null,
  );
}

/** props: {draws (list or null while drawing), note, recorded (Set of reward ids), products, defaultProductId,
 * onRecord(reward, productId, button), onBack()} */
export function lotteryScreen(props) {
  return h(
    "div",
    { "data-testid": "lottery" },
    h("h1", null, t("lottery.title")),
    message(props.note),
    props.draws === null
      ? h("p", { class: "muted" }, t("lottery.drawing"))
      : props.draws.length
        ? h("ul", { class: "list" }, props.draws.map((draw) => drawLine(draw, props)))
        : h("p", { class: "muted" }, t("lottery.none")),
    h("div", { class: "actions" }, h("button", { type: "button", class: "primary", onclick: () => props.onBack() }, t("lottery.back"))),
  );
}
