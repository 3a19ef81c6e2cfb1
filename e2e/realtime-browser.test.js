// The official client's UMD bundle, unchanged, in headless Chromium, on a
// page of another origin (http://app.localhost:PORT), with a base URL of the
// engine.<name>.localhost form: the browser resolves every *.localhost
// name to loopback, so the realtime URL the client derives
// (realtime.emu.localhost) reaches the emulator. Run by
// TestRealtimeInChromium (e2e_test.go).
"use strict";

const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const http = require("node:http");
const fs = require("node:fs");
const path = require("node:path");
const { chromium } = require("playwright-core");
const { createClient } = require("altogic");

const BASE = process.env.EMULATOR_URL;
if (!BASE) throw new Error("EMULATOR_URL is not set: run this through go test (TestRealtimeInChromium)");
const PORT = new URL(BASE).port;
const KEY = "e2e-client-key";
const OLD = "Passw0rd!";
const BUNDLE = fs.readFileSync(path.join(__dirname, "node_modules", "altogic", "dist", "umd", "altogic.js"));

let browser, app, appURL;
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  // The app: a page and the client's bundle, on its own origin.
  app = http.createServer((req, res) => {
    if (req.url === "/altogic.js") {
      res.writeHead(200, { "Content-Type": "text/javascript" });
      return res.end(BUNDLE);
    }
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end('<!doctype html><title>app</title><script src="/altogic.js"></script>');
  });
  await new Promise((resolve) => app.listen(0, "127.0.0.1", resolve));
  appURL = `http://app.localhost:${app.address().port}/`;
});
after(async () => {
  if (browser) await browser.close();
  if (app) app.close();
});

let envCounter = 0;
function newEnv() {
  const envId = `rtb-${process.pid}-${++envCounter}`;
  return { envId, engine: `http://engine.emu.localhost:${PORT}/e:${envId}`, nodeBase: `${BASE}/e:${envId}` };
}

// openApp opens the app page, signs in there with the bundle's client, and
// collects the user events its realtime connection receives.
async function openApp(engine, email) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(appURL);
  const session = await page.evaluate(async ({ engine, key, email, password }) => {
    const client = altogic.createClient(engine, key, { realtime: { reconnectionDelay: 50 } });
    window.client = client;
    const { session, errors } = await client.auth.signInWithEmail(email, password);
    if (errors) throw new Error(JSON.stringify(errors));
    window.events = [];
    client.auth.onUserEvent((event, s) => window.events.push({ event, token: s && s.token }));
    window.heard = [];
    client.realtime.on("chat", (m) => window.heard.push(m));
    await new Promise((resolve) => client.realtime.isConnected() ? resolve() : client.realtime.onConnect(resolve));
    return session;
  }, { engine, key: KEY, email, password: OLD });
  return { page, session, errors };
}

// eventsOf waits until the page has seen n user events and answers them.
async function eventsOf(page, n) {
  await page.waitForFunction((n) => window.events.length >= n, n, { timeout: 10000 });
  return page.evaluate(() => window.events);
}

test("onUserEvent in the browser: another device's sign-in and sign-out, its own password change, nothing of another user", async () => {
  const { engine, nodeBase } = newEnv();
  const { page, session, errors } = await openApp(engine, "vera@example.com");
  try {
    const other = createClient(nodeBase, KEY);
    const second = await other.auth.signInWithEmail("vera@example.com", OLD);
    assert.equal(second.errors, null);
    // Another user's sign-in and sign-out reach no one of vera's.
    const stranger = createClient(nodeBase, KEY);
    assert.equal((await stranger.auth.signInWithPhone("+15555555555", OLD)).errors, null);
    assert.equal((await stranger.auth.signOut()).errors, null);
    assert.equal((await other.auth.signOut()).errors, null);
    const changed = await page.evaluate(async () => (await window.client.auth.changePassword("N3w-secret", "Passw0rd!")).errors);
    assert.equal(changed, null);
    const events = await eventsOf(page, 4);
    assert.deepEqual(events, [
      { event: "user:signin", token: second.session.token },
      { event: "user:signout", token: second.session.token },
      { event: "user:pwdchange", token: session.token },
      { event: "user:update", token: session.token },
    ]);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test("channel messages in the browser reach the channel's members only", async () => {
  const { engine } = newEnv();
  const member = await openApp(engine, "vera@example.com");
  const outsider = await openApp(engine, "vera@example.com");
  try {
    const joined = member.page.evaluate(() => new Promise((resolve) => {
      window.client.realtime.onJoin((p) => { if (p.message.id === window.client.realtime.getSocketId()) resolve(); });
      window.client.realtime.join("room");
    }));
    await joined;
    // The member sends to its channel, with echo, and then broadcasts:
    // the outsider hears only the broadcast.
    await member.page.evaluate(() => {
      window.client.realtime.send("room", "chat", { text: "members only" });
      window.client.realtime.broadcast("chat", { text: "everyone" });
    });
    await member.page.waitForFunction(() => window.heard.length >= 2, null, { timeout: 10000 });
    await outsider.page.waitForFunction(() => window.heard.length >= 1, null, { timeout: 10000 });
    const heardByMember = await member.page.evaluate(() => window.heard.map((m) => m.message ? m.message.text : m.text));
    const heardByOutsider = await outsider.page.evaluate(() => window.heard.map((m) => m.message ? m.message.text : m.text));
    assert.deepEqual(heardByMember, ["members only", "everyone"]);
    assert.deepEqual(heardByOutsider, ["everyone"]);
  } finally {
    await member.page.close();
    await outsider.page.close();
  }
});
