// Bundles the merchant panel's assets into the Django app's static folder, where `{% static %}` finds them:
// stampcard/panel/static/panel/dist/panel.js, panel.css (htmx and the panel's few behaviours; one stylesheet) and
// icons.svg, a sprite of the Lucide icons listed in icons.txt (`{% icon "name" %}` points into it).
// `node panel/build.mjs --watch` rebuilds on every change.
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";
import fs from "node:fs";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const outdir = path.join(root, "stampcard/panel/static/panel/dist");
const lucide = path.join(here, "../node_modules/lucide-static/icons");

function buildSprite() {
  const names = fs.readFileSync(path.join(here, "icons.txt"), "utf8")
    .split("\n").map((line) => line.trim()).filter((line) => line && !line.startsWith("#"));
  const symbols = names.map((name) => {
    const svg = fs.readFileSync(path.join(lucide, `${name}.svg`), "utf8");
    const body = svg.slice(svg.indexOf(">", svg.indexOf("<svg")) + 1, svg.lastIndexOf("</svg>")).trim();
    // Stroke attributes go on each symbol: a <use> clone inherits from the page, not from this file's root.
    return `<symbol id="${name}" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" ` +
      `stroke-linecap="round" stroke-linejoin="round">${body}</symbol>`;
  });
  fs.mkdirSync(outdir, { recursive: true });
  fs.writeFileSync(path.join(outdir, "icons.svg"),
    "<!-- Lucide icons, ISC license (https://lucide.dev/license) -->\n" +
    `<svg xmlns="http://www.w3.org/2000/svg">${symbols.join("")}</svg>\n`);
}

const options = {
  entryPoints: { panel: path.join(here, "src/panel.js") },
  outdir,
  bundle: true,
  // Stylesheets of bundled libraries (Leaflet's) point at their images: they are copied beside the bundle.
  loader: { ".png": "file" },
  format: "iife",
  target: "es2020",
  minify: true,
  sourcemap: "linked",
  legalComments: "linked",
  logLevel: "warning",
};

buildSprite();
if (process.argv.includes("--watch")) {
  const context = await esbuild.context(options);
  await context.watch();
  console.log("watching frontend/panel/src ...");
} else {
  await esbuild.build(options);
}
