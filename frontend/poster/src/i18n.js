// Every text of the app, in English and Ukrainian, following Poster's language setting (Poster.settings.lang:
// "ua", "ru", "en", "pl"...). The catalogs are bundled: the app runs inside the register, not on our pages, and must
// work offline. Ukrainian for "ua"; English for everything else, as we ship no other language yet.
import en from "./i18n/en.json";
import uk from "./i18n/uk.json";

const CATALOGS = { en, uk };
let current = "en";

export function languageFromPoster(lang) {
  const code = String(lang || "").toLowerCase();
  return code === "ua" || code === "uk" ? "uk" : "en";
}

export function setLanguage(lang) {
  current = CATALOGS[lang] ? lang : "en";
  if (typeof document !== "undefined") document.documentElement.lang = current;
}

export function language() {
  return current;
}

function lookup(key) {
  return CATALOGS[current][key] ?? CATALOGS.en[key] ?? key;
}

function fill(text, vars) {
  return String(text).replace(/\{(\w+)\}/g, (match, name) => (vars && name in vars ? String(vars[name]) : match));
}

/** The message for `key`, its `{name}` placeholders filled from `vars`. */
export function t(key, vars) {
  const text = lookup(key);
  return fill(typeof text === "object" ? text.other : text, vars);
}

/** A counted message: `key` holds {one, few, many, other} (Ukrainian) or {one, other} (English); `{n}` is the count. */
export function tn(key, count, vars) {
  const forms = lookup(key);
  if (typeof forms !== "object") return fill(forms, { n: count, ...vars });
  const rule = new Intl.PluralRules(current).select(count);
  return fill(forms[rule] ?? forms.other, { n: count, ...vars });
}

/** The message for an API error: ours for a known code, else the server's own (translated by Accept-Language). */
export function errorText(error) {
  const key = `error.${error.code}`;
  if (CATALOGS.en[key]) return t(key, error.details || {});
  return error.message || t("error.unknown");
}
