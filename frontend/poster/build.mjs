// Bundles the stampcard app for the Poster register (frontend/poster/src) into one self-contained script, as
// Poster's POS platform loads it (CSS and translations inlined): stampcard/poster/static/poster/dist/app.js.
// `node poster/build.mjs --watch` rebuilds on every change. STAMPCARD_URL=https://... bakes in the default server
// address the app offers in its settings (the merchant can change it there; see docs/poster.md).
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");

const options = {
  entryPoints: { app: path.join(here, "src/main.js") },
  outdir: path.join(root, "stampcard/poster/static/poster/dist"),
  bundle: true,
  format: "iife",
  // Poster's registers include older Android WebViews and iPads: stay on syntax they run (esbuild cannot lower
  // destructuring for Safari before 15, hence that floor).
  target: ["es2019", "chrome70", "safari15"],
  minify: true,
  sourcemap: "linked",
  legalComments: "linked",
  loader: { ".css": "text" },
  define: { __STAMPCARD_URL__: JSON.stringify(process.env.STAMPCARD_URL || "") },
  logLevel: "warning",
};

if (process.argv.includes("--watch")) {
  const context = await esbuild.context(options);
  await context.watch();
  console.log("watching frontend/poster/src ...");
} else {
  await esbuild.build(options);
}
