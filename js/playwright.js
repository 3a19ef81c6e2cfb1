// altogic-emulator/playwright: Playwright's `test` with an emulator per
// worker and an environment of its own for every test.
//
//   import { test, expect } from "altogic-emulator/playwright";
//   test("reset", async ({ page, env }) => {
//     // point the app at env.url, then:
//     const mail = await env.waitForEmail({ to: "verified@example.com", action: "reset-pwd" });
//   });
//
// @playwright/test is an optional peer dependency, loaded only by this
// module; extend(base) adds the fixtures to any `test` (one already
// extended, say) and needs nothing from Playwright itself.

import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { connect, startEmulator } from "./index.js";

/**
 * The environment id of one test: `pw-<worker index>-<hash>`, the hash of
 * the test's id, repeat and retry, so that no two tests (nor two runs of one)
 * share an environment.
 */
export function envIdFor({ workerIndex, testId, repeatEachIndex = 0, retry = 0 }) {
  const hash = createHash("sha256").update(`${testId}\0${repeatEachIndex}\0${retry}`).digest("hex").slice(0, 12);
  return `pw-${workerIndex}-${hash}`;
}

/**
 * The fixtures, for `base.extend(emulatorFixtures())`:
 * - `emulatorOptions` (worker option): startEmulator's options, or `{ url }`
 *   (default `$ALTOGIC_EMULATOR_URL`) to connect to an emulator that runs;
 * - `emulator` (worker): the emulator, started once per worker and stopped
 *   when the worker ends;
 * - `env` (test): an environment of that emulator for this test only,
 *   deleted when the test ends.
 *
 * Playwright reads each fixture's first parameter to learn what it uses, so
 * it must stay an object pattern.
 */
export function emulatorFixtures() {
  return {
    emulatorOptions: [{}, { scope: "worker", option: true }],
    emulator: [
      async ({ emulatorOptions }, use) => {
        const { url = process.env.ALTOGIC_EMULATOR_URL, ...options } = emulatorOptions ?? {};
        const emu = url ? await connect(url, options) : await startEmulator(options);
        try {
          await use(emu);
        } finally {
          await emu.stop();
        }
      },
      { scope: "worker" },
    ],
    env: async ({ emulator }, use, testInfo) => {
      const env = emulator.env(envIdFor(testInfo));
      await use(env);
      await env.deleteEnvironment();
    },
  };
}

/** `base` (a Playwright `test`) with the fixtures `emulatorOptions`, `emulator` and `env`. */
export function extend(base) {
  return base.extend(emulatorFixtures());
}

// @playwright/test, from where this package is installed; undefined when it
// is not installed.
function loadPlaywright() {
  try {
    return createRequire(import.meta.url)("@playwright/test");
  } catch (err) {
    if (err?.code === "MODULE_NOT_FOUND" && String(err.message).includes("@playwright/test")) return undefined;
    throw err;
  }
}

// Stands in for `test` and `expect` without @playwright/test: any use throws.
function missing(name) {
  const fail = () => {
    throw new Error(`altogic-emulator/playwright: ${name} needs @playwright/test: npm install --save-dev @playwright/test`);
  };
  return new Proxy(function () {}, { get: (_, key) => (typeof key === "symbol" ? undefined : fail()), apply: fail });
}

const playwright = loadPlaywright();

/** Playwright's `test`, with the fixtures `emulatorOptions`, `emulator` and `env`. */
export const test = playwright ? extend(playwright.test) : missing("test");
/** Playwright's `expect`. */
export const expect = playwright ? playwright.expect : missing("expect");
