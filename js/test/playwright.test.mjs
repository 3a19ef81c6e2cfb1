// altogic-emulator/playwright without Playwright: the environment ids, and
// the fixtures driven as Playwright drives them (a worker's emulator around
// its tests' environments), through a stand-in for test.extend.

import assert from "node:assert/strict";
import { before, test } from "node:test";
import { startEmulator } from "altogic-emulator";
import { emulatorFixtures, envIdFor, expect, extend, test as playwrightTest } from "altogic-emulator/playwright";
import { emulatorBinary, PASSWORD } from "./helpers.mjs";

before(emulatorBinary);

// A stand-in for Playwright's test: extend() records the fixtures.
const fakeTest = { extend: (fixtures) => ({ fixtures }) };

// What Playwright gives a fixture about the test it runs for.
const testInfo = (workerIndex, testId, retry = 0) => ({ workerIndex, testId, retry, repeatEachIndex: 0 });

// Runs the worker fixture `emulator` around `body`, as a Playwright worker does.
async function inWorker(fixtures, emulatorOptions, body) {
  const [setUp, { scope }] = fixtures.emulator;
  assert.equal(scope, "worker");
  let emulator;
  await setUp({ emulatorOptions }, async (emu) => {
    emulator = emu;
    await body(emu);
  });
  return emulator;
}

// Runs the test fixture `env` around `body`, as Playwright does for one test.
const inTest = (fixtures, emulator, info, body) => fixtures.env({ emulator }, body, info);

test("envIdFor: pw-<worker>-<hash>, one per test, retry and repeat", () => {
  const id = envIdFor(testInfo(3, "a1b2c3-d4e5f6"));
  assert.match(id, /^pw-3-[0-9a-f]{12}$/);
  assert.equal(envIdFor(testInfo(3, "a1b2c3-d4e5f6")), id, "the same test, the same id");
  assert.notEqual(envIdFor(testInfo(3, "a1b2c3-d4e5f7")), id);
  assert.equal(envIdFor(testInfo(4, "a1b2c3-d4e5f6")), id.replace("pw-3-", "pw-4-"), "another worker, another prefix");
  assert.notEqual(envIdFor(testInfo(3, "a1b2c3-d4e5f6", 1)), id, "a retry starts afresh");
  assert.notEqual(envIdFor({ ...testInfo(3, "a1b2c3-d4e5f6"), repeatEachIndex: 1 }), id);
  assert.ok(envIdFor(testInfo(123456, "x".repeat(500))).length <= 64);
});

test("the fixtures: a worker-scoped option and emulator, a test-scoped env", () => {
  const { fixtures } = extend(fakeTest);
  assert.deepEqual(Object.keys(fixtures).sort(), ["emulator", "emulatorOptions", "env"]);
  assert.deepEqual(fixtures.emulatorOptions, [{}, { scope: "worker", option: true }]);
  assert.equal(typeof fixtures.env, "function", "test scope: a bare function");
  // Playwright reads each fixture's first parameter as an object pattern
  // to learn what it depends on.
  assert.match(fixtures.emulator[0].toString(), /^async \(\{ emulatorOptions \}, use\)/);
  assert.match(fixtures.env.toString(), /^async \(\{ emulator \}, use, testInfo\)/);
  assert.deepEqual(Object.keys(emulatorFixtures()), Object.keys(fixtures));
});

test("a worker's emulator, and an environment of its own for each test", async () => {
  const { fixtures } = extend(fakeTest);
  const seen = [];
  const emulator = await inWorker(fixtures, {}, async (emu) => {
    for (const info of [testInfo(2, "first"), testInfo(2, "second")]) {
      await inTest(fixtures, emu, info, async (env) => {
        assert.equal(env.id, envIdFor(info));
        assert.equal(env.url, `${emu.url}/e:${env.id}`);
        // Nothing of the test before is here.
        assert.deepEqual((await env.users.list()).filter((u) => u.email?.startsWith("pw-")), []);
        await env.users.create({ email: `pw-${info.testId}@example.com`, password: PASSWORD });
        assert.ok((await emu.environments()).includes(env.id));
        seen.push(env.id);
      });
      // The environment is deleted when its test ends.
      assert.ok(!(await emu.environments()).includes(seen.at(-1)));
    }
  });
  assert.equal(seen.length, 2);
  assert.notEqual(seen[0], seen[1]);
  // The worker's emulator is stopped when the worker ends.
  await assert.rejects(fetch(`${emulator.url}/_emulator/health`));
});

test("emulatorOptions: start options, or the url of an emulator to connect to", async () => {
  const { fixtures } = extend(fakeTest);
  const shared = await startEmulator({ adminToken: "pw-token" });
  try {
    // { url } connects: the worker's stop() leaves the shared emulator running.
    await inWorker(fixtures, { url: shared.url, adminToken: "pw-token" }, async (emu) => {
      assert.equal(emu.url, shared.url);
      await inTest(fixtures, emu, testInfo(0, "connected"), async (env) => {
        await env.clock.advance("1h");
        assert.equal((await shared.env(env.id).clock.get()).offset, "1h0m0s");
      });
    });
    assert.equal((await shared.health()).status, "ok");

    // So does $ALTOGIC_EMULATOR_URL.
    process.env.ALTOGIC_EMULATOR_URL = shared.url;
    process.env.ALTOGIC_EMULATOR_ADMIN_TOKEN = "pw-token";
    try {
      await inWorker(fixtures, {}, async (emu) => assert.equal((await emu.users.list()).length, 5));
    } finally {
      delete process.env.ALTOGIC_EMULATOR_URL;
      delete process.env.ALTOGIC_EMULATOR_ADMIN_TOKEN;
    }
    assert.equal((await shared.health()).status, "ok");
  } finally {
    await shared.stop();
  }

  // Start options reach startEmulator.
  await inWorker(fixtures, { adminToken: "own-token" }, async (emu) => {
    const res = await fetch(`${emu.url}/_emulator/users`);
    assert.equal(res.status, 401, "started with --admin-token");
    assert.equal((await emu.users.list()).length, 5, "and the handle sends it");
  });
});

test("without @playwright/test, test and expect say what to install", () => {
  assert.throws(() => playwrightTest("x", () => {}), /needs @playwright\/test: npm install --save-dev @playwright\/test/);
  assert.throws(() => playwrightTest.describe, /needs @playwright\/test/);
  assert.throws(() => expect(1), /expect needs @playwright\/test/);
});
