// Pages of other origins try to read and change the control plane through
// the browser of the developer running the emulator, in headless Chromium.
// Chromium resolves the attackers' names to loopback (--host-resolver-rules),
// as a DNS rebinding attack or a page the developer visits would reach it.
// go test starts the emulator and sets EMULATOR_URL (TestAttackingPagesInChromium).
"use strict";

const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const http = require("node:http");
const { chromium } = require("playwright-core");
const { createClient } = require("altogic");

const BASE = process.env.EMULATOR_URL;
if (!BASE) throw new Error("EMULATOR_URL is not set: run this through go test (TestAttackingPagesInChromium)");
const KEY = "e2e-client-key";
const PORT = new URL(BASE).port;
const VICTIM = `${BASE}/e:victim-${process.pid}`;

let browser, pages, pagesPort;
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync",
      "--host-resolver-rules=MAP attacker.test 127.0.0.1, MAP rebind.test 127.0.0.1, MAP app.localhost 127.0.0.1"],
  });
  // Serves an empty page for any host name: the attacker's site, or a dev
  // app on localhost. The script comes from the test through evaluate.
  pages = http.createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end("<!doctype html><title>page</title><iframe name=sink></iframe>");
  });
  await new Promise((resolve) => pages.listen(0, "127.0.0.1", resolve));
  pagesPort = pages.address().port;

  // The victim's environment: an email with a reset link in the inbox.
  const client = createClient(VICTIM, KEY);
  assert.equal((await client.auth.sendResetPwdEmail("vera@example.com")).errors, null);
});
after(async () => {
  if (browser) await browser.close();
  if (pages) pages.close();
});

// victimIntact checks, from outside any browser, that nothing the attacks
// tried took effect.
async function victimIntact() {
  const { emails } = await (await fetch(`${VICTIM}/_emulator/inbox/emails`)).json();
  assert.equal(emails.length, 1, "the victim's inbox still holds its email");
  const config = await (await fetch(`${VICTIM}/_emulator/config`)).json();
  assert.doesNotMatch(config.redirectUrl, /attacker|rebind/, "the redirect URL is unchanged");
  const { users } = await (await fetch(`${VICTIM}/_emulator/users`)).json();
  assert.ok(!users.some((u) => /attacker/.test(u.email || "")), "no user was added");
}

