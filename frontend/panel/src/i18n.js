// Django's JavaScriptCatalog (/panel/jsi18n/, loaded before the bundle) defines gettext, ngettext and interpolate on
// window, in the staff member's language. Strings are marked with these exact names so that
// `manage.py makemessages -d djangojs` finds them; the fallbacks keep the panel working, in English, without it.

export function gettext(msgid) {
  return typeof window.gettext === "function" ? window.gettext(msgid) : msgid;
}

export function ngettext(singular, plural, count) {
  if (typeof window.ngettext === "function") return window.ngettext(singular, plural, count);
  return count === 1 ? singular : plural;
}

/** Fill a message's named placeholders: "%(name)s" takes values.name. */
export function fmt(format, values) {
  if (typeof window.interpolate === "function") return window.interpolate(format, values, true);
  return format.replace(/%\(\w+\)s/g, (match) => String(values[match.slice(2, -2)]));
}
