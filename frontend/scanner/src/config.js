// What the Django page tells the bundle (json_script "scanner-config"): URLs, language, timings.
const element = document.getElementById("scanner-config");
export const config = Object.freeze({
  app: "/scanner/",
  api: "/scanner/api/",
  sw: "/scanner/sw.js",
  kioskIdleSeconds: 45,
  ...(element ? JSON.parse(element.textContent) : {}),
});
