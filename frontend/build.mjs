// Bundles the scanner app (frontend/scanner/src) into the Django app's static folder, where `{% static %}` finds it:
// stampcard/scanner/static/scanner/dist/app.js and app.css. `node build.mjs --watch` rebuilds on every change.
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");

const options = {
  entryPoints: {
    app: path.join(here, "scanner/src/app.js"),
  },
  outdir: path.join(root, "stampcard/scanner/static/scanner/dist"),
  bundle: true,
  format: "iife",
  target: "es2020",
  minify: true,
  sourcemap: "linked",
  legalComments: "linked",
  logLevel: "warning",
};

if (process.argv.includes("--watch")) {
  const context = await esbuild.context(options);
  await context.watch();
  console.log("watching frontend/scanner/src ...");
} else {
  await esbuild.build(options);
}
