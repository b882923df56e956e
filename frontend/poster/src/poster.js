// The POS platform, wrapped in promises. `Poster` is the global the register injects into the app's iframe; the
// bare identifier is used, as window.Poster is not reliable at start-up on every register.
/* global Poster */

export function poster() {
  return typeof Poster !== "undefined" ? Poster : undefined;
}

export function posterSettings() {
  return (poster() && poster().settings) || {};
}

/** The order on screen (order or payment screen), or null anywhere else. */
export async function activeOrder() {
  const answer = await poster().orders.getActive();
  return (answer && answer.order) || null;
}

/** Methods documented as returning a promise are awaited; a method that returns nothing resolves at once. */
async function settle(value) {
  const result = await value;
  if (result && result.success === false) throw new Error("poster refused");
  return result;
}

export const orders = {
  setExtras: (orderId, key, value) => settle(poster().orders.setExtras(orderId, key, String(value))),
  setComment: (orderId, text) => settle(poster().orders.setOrderComment(orderId, text)),
  setBonus: (orderId, amount) => settle(poster().orders.setOrderBonus(orderId, amount)),
  addProduct: (orderId, productId) => settle(poster().orders.addProduct(orderId, { id: Number(productId) })),
  setPrintText: (orderId, text) => settle(poster().orders.setPrintText(orderId, text)),
  printReceipt: (orderId, qr, title) => settle(poster().orders.printReceipt(orderId, qr, title)),
};

/** Whether this register's POS platform prints a receipt with a QR Poster renders itself (orders.printReceipt). */
export function canPrintQr() {
  const platform = poster();
  return Boolean(platform && platform.orders && typeof platform.orders.printReceipt === "function");
}

export async function productGet(productId) {
  const found = await poster().products.get(Number(productId));
  return Array.isArray(found) ? found[0] : found;
}

export function popup(title) {
  poster().interface.popup({ width: 680, height: 600, title });
}

export function closePopup() {
  poster().interface.closePopup();
}

export function notify(title, message) {
  try {
    const shown = poster().interface.showNotification({ title, message, icon: "" });
    if (shown && typeof shown.catch === "function") shown.catch(() => {});
  } catch (error) {
    // A register without notifications: the popup already said what happened.
  }
}

/** The camera scanner exists only in Poster's Android and iOS apps (DOCS pos/interfaces/interface-scanBarcode). */
export function canScan() {
  const env = (poster() && poster().environment) || {};
  return Boolean((env.android || env.iOS) && poster().interface && typeof poster().interface.scanBarcode === "function");
}

/** The scanned text; "" when the cashier closed the scanner. Docs say {barcode}; a typed d.ts says a string. */
export async function scan() {
  const answer = await poster().interface.scanBarcode();
  if (typeof answer === "string") return answer.trim();
  return String((answer && answer.barcode) || "").trim();
}

/**
 * Poster.makeRequest as a promise of {code, result}. Poster proxies it through its backend (which signs it with
 * the application secret) and answers {code, result}: code is the HTTP status, 0 for a timeout or no internet, 1 for
 * a body that is not JSON; result the body (parsed or, on some registers, the raw string). The docs' own example
 * reads `answer.status`, so both names are read.
 */
export function makeRequest(url, options) {
  return new Promise((resolve) => {
    let settled = false;
    const done = (answer) => {
      if (settled) return;
      settled = true;
      resolve(answer || { code: 0, result: false });
    };
    try {
      poster().makeRequest(url, options, done);
    } catch (error) {
      done({ code: 0, result: false });
    }
    // A register that never calls back (seen when the network drops mid-request) must not hang the cashier.
    setTimeout(() => done({ code: 0, result: false }), (options.timeout || 10000) + 2000);
  });
}

/**
 * Poster.makeApiRequest (Poster's Web API with the app's own token) as a promise of the `response` part. The docs'
 * examples receive the response itself (e.g. the groups array); an envelope {response} is unwrapped too, and an
 * {error} or `false` rejects.
 */
export function apiRequest(method, options) {
  return new Promise((resolve, reject) => {
    try {
      poster().makeApiRequest(method, options, (answer) => {
        if (answer === false || answer === null || answer === undefined) return reject(new Error("poster api failed"));
        if (typeof answer === "object" && answer.error) {
          const error = new Error(answer.error.message || "poster api error");
          error.posterCode = answer.error.code;
          return reject(error);
        }
        resolve(typeof answer === "object" && "response" in answer ? answer.response : answer);
      });
    } catch (error) {
      reject(error);
    }
  });
}
