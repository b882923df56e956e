// The identified customer: stamps this check will earn (POST /checkouts/preview), gifts ready now (record them in
// the check), active vouchers (redeem), and whether a lottery is due (drawn from the payment screen's button).
import { h } from "../dom.js";
import { t, tn } from "../i18n.js";
import { customerHeader, giftRow, message } from "./common.js";

function previewBlock(preview, previewError) {
  if (previewError) return h("div", { class: "message error", "data-testid": "preview" }, previewError);
  if (!preview) return h("p", { class: "muted", "data-testid": "preview" }, t("card.previewLoading"));
  const parts = [
    h("p", { class: "earn", "data-testid": "preview-stamps" }, tn("card.earns", preview.stamps_to_issue)),
  ];
  if (preview.already_committed) parts.push(h("p", { class: "muted" }, t("card.alreadyCommitted")));
  for (const reward of preview.rewards || []) {
    parts.push(h("p", { class: "message ok", "data-testid": "preview-reward" }, t(`card.reaches.${reward.kind}`, { title: reward.title })));
  }
  if (preview.lottery_due) parts.push(h("p", { class: "message info", "data-testid": "lottery-due" }, t("card.lotteryDue")));
  if (preview.refused) parts.push(h("p", { class: "message error" }, preview.refused.message));
  return h("div", { "data-testid": "preview" }, parts);
}

function giftsBlock(props) {
  const { gifts, recorded } = props;
  if (!gifts.length && !recorded.length) return null;
  return [
    h("h2", null, t("card.giftsTitle")),
    h(
      "ul",
      { class: "list", "data-testid": "gifts" },
      recorded.map((reward) => h("li", null, reward.title, h("span", { class: "tag done" }, t("card.giftRecorded")))),
      gifts.map((reward) => giftRow(reward, props)),
    ),
  ];
}

function vouchersBlock(vouchers, onRedeem) {
  const usable = (vouchers || []).filter((voucher) => voucher.state === "active");
  if (!usable.length) return null;
  return [
    h("h2", null, t("card.vouchersTitle")),
    h(
      "ul",
      { class: "list", "data-testid": "vouchers" },
      usable.map((voucher) =>
        h(
          "li",
          null,
          h("span", null, h("strong", null, voucher.title), h("span", { class: "muted" }, ` · ${voucher.code_display || voucher.code}`)),
          h("button", { type: "button", onclick: (event) => onRedeem(voucher.code, event.target) }, t("voucher.redeem")),
        ),
      ),
    ),
  ];
}

/**
 * props: {card, preview, previewError, gifts, recorded, products, defaultProductId, note,
 * onRecord(reward, productId, button),
 * onRedeem(code, button), onVoucher(), onOther(), onRemove(), onClose()}
 */
export function cardScreen(props) {
  return h(
    "div",
    { "data-testid": "card-screen" },
    customerHeader(props.card),
    message(props.note),
    previewBlock(props.preview, props.previewError),
    giftsBlock(props),
    vouchersBlock(props.card.vouchers, props.onRedeem),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", class: "primary", onclick: () => props.onClose() }, t("common.done")),
      h("button", { type: "button", onclick: () => props.onVoucher() }, t("voucher.open")),
      h("button", { type: "button", onclick: () => props.onOther() }, t("card.other")),
      h("button", { type: "button", onclick: () => props.onRemove() }, t("card.remove")),
    ),
  );
}
