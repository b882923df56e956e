// Recording a gift in the Poster check, then telling stampcard it was handed over (POST /rewards/{id}/hand-over).
//
// Two ways, chosen in the settings (why: docs/poster.md, "For merchants"):
// - zero_price (default): the real menu item the merchant picked is added to the check at price 0 through Poster's
//   Web API, transactions.addTransactionProduct with price 0 (called with the app's own token through
//   Poster.makeApiRequest). The item is sold, so its recipe or stock is written off; no money is involved, so the
//   shift's cash balance is right. The POS platform's own orders.addProduct cannot set a price, hence the Web API;
//   it needs the order's transaction id (Order.orderName), i.e. an order that has synced. An independent project
//   verified on a real register that the zero-price line appears on the register at once (reference/poster.md §4).
// - bonus: the item is added at its menu price (orders.addProduct) and the same amount is set as paid "by the
//   application" with orders.setOrderBonus (Poster's loyalty path). Stock is written off too, the money taken is
//   the rest; reports show the gift as a bonus payment instead of a line at 0. Unconfirmed: setOrderBonus's unit
//   (assumed major units, like every POS order field).
import { api, ApiError } from "./api.js";
import { addToOrderBonus, orderName } from "./checkout.js";
import { majorToMinor } from "./money.js";
import { EXTRAS_GIFTS } from "./order-marks.js";
import { apiRequest, orders, posterSettings, productGet } from "./poster.js";
import { currency, GIFT_BONUS, load } from "./settings.js";

export class GiftError extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
}

async function addAtZeroPrice(order, productId) {
  const transactionId = orderName(order);
  if (!transactionId) throw new GiftError("gift_order_not_synced");
  const settings = posterSettings();
  let answer;
  try {
    answer = await apiRequest("transactions.addTransactionProduct", {
      method: "post",
      data: {
        spot_id: settings.spotId,
        spot_tablet_id: settings.spotTabletId,
        transaction_id: transactionId,
        product_id: productId,
        price: 0,
      },
    });
  } catch (error) {
    throw new GiftError("gift_line_refused");
  }
  if (!answer || !answer.transaction_product) throw new GiftError("gift_line_refused");
}

async function addAsBonus(session, order, productId) {
  const product = await productGet(productId);
  if (!product) throw new GiftError("gift_product_missing");
  await orders.addProduct(order.id, productId);
  await addToOrderBonus(session, order, majorToMinor(product.price, currency()));
}

/** Record `reward` (an award ready on the card) in the order, then hand it over. Safe to tap again after a failure:
 * a gift already in the order is only handed over. */
export async function recordGift(session, order, reward, productId) {
  const current = load();
  const product = String(productId || current.giftProductId || "");
  if (!product) throw new GiftError("gift_product_missing");
  if (!session.recorded.has(`line:${reward.id}`)) {
    if (current.giftMode === GIFT_BONUS) await addAsBonus(session, order, product);
    else await addAtZeroPrice(order, product);
    session.recorded.add(`line:${reward.id}`);
  }
  try {
    await api.handOver(reward.id);
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== "reward_already_handed_over") throw error;
  }
  session.recorded.add(reward.id);
  const ids = [...session.recorded].filter((id) => !id.startsWith("line:"));
  await orders.setExtras(order.id, EXTRAS_GIFTS, JSON.stringify(ids)).catch(() => {});
}

/** The awards on the card not recorded in this order yet (vouchers and lotteries have their own flows). */
export function giftsToRecord(session) {
  const ready = (session.card && session.card.rewards_ready) || [];
  return ready.filter((reward) => reward.kind === "award" && reward.state === "ready" && !session.recorded.has(reward.id));
}
