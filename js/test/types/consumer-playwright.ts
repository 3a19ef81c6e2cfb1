// altogic-emulator/playwright as a TypeScript Playwright suite uses it,
// checked against a stub of @playwright/test's types.
import { test as base } from "@playwright/test";
import { emulatorFixtures, envIdFor, expect, extend, test } from "altogic-emulator/playwright";

test.use({ emulatorOptions: { fixtures: "e2e.yaml", adminToken: "t" } });
test.use({ emulatorOptions: { url: "http://127.0.0.1:8484" } });

test("reset", async ({ page, env, emulator }) => {
  await page.goto(env.url);
  const mail = await env.waitForEmail({ to: "verified@example.com", action: "reset-pwd" });
  expect((await env.followLink(mail)).status).toBe(200);
  await emulator.env("other").reset();
});

const mine = extend(base);
mine("extended", async ({ env }) => {
  await env.reset();
});
base.extend(emulatorFixtures());
const id: string = envIdFor({ workerIndex: 0, testId: "abc", retry: 1 });
void id;
