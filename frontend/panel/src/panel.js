// The merchant panel's script: htmx, plus the few behaviours every page shares. Pages work without it (plain
// forms and links); it makes them update in place and adds conveniences such as copy buttons.
import "./panel.css";
import htmx from "htmx.org";

import { initCommon } from "./common.js";
import { initDesigner } from "./designer.js";
import { initRewards } from "./rewards.js";
import { initOrganisation } from "./organisation.js";
import { initAccounts } from "./accounts.js";
import { initAnalytics } from "./analytics.js";

window.htmx = htmx;

function init(root) {
  initCommon(root);
  initDesigner(root);
  initRewards(root);
  initOrganisation(root);
  initAccounts(root);
  initAnalytics(root);
}

document.addEventListener("DOMContentLoaded", () => init(document));
// Content swapped in by htmx gets the same behaviours.
document.addEventListener("htmx:load", (event) => init(event.target));
