// The types: types.generated.d.ts is what the generator makes of
// openapi.yaml now, the YAML reader reads what it claims to, and the .d.ts
// files compile as a TypeScript user's project sees them.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { generate, OUT, parseYAML, SPEC } from "../scripts/gen-types.mjs";
import { kitRoot, run } from "./helpers.mjs";

test("types.generated.d.ts is what scripts/gen-types.mjs makes of openapi.yaml now", () => {
  const now = generate(readFileSync(SPEC, "utf8"));
  assert.ok(readFileSync(OUT, "utf8") === now, "types.generated.d.ts is stale: run `npm run gen-types` in js/");
  for (const name of ["Email", "SMS", "User", "Fault", "JournalEntry", "RealtimeEvent", "CoverageReport"]) {
    assert.match(now, new RegExp(`^export interface ${name} \\{$`, "m"));
  }
});

test("the YAML reader: the subset openapi.yaml is written in", () => {
  const doc = parseYAML(
    [
      "# a comment",
      "a:",
      "  b: {type: string, enum: ['', 'it''s', \"x\\ty\"], n: 12, f: false, z: null}",
      "  list:",
      "  - name: one",
      "    in: query",
      "  - [1, 2.5, {}]",
      "  text: |",
      "    two",
      "      lines",
      "",
      "  folded: >",
      "    one",
      "    line",
      "  plain: a value: with colons # and a comment",
      "  '200': {$ref: '#/x'}",
      "  long: {a: 1,",
      "    b: [x, y]}",
    ].join("\n"),
  );
  assert.deepEqual(doc, {
    a: {
      b: { type: "string", enum: ["", "it's", "x\ty"], n: 12, f: false, z: null },
      list: [{ name: "one", in: "query" }, [1, 2.5, {}]],
      text: "two\n  lines\n",
      folded: "one line\n",
      plain: "a value: with colons",
      200: { $ref: "#/x" },
      long: { a: 1, b: ["x", "y"] },
    },
  });
  assert.throws(() => parseYAML("a: 1\na: 2"), /openapi\.yaml:2: duplicate key a/);
  assert.throws(() => parseYAML("a: &anchor 1"), /anchors, aliases/);
  assert.throws(() => parseYAML("a: {b: 1"), /unclosed flow collection/);
});

test("the .d.ts files compile in a TypeScript project (tsc -p test/types)", async () => {
  const tsc = join(kitRoot, "node_modules", "typescript", "bin", "tsc");
  try {
    await run(process.execPath, [tsc, "-p", join(kitRoot, "test", "types")], { cwd: kitRoot });
  } catch (err) {
    assert.fail(`tsc found errors:\n${err.stdout}${err.stderr}`);
  }
});
