// What the app knows about each open order on this register: the card named on it, the last preview, the gifts
// recorded in it, whether its check was committed. In memory (orders are short-lived); the part the server needs
// is also written on the order itself (order-marks.js).
import { cardOfOrder, giftsOfOrder } from "./order-marks.js";

const sessions = new Map();

export function sessionOf(order) {
  const id = String(order.id);
  let session = sessions.get(id);
  if (!session) {
    session = {
      orderId: order.id,
      cardNumber: cardOfOrder(order),
      card: null, // the API's card payload, once fetched
      preview: null,
      recorded: new Set(giftsOfOrder(order)), // reward ids recorded in this order
      bonusMinor: 0, // sum recorded with setOrderBonus (bonus mode)
      committed: null, // the commit's answer, once sent
      drawn: [], // lottery draws shown for this order
    };
    sessions.set(id, session);
  }
  return session;
}

export function forgetSession(order) {
  sessions.delete(String(order.id));
}
