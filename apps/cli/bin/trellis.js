#!/usr/bin/env node
// `npx trellis` / `trellis`: runs the compiled CLI. This file is committed (the compiled
// dist/main.js is not), so npm can link the bin at install time, before the first build.
import("../dist/main.js").catch((err) => {
  if (err?.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist/main.js")) {
    console.error("trellis: the CLI is not built yet — run `npm run build` (or `npm start`) first.");
    process.exit(1);
  }
  throw err;
});
