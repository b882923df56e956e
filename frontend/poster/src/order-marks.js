// What the app writes on a Poster order so that the server can finish the check without it (stampcard/poster/
// sync.py reads exactly this; tests/poster/test_pos_app_offline.py proves the round trip):
//
// - the order's extras, key "stampcard_card": the card's six-digit number when the customer is identified; when the
//   commit could not be sent at close, a JSON object {"card", "total", "currency", "status": "pending"} (the commit
//   kept on the order). Poster syncs extras when the register is back online (DOCS pos/orders/orders-setExtras).
// - the order's comment, appended: "stampcard:<number>". Poster documents extras on the POS order only; no Web API
//   answer carries them, so the comment (dash.getTransaction's transaction_comment) is what the webhook reads today.
//   Poster prints the comment on the receipt when "print order comment" is on; the marker is short on purpose.
export const EXTRAS_CARD = "stampcard_card";
export const EXTRAS_GIFTS = "stampcard_gifts";

const MARKER = /\s*stampcard\s*[:#]\s*(SC1:[0-9A-Z]{26}|\d{6})(?![0-9A-Z])/gi;

export function commentWithoutCard(comment) {
  return String(comment || "").replace(MARKER, "").trim();
}

export function commentWithCard(comment, number) {
  const kept = commentWithoutCard(comment);
  return kept ? `${kept} stampcard:${number}` : `stampcard:${number}`;
}

export function pendingCommit({ card, total, currency }) {
  return JSON.stringify({ card, total, currency, status: "pending" });
}

/** The card number this order names, from its extras or its comment; "" if none. */
export function cardOfOrder(order) {
  if (!order) return "";
  const extras = order.extras || {};
  let value = extras[EXTRAS_CARD];
  if (typeof value === "string" && value.trim().startsWith("{")) {
    try {
      value = JSON.parse(value).card;
    } catch (error) {
      value = "";
    }
  }
  if (value) return String(value).trim().toUpperCase();
  MARKER.lastIndex = 0;
  const found = MARKER.exec(order.comment || "");
  MARKER.lastIndex = 0;
  return found ? found[1].toUpperCase() : "";
}

export function giftsOfOrder(order) {
  try {
    const value = JSON.parse(((order && order.extras) || {})[EXTRAS_GIFTS] || "[]");
    return Array.isArray(value) ? value.map(String) : [];
  } catch (error) {
    return [];
  }
}