test("a page of another origin can neither read nor change the control plane", { timeout: 60000 }, async () => {
  const page = await browser.newPage();
  await page.goto(`http://attacker.test:${pagesPort}/`);
  const results = await page.evaluate(async (victim) => {
    const attempt = async (what, fn) => {
      try {
        const res = await fn();
        return { what, outcome: "read", status: res.status, body: await res.text() };
      } catch (e) {
        return { what, outcome: "blocked" };
      }
    };
    const out = [];
    out.push(await attempt("read the inbox", () => fetch(`${victim}/_emulator/inbox/emails`, { credentials: "include" })));
    out.push(await attempt("read the state export", () => fetch(`${victim}/_emulator/state`)));
    out.push(await attempt("read MailHog's API", () => fetch(`${victim}/api/v2/messages`)));
    out.push(await attempt("set the redirect URL", () => fetch(`${victim}/_emulator/config`, {
      method: "PATCH", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ redirectUrl: "https://attacker.test/steal" }),
    })));
    out.push(await attempt("add a user", () => fetch(`${victim}/_emulator/users`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: "attacker@example.com", password: "Passw0rd!" }),
    })));
    // Requests that need no preflight: sent, but refused by the emulator.
    await fetch(`${victim}/_emulator/reset`, { method: "POST", mode: "no-cors", headers: { "Content-Type": "text/plain" }, body: "x" });
    await fetch(`${victim}/_emulator/inbox`, { method: "DELETE", mode: "no-cors" }).catch(() => {});
    await fetch(`${victim}/api/v1/messages`, { method: "DELETE", mode: "no-cors" }).catch(() => {});
    // The classic cross-site form, posted into a frame. A refusal loads
    // the frame; a 204 (the attack succeeding) never does, hence the bound.
    await new Promise((resolve) => {
      setTimeout(resolve, 5000);
      const form = document.createElement("form");
      form.method = "POST";
      form.enctype = "text/plain";
      form.action = `${victim}/_emulator/reset`;
      form.target = "sink";
      const input = document.createElement("input");
      input.name = "x";
      input.value = "y";
      form.appendChild(input);
      document.body.appendChild(form);
      document.querySelector("iframe").addEventListener("load", resolve, { once: true });
      form.submit();
    });
    // The inbox page in a frame, to have its buttons clicked through.
    out.push(await new Promise((resolve) => {
      const frame = document.createElement("iframe");
      frame.name = "inbox";
      frame.src = `${victim}/_emulator/`;
      frame.onload = () => resolve({ what: "frame the inbox page", outcome: "loaded" });
      document.body.appendChild(frame);
    }));
    // The live events.
    out.push(await new Promise((resolve) => {
      const es = new EventSource(`${victim}/_emulator/inbox/events`);
      es.onopen = () => { es.close(); resolve({ what: "follow the events", outcome: "read" }); };
      es.onerror = () => { es.close(); resolve({ what: "follow the events", outcome: "blocked" }); };
    }));
    // The Altogic API itself answers any origin: apps run on any origin.
    const signIn = await fetch(`${victim}/_api/rest/v1/auth/signin-email`, {
      method: "POST", credentials: "include",
      headers: { "Content-Type": "application/json", "X-Client-Key": "e2e-client-key", "X-Client": "altogic-js" },
      body: JSON.stringify({ email: "vera@example.com", password: "Passw0rd!" }),
    });
    out.push({ what: "sign in through the Altogic API", outcome: "read", status: signIn.status });
    return out;
  }, VICTIM);

  // The framed page is refused by the browser (frame-ancestors): its frame
  // holds an error page, never the inbox.
  // (Found through its element: a frame refused by the browser may lose
  // its name in the frame tree.)
  const frameElement = await page.$('iframe[name="inbox"]');
  assert.ok(frameElement, "the frame element exists");
  const framed = await frameElement.contentFrame();
  assert.ok(framed, "the frame exists");
  assert.doesNotMatch(framed.url(), /_emulator/, `the inbox page loaded in a foreign frame: ${framed.url()}`);
  for (const r of results) {
    if (r.what === "frame the inbox page") {
      continue; // checked above, from outside the page
    } else if (r.what === "sign in through the Altogic API") {
      assert.equal(r.status, 200, r.what);
    } else {
      assert.equal(r.outcome, "blocked", `${r.what}: ${JSON.stringify(r)}`);
    }
  }
  await victimIntact();
  await page.close();
});

test("a DNS rebinding page, same-origin with the emulator, gets nothing", { timeout: 60000 }, async () => {
  // The attacker's name first served the attacker's page (its script is
  // run here by evaluate), then resolved to the emulator: the page's
  // requests reach the emulator as same-origin ones, under the attacker's
  // host name.
  const page = await browser.newPage();
  await page.goto(`http://rebind.test:${PORT}/attack`);
  const envPath = new URL(VICTIM).pathname;
  const results = await page.evaluate(async (envPath) => {
    const out = [];
    for (const [method, path, body] of [
      ["GET", "/_emulator/inbox/emails"], ["GET", "/_emulator/state"], ["GET", "/api/v1/messages"],
      ["GET", "/_emulator/"],
      ["POST", "/_emulator/reset"], ["PATCH", "/_emulator/config", JSON.stringify({ redirectUrl: "https://rebind.test/steal" })],
    ]) {
      const res = await fetch(envPath + path, { method, body, headers: body ? { "Content-Type": "application/json" } : {} });
      out.push({ method, path, status: res.status, body: await res.text() });
    }
    return out;
  }, envPath);
  for (const r of results) {
    assert.equal(r.status, 403, `${r.method} ${r.path}: ${r.body}`);
    const { errors } = JSON.parse(r.body);
    assert.equal(errors[0].code, "forbidden_host");
    assert.match(errors[0].message, /--allowed-host rebind\.test/);
    assert.doesNotMatch(r.body, /_auth\/verify/, "no link leaks");
  }
  await victimIntact();
  await page.close();
});

test("a dev app on a loopback origin may use the control plane", { timeout: 60000 }, async () => {
  const page = await browser.newPage();
  await page.goto(`http://app.localhost:${pagesPort}/`);
  const got = await page.evaluate(async (victim) => {
    const res = await fetch(`${victim}/_emulator/inbox/emails/latest?to=vera@example.com`);
    return { status: res.status, mail: await res.json() };
  }, VICTIM);
  assert.equal(got.status, 200);
  assert.equal(got.mail.action, "reset-pwd");
  await page.close();
});
