// A MailHog client library (npm mailhog) reading the emulator's emails
// through its MailHog-compatible API. go test starts the emulator
// (TestMailHogClient in main_test.go).
"use strict";

const { test } = require("node:test");
const assert = require("node:assert/strict");
const mailhog = require("mailhog");
const { createClient } = require("altogic");

const BASE = new URL(process.env.EMULATOR_URL || "");
const envId = `mailhog-${process.pid}`;
const envUrl = `${BASE.origin}/e:${envId}`;
// The library takes a host, a port and a base path: the environment goes in the path.
const mh = mailhog({ host: BASE.hostname, port: Number(BASE.port), basePath: `/e:${envId}/api` });

test("a reset email and its link, read with the mailhog client", async () => {
  const client = createClient(envUrl, "e2e-client-key");
  assert.equal((await client.auth.sendResetPwdEmail("vera@example.com")).errors, null);

  const latest = await mh.latestTo("vera@example.com");
  assert.ok(latest, "latestTo found the email");
  assert.equal(latest.subject, "Reset your password");
  assert.equal(latest.from, "noreply@mail.app.altogic.com");
  assert.equal(latest.to, "vera@example.com");
  assert.match(latest.html, /Reset password/);
  const link = latest.text.match(/http\S+_auth\/verify\?key=\S+/)[0];
  const res = await fetch(link, { redirect: "manual" });
  assert.equal(res.status, 302);
  const redirect = new URL(res.headers.get("location"));
  assert.equal(redirect.searchParams.get("action"), "reset-pwd");
  assert.equal((await client.auth.resetPwdWithToken(redirect.searchParams.get("access_token"), "N3w-secret")).errors, null);
});

test("list, search, delete one and delete all", async () => {
  const client = createClient(envUrl, "e2e-client-key");
  await client.auth.sendMagicLinkEmail("vera@example.com");
  const all = await mh.messages(0, 10);
  assert.ok(all.total >= 2);
  assert.equal(all.items[0].subject, "Your magic link", "newest first");
  const found = await mh.search("magic link", "containing");
  assert.equal(found.count, 1);
  assert.equal((await mh.latestFrom("noreply@mail.app.altogic.com")).subject, "Your magic link");

  await mh.deleteMessage(all.items[0].ID);
  assert.equal((await mh.messages()).total, all.total - 1);
  await mh.deleteAll();
  assert.equal((await mh.messages()).total, 0);
});
