// Functions -> stampcard: stampcard's address and the API key (checked with GET /api/v1/poster/status, which names
// the business, the location and the staff login), how gifts are recorded, and how receipt QRs print.
import { form, h } from "../dom.js";
import { t } from "../i18n.js";
import { GIFT_BONUS, GIFT_ZERO_PRICE, RECEIPT_QR_NONE, RECEIPT_QR_PRINTER, RECEIPT_QR_TEXT } from "../settings.js";
import { message } from "./common.js";

function statusBlock(status, config) {
  if (!status) return h("p", { class: "muted", "data-testid": "connection" }, t("settings.notConnected"));
  const place = status.location ? `${status.merchant.name} · ${status.location.name}` : status.merchant.name;
  return h(
    "div",
    { class: "card", "data-testid": "connection" },
    h("p", { class: "status-ok" }, t("settings.connectedTo", { place })),
    status.staff && status.staff.name ? h("p", { class: "muted" }, t("settings.staff", { name: status.staff.name })) : null,
    config && config.program
      ? h(
          "p",
          { class: "muted", "data-testid": "stamping-mode" },
          t("settings.program", {
            name: config.program.name,
            mode: t(config.program.stamping_mode === "receipt_qr" ? "settings.modeReceipt" : "settings.modeCashier"),
          }),
        )
      : null,
    ...(status.warnings || []).map((code) => h("p", { class: "message info" }, t(`settings.warning.${code}`))),
  );
}

function choice(name, value, current, title, hint) {
  return h(
    "label",
    { class: "choice" },
    h("input", { type: "radio", name, value, checked: current === value }),
    h("span", null, title, hint ? h("small", null, hint) : null),
  );
}

function productPicker(products, current) {
  if (!products) {
    return h("input", { type: "text", id: "gift-product", name: "giftProductId", value: current.giftProductId, inputmode: "numeric" });
  }
  return h(
    "select",
    { id: "gift-product", name: "giftProductId" },
    h("option", { value: "" }, t("settings.giftProductNone")),
    products.map((product) =>
      h("option", { value: product.id, selected: String(product.id) === String(current.giftProductId) }, product.name),
    ),
  );
}

/**
 * props: {current, products (list of {id, name} or null), note, onConnect(fields, button), onSave(fields),
 * onDisconnect()}
 */
export function settingsScreen(props) {
  const { current, products, note } = props;
  const fields = (data) => Object.fromEntries(data.entries());
  return form(
    { "data-testid": "settings" },
    (data) => props.onSave(fields(data)),
    h("h1", null, t("settings.title")),
    message(note),
    statusBlock(current.status, current.config),
    h("label", { for: "server-url" }, t("settings.serverUrl")),
    h("input", { type: "url", id: "server-url", name: "serverUrl", value: current.serverUrl, placeholder: "https://", autocomplete: "off" }),
    h("label", { for: "api-key" }, t("settings.apiKey")),
    h(
      "div",
      { class: "row" },
      h("input", { type: "password", id: "api-key", name: "apiKey", value: current.apiKey, autocomplete: "off", autofocus: !current.apiKey }),
      h(
        "button",
        {
          type: "button",
          onclick: (event) => props.onConnect(fields(new FormData(event.target.form)), event.target),
        },
        t("settings.connect"),
      ),
    ),
    h("p", { class: "muted" }, t("settings.apiKeyHint")),
    h("h2", null, t("settings.giftTitle")),
    choice("giftMode", GIFT_ZERO_PRICE, current.giftMode, t("settings.giftZeroPrice"), t("settings.giftZeroPriceHint")),
    choice("giftMode", GIFT_BONUS, current.giftMode, t("settings.giftBonus"), t("settings.giftBonusHint")),
    h("label", { for: "gift-product" }, t("settings.giftProduct")),
    productPicker(products, current),
    h("h2", null, t("settings.receiptTitle")),
    h("p", { class: "muted" }, t("settings.receiptHint")),
    choice("receiptQr", RECEIPT_QR_PRINTER, current.receiptQr, t("settings.receiptPrinter"), t("settings.receiptPrinterHint")),
    choice("receiptQr", RECEIPT_QR_TEXT, current.receiptQr, t("settings.receiptText"), t("settings.receiptTextHint")),
    choice("receiptQr", RECEIPT_QR_NONE, current.receiptQr, t("settings.receiptNone")),
    h("label", { for: "print-columns" }, t("settings.printWidth")),
    h(
      "select",
      { id: "print-columns", name: "printColumns" },
      h("option", { value: "32", selected: Number(current.printColumns) !== 48 }, t("settings.print58")),
      h("option", { value: "48", selected: Number(current.printColumns) === 48 }, t("settings.print80")),
    ),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, t("settings.save")),
      current.apiKey ? h("button", { type: "button", onclick: () => props.onDisconnect() }, t("settings.disconnect")) : null,
    ),
  );
}


