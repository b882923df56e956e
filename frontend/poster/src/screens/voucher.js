// Redeem a voucher by its code (typed, scanned by a USB scanner into the field, or with the register's camera):
// POST /vouchers/{code}/redeem. A voucher redeems once: a second try is refused by stampcard, whatever the till.
import { form, h } from "../dom.js";
import { t } from "../i18n.js";
import { message } from "./common.js";

/** props: {note, canScan, onRedeem(code, button), onScan(), onBack()} */
export function voucherScreen(props) {
  return h(
    "div",
    { "data-testid": "voucher" },
    h("h1", null, t("voucher.title")),
    form(
      { class: "row" },
      (data, element) => props.onRedeem(String(data.get("code") || "").trim(), element.querySelector("button[type=submit]")),
      h("input", {
        type: "text",
        name: "code",
        id: "voucher-code",
        "aria-label": t("voucher.label"),
        placeholder: t("voucher.placeholder"),
        autocomplete: "off",
        autocapitalize: "characters",
        autofocus: true,
      }),
      h("button", { type: "submit", class: "primary" }, t("voucher.redeem")),
      props.canScan ? h("button", { type: "button", onclick: () => props.onScan() }, t("identify.scan")) : null,
    ),
    message(props.note),
    h("div", { class: "actions" }, h("button", { type: "button", onclick: () => props.onBack() }, t("common.back"))),
  );
}
