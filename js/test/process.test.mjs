// startEmulator, stop and connect: finding the binary, the start line,
// failures before it, stopping (files written, exit status), the admin token.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { before, test } from "node:test";
import { createClient } from "altogic";
import { connect, startEmulator } from "altogic-emulator";
import { emulatorBinary, useTempDir } from "./helpers.mjs";

before(emulatorBinary);
const dir = useTempDir("altogic-emulator-process-");

// Runs fn with some environment variables changed, then puts them back.
async function withEnv(vars, fn) {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (v) => Object.entries(v).forEach(([k, x]) => (x === undefined ? delete process.env[k] : (process.env[k] = x)));
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

test("no binary anywhere: the error says how to get one", async () => {
  await withEnv({ ALTOGIC_EMULATOR_BIN: undefined, PATH: dir }, async () => {
    await assert.rejects(startEmulator(), (err) => {
      assert.match(err.message, /No altogic-emulator binary/);
      assert.match(err.message, /go install github\.com\/altogic-emulator\/altogic-emulator@latest/);
      assert.match(err.message, /Docker image/);
      assert.match(err.message, /go build/);
      return true;
    });
  });
});

test("a binary that cannot run: the error names it and says how to get one", async () => {
  const missing = join(dir, "no-such-emulator");
  await assert.rejects(startEmulator({ binary: missing }), (err) => {
    assert.ok(err.message.startsWith(`cannot run ${missing}: `), err.message);
    assert.match(err.message, /go install github\.com\/altogic-emulator\/altogic-emulator@latest/);
    return true;
  });
});

test("an emulator that exits before its start line: the error has its stderr", async () => {
  await assert.rejects(startEmulator({ fixtures: join(dir, "missing.yaml") }), (err) => {
    assert.match(err.message, /exited \(code 1\) before it started/);
    assert.match(err.message, /altogic-emulator: fixtures .*missing\.yaml/);
    return true;
  });
});

test("stop() waits for the exit: --export-on-exit and --coverage-out are written", async () => {
  const state = join(dir, "state.json");
  const coverage = join(dir, "coverage.json");
  const emu = await startEmulator({ args: ["--export-on-exit", state, "--coverage-out", coverage] });
  const env = emu.env("kept");
  await env.users.create({ email: "kept@example.com", password: "Passw0rd!" });
  await createClient(env.url, "any-key").auth.sendResetPwdCode("+15555555555");
  await env.waitForSms({ to: "+15555555555" });
  assert.equal(existsSync(state), false);

  await emu.stop();
  const snapshot = JSON.parse(readFileSync(state, "utf8"));
  assert.ok(snapshot.environments.kept.users.some((u) => u.email === "kept@example.com"));
  assert.equal(snapshot.environments.kept.sms.length, 1);
  const report = JSON.parse(readFileSync(coverage, "utf8"));
  assert.ok(report.operations.find((o) => o.operationId === "sendResetPwdCode").calls >= 1);
  await assert.rejects(fetch(`${emu.url}/_emulator/health`), "nothing listens any more");
  await emu.stop(); // a second stop answers the same
});

test("startEmulator() rejects when the emulator cannot start, with its error", async () => {
  await assert.rejects(startEmulator({ args: ["--export-on-exit", join(dir, "no-such-folder", "state.json")] }), (err) => {
    assert.match(err.message, /exited \(code 1\) before it started/);
    assert.match(err.message, /--export-on-exit .*no-such-folder.*: the file could not be written when the emulator stops/);
    return true;
  });
});

test("stop() rejects when the emulator exits non-zero, with its stderr", async () => {
  const goes = join(dir, "goes-away");
  mkdirSync(goes);
  const emu = await startEmulator({ args: ["--export-on-exit", join(goes, "state.json")] });
  rmSync(goes, { recursive: true });
  await assert.rejects(emu.stop(), (err) => {
    assert.match(err.message, /exited with code 1/);
    assert.match(err.message, /goes-away/);
    return true;
  });
});

test("port, fixtures and onLog", async () => {
  // A port that was free a moment ago.
  const probe = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => probe.once("listening", resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));

  const fixtures = join(dir, "one-user.yaml");
  writeFileSync(fixtures, 'users:\n  - email: solo@example.com\n    password: "Passw0rd!"\n    emailVerified: true\n');
  let logged;
  const captured = new Promise((resolve) => (logged = resolve));
  const emu = await startEmulator({
    port,
    fixtures,
    onLog: (line) => line.includes("email captured") && logged(line),
  });
  try {
    assert.equal(emu.url, `http://127.0.0.1:${port}`);
    assert.deepEqual((await emu.users.list()).map((u) => u.email), ["solo@example.com"]);
    await createClient(emu.url, "any-key").auth.sendResetPwdEmail("solo@example.com");
    assert.match(await captured, /to=solo@example\.com action=reset-pwd/);
  } finally {
    await emu.stop();
  }
});

test("adminToken: sent with every control call; connect() with and without it", async () => {
  const emu = await startEmulator({ adminToken: "s3cret" });
  try {
    assert.equal((await emu.users.list()).length, 5);

    const stranger = await connect(emu.url);
    await assert.rejects(stranger.users.list(), (err) => {
      assert.equal(err.status, 401);
      assert.equal(err.code, "admin_token_required");
      assert.match(err.message, /answered 401 admin_token_required: /);
      return true;
    });

    // connect() takes the root URL (an environment URL works too); its stop() does nothing.
    const owner = await connect(`${emu.url}/e:ci/`, { adminToken: "s3cret" });
    assert.equal(owner.url, emu.url);
    assert.equal(owner.env("ci").url, `${emu.url}/e:ci`);
    await owner.env("ci").clock.freeze();
    assert.equal((await emu.env("ci").clock.get()).frozen, true);
    await owner.stop();
    assert.deepEqual(await emu.health(), await owner.health());
  } finally {
    await emu.stop();
  }
});

test("connect() to nothing rejects", async () => {
  await assert.rejects(connect("http://127.0.0.1:9", { timeout: 200 }), /No emulator answers http:\/\/127\.0\.0\.1:9\/_emulator\/health/);
});
