// The check of a Poster order, as stampcard sees it: external id = Poster's transaction_id (Order.orderName, known
// once the order has synced), total in minor units, pos "poster" (docs/poster.md §4).
import { api } from "./api.js";
import { currencyDigits, majorToMinor } from "./money.js";
import { commentWithCard, commentWithoutCard, EXTRAS_CARD, pendingCommit } from "./order-marks.js";
import { orders, posterSettings } from "./poster.js";
import { currency } from "./settings.js";

const OUTBOX = "stampcard.poster.outbox.v1";
const OUTBOX_MAX_AGE_MS = 2 * 24 * 3600 * 1000; // Poster's own webhook retries stop after two days too

export function orderName(order) {
  const name = order && order.orderName;
  return name === undefined || name === null || name === 0 || name === "0" ? "" : String(name).trim();
}

/**
 * What the customer pays in money before the order closes: Order.total ("to pay", major units) less what an app
 * covered with Poster.orders.setOrderBonus (Order.platformDiscount, major units). Poster's paid sum, which the
 * webhook reconciles to, excludes bonus payments the same way.
 */
export function dueMinor(order) {
  return Math.max(majorToMinor(order.total, currency()) - bonusMinor(order), 0);
}

/** What apps have covered with Poster.orders.setOrderBonus so far (Order.platformDiscount), in minor units. */
export function bonusMinor(order) {
  return majorToMinor(order.platformDiscount || 0, currency());
}

/**
 * Cover `minor` more of the order with Poster.orders.setOrderBonus ("the order amount paid through your
 * application", DOCS pos/orders/orders-setOrderBonus). It sets the order's bonus, it does not add to it: the new
 * value is what the order already has (from this session or from the order itself, after a restart) plus `minor`.
 * Poster's paid sum (cash + card), which stamps follow, is the rest. Unconfirmed: the unit, taken as major units
 * like every POS order field.
 */
export async function addToOrderBonus(session, order, minor) {
  const total = Math.max(session.bonusMinor, bonusMinor(order)) + minor;
  await orders.setBonus(order.id, total / 10 ** currencyDigits(currency()));
  session.bonusMinor = total;
  return total;
}

/** What was paid in money at close: cash + card (Poster's payed_sum); the due amount if the register left them 0. */
export function paidMinor(order) {
  const cur = currency();
  const paid = majorToMinor(order.payedCash || 0, cur) + majorToMinor(order.payedCard || 0, cur);
  if (paid > 0) return paid;
  if (order.payType === "close") return 0; // closed without payment
  return Math.max(dueMinor(order) - majorToMinor(order.payedBonus || 0, cur), 0);
}

function check(order, total) {
  // A preview before the order has synced needs some id; it is never committed under it.
  return { external_id: orderName(order) || `order-${order.id}`, total, currency: currency(), pos: "poster" };
}

export async function previewFor(session, order, options) {
  session.preview = await api.preview({ card: session.cardNumber, check: check(order, dueMinor(order)) }, options);
  session.card = session.preview.card;
  return session.preview;
}

/** Name the card on the order (extras and comment marker), so that it is remembered even if the app is not. */
export async function attachCard(session, order, card) {
  session.card = card;
  session.cardNumber = card.number;
  session.preview = null;
  await Promise.all([
    orders.setExtras(order.id, EXTRAS_CARD, card.number).catch(() => {}),
    orders.setComment(order.id, commentWithCard(order.comment, card.number)).catch(() => {}),
  ]);
}

export async function detachCard(session, order) {
  session.card = null;
  session.cardNumber = "";
  session.preview = null;
  await Promise.all([
    orders.setExtras(order.id, EXTRAS_CARD, "").catch(() => {}),
    orders.setComment(order.id, commentWithoutCard(order.comment)).catch(() => {}),
  ]);
}

function commitBody(session, order, total) {
  const body = { card: session.cardNumber, check: { external_id: orderName(order), total, currency: currency() } };
  if (order.dateClose) body.check.closed_at = new Date(Number(order.dateClose)).toISOString();
  return body;
}

/** Keep the commit on the order for the webhook to complete (offline, or not synced yet). */
async function keepOnOrder(session, order, total) {
  await orders
    .setExtras(order.id, EXTRAS_CARD, pendingCommit({ card: session.cardNumber, total, currency: currency() }))
    .catch(() => {});
  return { pending: true };
}

/**
 * Commit the order's check through Poster.makeRequest (signed by Poster). Resolves the API's answer, or
 * {pending: true} when the commit stays on the order for Poster's webhook (no transaction id yet, or no internet);
 * rejects with the ApiError of a refusal.
 */
export async function commitOrder(session, order, total) {
  if (session.committed) return session.committed;
  if (!orderName(order)) return keepOnOrder(session, order, total);
  const body = commitBody(session, order, total);
  try {
    session.committed = await api.commit(body);
  } catch (error) {
    if (!error.offline) throw error;
    outboxAdd(body);
    return keepOnOrder(session, order, total);
  }
  outboxFlush();
  return session.committed;
}

// Commits that had a transaction id but no answer: tried again later (idempotent on the check, so a commit that did
// land meanwhile, by the app or by the webhook, is only replayed).
function outboxRead() {
  try {
    return JSON.parse(window.localStorage.getItem(OUTBOX) || "[]") || [];
  } catch (error) {
    return [];
  }
}

function outboxWrite(items) {
  try {
    window.localStorage.setItem(OUTBOX, JSON.stringify(items));
  } catch (error) {
    // nothing to do: the webhook completes these checks anyway
  }
}

function outboxAdd(body) {
  outboxWrite([...outboxRead(), { body, at: Date.now(), account: posterSettings().accountUrl || "" }]);
}

let flushing = false;

export async function outboxFlush() {
  if (flushing) return;
  flushing = true;
  try {
    const all = outboxRead();
    const items = all.filter((item) => Date.now() - item.at <= OUTBOX_MAX_AGE_MS);
    const left = [];
    for (let index = 0; index < items.length; index += 1) {
      try {
        await api.commit(items[index].body);
      } catch (error) {
        if (error.offline) {
          left.push(...items.slice(index)); // still offline: keep the rest for later
          break;
        }
        if (error.status === 429 || error.status >= 500) left.push(items[index]);
      }
    }
    const same = (a, b) => a.at === b.at && a.body.check.external_id === b.body.check.external_id;
    const added = outboxRead().filter((item) => !all.some((seen) => same(seen, item))); // queued meanwhile
    outboxWrite([...left, ...added]);
  } finally {
    flushing = false;
  }
}
