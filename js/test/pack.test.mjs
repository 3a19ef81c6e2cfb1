// The package as users get it: packed with npm pack, installed into a fresh
// project next to the official client, and used there by a script and by
// the README's example test.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { emulatorBinary, kitRoot, run, useTempDir } from "./helpers.mjs";

before(emulatorBinary);
const dir = useTempDir("altogic-emulator-pack-");

// The script a user would write: the SMS reset flow, then stop.
const SCRIPT = `
import { startEmulator } from "altogic-emulator";
import { envIdFor } from "altogic-emulator/playwright";
import { createClient } from "altogic";

const emu = await startEmulator();
try {
  const altogic = createClient(emu.url, "any-client-key");
  let { errors } = await altogic.auth.sendResetPwdCode("+15555555555");
  if (errors) throw new Error(JSON.stringify(errors));
  const sms = await emu.waitForSms({ to: "+15555555555", action: "reset-pwd-code" });
  ({ errors } = await altogic.auth.resetPwdWithCode("+15555555555", sms.code, "N3w-secret"));
  if (errors) throw new Error(JSON.stringify(errors));
  const { user } = await altogic.auth.signInWithPhone("+15555555555", "N3w-secret");
  console.log(JSON.stringify({ phone: user.phone, envId: envIdFor({ workerIndex: 0, testId: "t" }) }));
} finally {
  await emu.stop();
}
`;

test("npm pack, install into a fresh project, run a script and the README's example", { timeout: 300_000 }, async () => {
  const packed = JSON.parse((await run("npm", ["pack", "--json", "--pack-destination", dir], { cwd: kitRoot })).stdout)[0];
  assert.deepEqual(
    packed.files.map((f) => f.path).sort(),
    ["LICENSE", "README.md", "index.d.ts", "index.js", "package.json", "playwright.d.ts", "playwright.js", "types.generated.d.ts"],
  );
  assert.equal(packed.version, "0.1.0");

  const project = join(dir, "project");
  mkdirSync(project);
  await run("npm", ["init", "-y"], { cwd: project });
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", join(dir, packed.filename), "altogic@2.3.9"], { cwd: project });
  assert.ok(existsSync(join(project, "node_modules", "altogic-emulator", "types.generated.d.ts")));

  writeFileSync(join(project, "flow.mjs"), SCRIPT);
  const { stdout } = await run(process.execPath, ["flow.mjs"], { cwd: project });
  const result = JSON.parse(stdout);
  assert.equal(result.phone, "+15555555555");
  assert.match(result.envId, /^pw-0-[0-9a-f]{12}$/);

  // The README's example test, as written there.
  const readme = readFileSync(join(kitRoot, "README.md"), "utf8");
  const example = /## The password-reset flows in a test\n[^]*?```js\n([^]*?)```/.exec(readme)[1];
  writeFileSync(join(project, "reset.test.mjs"), example);
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // set for this file's own run; the example is a run of its own
  const ran = await run(process.execPath, ["--test", "--test-reporter=tap", "reset.test.mjs"], { cwd: project, env }).catch((err) => err);
  const tests = example.match(/^test\(/gm).length;
  assert.match(ran.stdout, new RegExp(`^# pass ${tests}$`, "m"), `the README's example test:\n${ran.stdout}${ran.stderr}`);
});
