// The inbox page, used as a person would, in headless Chromium (Debian's
// chromium package, driven by playwright-core). go test starts the
// emulator with testdata/e2e.yaml and sets EMULATOR_URL
// (TestInboxPageInChromium in e2e_test.go).
"use strict";

const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const fs = require("node:fs");
const { chromium } = require("playwright-core");
const { createClient } = require("altogic");

const BASE = process.env.EMULATOR_URL;
if (!BASE) throw new Error("EMULATOR_URL is not set: run this through go test (TestInboxPageInChromium)");
const ARTIFACTS = process.env.ARTIFACTS_DIR || path.join(__dirname, "..", "artifacts");
const KEY = "e2e-client-key";

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});
after(async () => browser && browser.close());

async function openInbox(envUrl) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(`${envUrl}/_emulator/`);
  await page.locator('#live[data-live="on"]').waitFor(); // the event stream is open
  await page.evaluate(() => { window.__sameDocument = true; });
  return { page, errors };
}

test("a reset email appears live, opens, and its link lands on the Redirect URL", async () => {
  const envUrl = `${BASE}/e:page-${process.pid}`;
  // Land somewhere the browser can load: the emulator's own health answer.
  await fetch(`${envUrl}/_emulator/config`, {
    method: "PATCH", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ redirectUrl: `${envUrl}/_emulator/health?from=inbox` }),
  });
  const { page, errors } = await openInbox(envUrl);
  const client = createClient(envUrl, KEY);

  assert.equal((await client.auth.sendResetPwdEmail("vera@example.com")).errors, null);
  const item = page.getByRole("button", { name: /Reset your password/ });
  await item.waitFor();
  assert.equal(await page.evaluate(() => window.__sameDocument), true, "the message arrived without a reload");

  await item.click();
  const frame = page.locator('iframe[title="Email HTML"]');
  assert.equal(await frame.getAttribute("sandbox"), "", "email HTML runs in a sandbox without scripts");
  await page.frameLocator('iframe[title="Email HTML"]').getByText("Reset password").waitFor();
  await page.getByRole("button", { name: "Text" }).click();
  assert.match(await page.locator("article pre").innerText(), /choose a new password/);

  await client.auth.sendResetPwdCode("+15555555555");
  const sms = page.getByRole("button", { name: /Code \d{6}/ });
  await sms.waitFor();
  await sms.click();
  assert.match(await page.locator(".code").innerText(), /^\d{6}$/);
  await page.getByRole("button", { name: "Copy code" }).waitFor();

  // Filters, and the users table.
  await page.getByLabel("Action").selectOption("reset-pwd");
  assert.equal(await page.locator("#list button").count(), 1);
  await page.getByLabel("Action").selectOption("");
  assert.match(await page.locator("#users").innerText(), /vera@example\.com/);

  await page.getByRole("button", { name: /Reset your password/ }).click();
  await page.frameLocator('iframe[title="Email HTML"]').getByText("Reset password").waitFor();
  await page.screenshot({ path: path.join(ARTIFACTS, "inbox-page.png"), fullPage: true });

  await page.getByRole("link", { name: "Open link" }).click();
  await page.waitForURL(/action=reset-pwd/);
  const landed = new URL(page.url());
  assert.equal(landed.pathname, `/e:page-${process.pid}/_emulator/health`);
  assert.equal(landed.searchParams.get("status"), "200");
  assert.match(landed.searchParams.get("access_token"), /^[0-9a-f]{22}$/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("captured HTML cannot run script in the page", async () => {
  // testdata/e2e.yaml gives magic-link emails an HTML template with a script.
  const envUrl = `${BASE}/e:xss-${process.pid}`;
  const { page } = await openInbox(envUrl);
  await createClient(envUrl, KEY).auth.sendMagicLinkEmail("vera@example.com");
  await page.getByRole("button", { name: /Your magic link/ }).click();
  await page.frameLocator('iframe[title="Email HTML"]').getByText("Sign in here").waitFor();
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.title(), `Inbox · xss-${process.pid} · altogic-emulator`);
  await page.close();
});

test("keyboard, clear and the environment switcher", async () => {
  const envUrl = `${BASE}/e:keys-${process.pid}`;
  const client = createClient(envUrl, KEY);
  await client.auth.sendResetPwdEmail("vera@example.com");
  await client.auth.sendResetPwdCode("+15555555555");
  const { page } = await openInbox(envUrl);
  await page.locator("#list button").first().waitFor();
  await page.keyboard.press("ArrowDown");
  assert.equal(await page.locator('#list button[aria-current="true"]').count(), 1);
  await page.keyboard.press("/");
  assert.equal(await page.evaluate(() => document.activeElement.id), "to");
  await page.keyboard.type("+15555555555");
  assert.equal(await page.locator("#list button").count(), 1);

  await page.getByRole("button", { name: "Clear inbox" }).click();
  await page.locator("#empty").waitFor({ state: "visible" });
  const left = await (await fetch(`${envUrl}/_emulator/inbox/emails`)).json();
  assert.deepEqual(left.emails, []);

  assert.ok((await page.locator("#env option").allTextContents()).includes(`keys-${process.pid}`));
  await page.getByLabel("Environment").selectOption("default");
  await page.waitForURL(`${BASE}/_emulator/`);
  await page.close();
});

test("users are verified, given a password and deleted from the page", async () => {
  const envUrl = `${BASE}/e:users-${process.pid}`;
  const { page, errors } = await openInbox(envUrl);
  const client = createClient(envUrl, KEY);
  // uma@example.com is not verified: she cannot sign in until marked so.
  assert.equal((await client.auth.signInWithEmail("uma@example.com", "Passw0rd!")).errors.items[0].code, "email_not_verified");
  const row = page.locator("#users tr", { hasText: "uma@example.com" });
  await row.getByRole("button", { name: "no" }).first().click();
  await row.getByRole("button", { name: "yes" }).first().waitFor();
  page.once("dialog", (d) => d.accept("N3w-secret"));
  const patched = page.waitForResponse((r) => r.url().includes("/_emulator/users/") && r.request().method() === "PATCH");
  await row.getByRole("button", { name: "Set password" }).click();
  assert.equal((await patched).status(), 200);
  assert.equal((await client.auth.signInWithEmail("uma@example.com", "N3w-secret")).errors, null);
  page.once("dialog", (d) => d.accept());
  await row.getByRole("button", { name: "Delete" }).click();
  await page.locator("#users tr", { hasText: "uma@example.com" }).waitFor({ state: "detached" });
  const { users } = await (await fetch(`${envUrl}/_emulator/users`)).json();
  assert.ok(!users.some((u) => u.email === "uma@example.com"));
  assert.deepEqual(errors, []);
  await page.close();
});
