// Receipt-QR mode (the program's stamping_mode "receipt_qr"): nobody is identified at the counter; before the receipt
// prints, the app asks stampcard for a claim of this check (POST /receipts) and puts it on paper:
// - the QR itself, printed by the printer: Poster.orders.printReceipt(orderId, qrString, qrTitle) prints a pre-check
//   with a real QR that Poster renders (DOCS pos/orders/orders-printReceipt), where the platform offers it (the
//   default setting);
// - else the QR drawn with characters (POST /poster/print/qr), which decodes only where the printer prints the lines
//   without gaps (tests/poster/test_qr_text_thermal.py), so it is the fallback;
// - and always, at the end of the receipt with orders.setPrintText (text only; DOCS ru/pos/orders/orders-setPrintText):
//   a heading, the short link and the printed code, which work whatever the printer does with the QR.
// Unconfirmed: whether setPrintText's text reaches a fiscal (PRRO) receipt, and its length limit.
import { api } from "./api.js";
import { dueMinor, orderName } from "./checkout.js";
import { language, t } from "./i18n.js";
import { canPrintQr, orders } from "./poster.js";
import { currency, load, RECEIPT_QR_NONE, RECEIPT_QR_PRINTER } from "./settings.js";

const TIMEOUT_MS = 2000; // two calls must fit Poster's five seconds for beforeOrderClose

function shortLink(url) {
  return String(url).replace(/^https?:\/\//i, "");
}

function displayCode(code) {
  return String(code || "").replace(/(.{4})(?=.)/g, "$1-");
}

function expiry(at) {
  try {
    return new Intl.DateTimeFormat(language() === "uk" ? "uk-UA" : "en-GB", { dateStyle: "short" }).format(new Date(at));
  } catch (error) {
    return String(at).slice(0, 10);
  }
}

function centred(lines, width) {
  const widest = Math.max(0, ...lines.map((line) => line.length));
  const pad = " ".repeat(Math.max(0, Math.floor((width - widest) / 2)));
  return lines.map((line) => pad + line);
}

/** The lines printed at the end of the receipt for `claim`. */
export function receiptText(claim, qrLines, width) {
  const rule = "-".repeat(width);
  return [
    rule,
    t("receipt.heading"),
    ...(qrLines.length ? ["", ...centred(qrLines, width), ""] : []),
    t(qrLines.length ? "receipt.orOpen" : "receipt.open"),
    shortLink(claim.claim_url),
    t("receipt.code", { code: displayCode(claim.code) }),
    t("receipt.until", { date: expiry(claim.expires_at) }),
    rule,
  ].join("\n");
}

/**
 * Ask for the check's claim and put it on the receipt. Resolves true when it will print; false when this check
 * gets no QR (not synced, earns no stamps, or stampcard could not be reached in time: the receipt prints without).
 */
export async function printClaim(order) {
  const transactionId = orderName(order);
  if (!transactionId) return false;
  const settings = load();
  const width = Number(settings.printColumns) || 32;
  let claim;
  try {
    claim = await api.receipt(
      { check: { external_id: transactionId, total: dueMinor(order), currency: currency(), pos: "poster" } },
      { timeout: TIMEOUT_MS }, // no Idempotency-Key: the API gives a check its one claim back by itself
    );
  } catch (error) {
    return false;
  }
  let printed = false; // the QR, by the printer itself
  if (settings.receiptQr === RECEIPT_QR_PRINTER && canPrintQr()) {
    try {
      await orders.printReceipt(order.id, claim.claim_url, t("receipt.precheckTitle"));
      printed = true;
    } catch (error) {
      printed = false; // drawn with characters below, as on a register without it
    }
  }
  let qrLines = [];
  if (!printed && settings.receiptQr !== RECEIPT_QR_NONE) {
    try {
      qrLines = (await api.qrText({ data: claim.claim_url, columns: width }, { timeout: TIMEOUT_MS })).lines || [];
    } catch (error) {
      qrLines = []; // the link and code still print
    }
  }
  await orders.setPrintText(order.id, receiptText(claim, qrLines, width)).catch(() => {});
  return true;
}
