// Behaviours of the panel's accounts pages. Sign-up: the time zone select starts at the browser's own zone (the
// server could only guess it from the language); a zone the list does not know leaves the server's guess.

export function initAccounts(root) {
  for (const select of root.querySelectorAll("form[data-signup] select[data-time-zone]")) {
    if (select.dataset.timeZoneFilled) continue;
    select.dataset.timeZoneFilled = "true";
    let zone = "";
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch {
      continue;
    }
    // Older browsers still say Europe/Kiev; the tz database (and our list) has Europe/Kyiv as well.
    if ([...select.options].some((option) => option.value === zone)) {
      select.value = zone;
    }
  }
}
