// The kit against a real emulator, through the official altogic client
// (2.3.9), unchanged: the password-reset flows, expiry, faults, parallel
// environments and the rest of the control API.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createClient } from "altogic";
import { EmulatorError, startEmulator } from "altogic-emulator";
import { emulatorBinary, PASSWORD } from "./helpers.mjs";

let emu;
before(async () => {
  await emulatorBinary();
  emu = await startEmulator();
});
after(() => emu?.stop());

// An environment of its own for each test, and the official client on it.
let envCount = 0;
function fresh(name) {
  const env = emu.env(`${name}-${++envCount}`);
  return { env, altogic: createClient(env.url, "any-client-key") };
}

test("the email flow: sendResetPwdEmail, waitForEmail, followLink, resetPwdWithToken, sign in", async () => {
  // The emulator's own handle is the environment "default".
  assert.equal(emu.id, "default");
  const altogic = createClient(emu.url, "any-client-key");

  const sent = await altogic.auth.sendResetPwdEmail("verified@example.com");
  assert.equal(sent.errors, null);
  const mail = await emu.waitForEmail({ to: "verified@example.com", action: "reset-pwd" });
  assert.equal(mail.subject, "Reset your password");
  assert.ok(mail.link.startsWith(`${emu.url}/_auth/verify?`), mail.link);

  const redirect = await emu.followLink(mail);
  assert.equal(redirect.status, 200);
  assert.equal(redirect.action, "reset-pwd");
  assert.equal(redirect.error, null);
  assert.equal(redirect.httpStatus, 302);
  assert.ok(redirect.location.startsWith("http://localhost:3000/auth-redirect?"), redirect.location);
  assert.match(redirect.accessToken, /^[0-9a-f]+$/);

  assert.equal((await altogic.auth.resetPwdWithToken(redirect.accessToken, "N3w-secret")).errors, null);
  const { user, errors } = await altogic.auth.signInWithEmail("verified@example.com", "N3w-secret");
  assert.equal(errors, null);
  assert.equal(user.email, "verified@example.com");
  const old = await altogic.auth.signInWithEmail("verified@example.com", PASSWORD);
  assert.equal(old.errors.status, 401);
});

test("the SMS flow: sendResetPwdCode, waitForSms, resetPwdWithCode, sign in", async () => {
  const { env, altogic } = fresh("sms");
  assert.equal((await altogic.auth.sendResetPwdCode("+15555555555")).errors, null);
  const sms = await env.waitForSms({ to: "+15555555555", action: "reset-pwd-code" });
  assert.match(sms.code, /^[0-9]{6}$/);
  assert.ok(sms.body.includes(sms.code));

  assert.equal((await altogic.auth.resetPwdWithCode("+15555555555", sms.code, "N3w-secret")).errors, null);
  const { user, errors } = await altogic.auth.signInWithPhone("+15555555555", "N3w-secret");
  assert.equal(errors, null);
  assert.equal(user.phone, "+15555555555");
  assert.deepEqual((await env.sms({ to: "+15555555555" })).map((m) => m.id), [sms.id]);
});

test("an email link expires when the clock moves past its hour", async () => {
  const { env, altogic } = fresh("expiry");
  assert.equal((await altogic.auth.sendResetPwdEmail("both@example.com")).errors, null);
  const mail = await env.waitForEmail({ to: "both@example.com", action: "reset-pwd" });

  const clock = await env.clock.advance("61m");
  assert.equal(clock.offset, "1h1m0s");
  const redirect = await env.followLink(mail.link); // a link as a string works too
  assert.equal(redirect.status, 400);
  assert.equal(redirect.error, "Invalid or expired access token");
  assert.equal(redirect.accessToken, null);
  assert.equal(new URL(redirect.location).searchParams.get("status"), "400");
});

test("the clock: freeze, set, advance by milliseconds, now", async () => {
  const { env } = fresh("clock");
  assert.equal((await env.clock.freeze()).frozen, true);
  await env.clock.set(new Date("2030-01-01T00:00:00Z"));
  assert.equal((await env.clock.now()).toISOString(), "2030-01-01T00:00:00.000Z");
  await env.clock.advance(90_000);
  assert.equal((await env.clock.now()).toISOString(), "2030-01-01T00:01:30.000Z");
  await env.clock.set("2031-06-01T12:00:00Z");
  assert.equal((await env.clock.get()).now, "2031-06-01T12:00:00Z");
  assert.equal((await env.clock.unfreeze()).frozen, false);
});

test("faults: an injected 503 reaches the client; a dropped email never arrives", async () => {
  const { env, altogic } = fresh("faults");
  const fault = await env.faults.add({ operation: "sendResetPwdEmail", status: 503, message: "SMTP is down" });
  assert.equal(fault.times, 1);
  assert.deepEqual((await env.faults.list()).map((f) => f.id), [fault.id]);

  const { errors } = await altogic.auth.sendResetPwdEmail("verified@example.com");
  assert.equal(errors.status, 503);
  assert.equal(errors.items[0].code, "service_unavailable");
  assert.equal(errors.items[0].message, "SMTP is down");
  assert.deepEqual(await env.faults.list(), [], "its one use is taken");

  await env.faults.add({ operation: "sendResetPwdEmail", dropMessage: true });
  assert.equal((await altogic.auth.sendResetPwdEmail("verified@example.com")).errors, null);
  await assert.rejects(env.waitForEmail({ to: "verified@example.com", action: "reset-pwd", timeout: 300 }), (err) => {
    assert.ok(err instanceof EmulatorError);
    assert.equal(err.status, 404);
    assert.match(err.message, /^No email to verified@example\.com with action reset-pwd arrived within 300 ms/);
    return true;
  });
  const journal = await env.requests({ operation: "sendResetPwdEmail" });
  assert.deepEqual(journal.map((r) => [r.status, r.fault]), [[200, "dropMessage"], [503, "error"]]);
  assert.deepEqual((await env.requests({ operation: "sendResetPwdEmail", status: 503 })).length, 1);

  await env.faults.add({ operation: "*", status: 500, times: 5 });
  await env.faults.clear();
  assert.deepEqual(await env.faults.list(), []);
});

test("waitForSms rejects naming the SMS that did not arrive", async () => {
  const { env } = fresh("nosms");
  await assert.rejects(env.waitForSms({ to: "+15555550100", action: "reset-pwd-code", timeout: 250 }), {
    name: "EmulatorError",
    status: 404,
    code: "not_found",
    message: `No SMS to +15555550100 with action reset-pwd-code arrived within 250 ms (environment ${env.id})`,
  });
});

test("parallel environments share no state", async () => {
  const a = fresh("parallel-a");
  const b = fresh("parallel-b");
  // The same flow at once in both: each environment's inbox sees its own.
  await Promise.all([a, b].map(({ altogic }) => altogic.auth.sendResetPwdEmail("verified@example.com")));
  const [mailA, mailB] = await Promise.all([a, b].map(({ env }) => env.waitForEmail({ to: "verified@example.com" })));
  assert.notEqual(mailA.token, mailB.token);
  assert.ok(mailA.link.startsWith(`${a.env.url}/`), "links carry their environment");
  assert.deepEqual((await a.env.emails()).map((m) => m.id), [mailA.id]);

  // A password changed in a is unchanged in b.
  const { accessToken } = await a.env.followLink(mailA);
  assert.equal((await a.altogic.auth.resetPwdWithToken(accessToken, "N3w-secret")).errors, null);
  assert.equal((await a.altogic.auth.signInWithEmail("verified@example.com", "N3w-secret")).errors, null);
  assert.equal((await b.altogic.auth.signInWithEmail("verified@example.com", "N3w-secret")).errors.status, 401);
  assert.equal((await b.altogic.auth.signInWithEmail("verified@example.com", PASSWORD)).errors, null);

  // A user, settings and the clock of one are not the other's.
  await a.env.users.create({ email: "only-a@example.com", password: PASSWORD });
  await a.env.config.patch({ minPasswordLength: 12 });
  await a.env.clock.advance("24h");
  assert.ok(!(await b.env.users.list()).some((u) => u.email === "only-a@example.com"));
  assert.equal((await b.env.config.get()).minPasswordLength, 6);
  assert.equal((await b.env.clock.get()).offset, "0s");
  const envs = await emu.environments();
  assert.ok(envs.includes(a.env.id) && envs.includes(b.env.id));
});

test("users: create, sign in, update, delete; errors carry the status and code", async () => {
  const { env, altogic } = fresh("users");
  const user = await env.users.create({ email: "qa@example.com", password: PASSWORD, emailVerified: true, plan: "pro" });
  assert.match(user._id, /^[0-9a-f]{24}$/);
  assert.equal(user.plan, "pro");
  assert.equal((await altogic.auth.signInWithEmail("qa@example.com", PASSWORD)).user.plan, "pro");

  const updated = await env.users.update(user._id, { name: "Quinn", plan: "team", password: "N3w-secret" });
  assert.equal(updated.name, "Quinn");
  assert.equal(updated.plan, "team");
  assert.equal((await altogic.auth.signInWithEmail("qa@example.com", "N3w-secret")).errors, null);
  assert.equal((await env.users.list()).find((u) => u._id === user._id).name, "Quinn");

  await assert.rejects(env.users.create({ email: "qa@example.com", password: PASSWORD }), (err) => {
    assert.equal(err.status, 400);
    assert.equal(err.code, "email_not_unique");
    assert.match(err.message, /answered 400 email_not_unique: /);
    return true;
  });

  await env.users.delete(user._id);
  assert.ok(!(await env.users.list()).some((u) => u._id === user._id));
  assert.equal((await altogic.auth.signInWithEmail("qa@example.com", "N3w-secret")).errors.status, 401);
  await assert.rejects(env.users.delete(user._id), { status: 404, code: "not_found" });
});

test("settings, reset and state snapshots", async () => {
  const { env, altogic } = fresh("state");
  assert.equal((await env.config.get()).emailConfirmation, true);
  assert.equal((await env.config.patch({ emailConfirmation: false })).emailConfirmation, false);
  await env.users.create({ email: "kept@example.com", password: PASSWORD });

  // Export, then import into another environment: the same users there.
  const state = await env.exportState();
  assert.ok(state.users.some((u) => u.email === "kept@example.com"));
  const copy = emu.env(`${env.id}-copy`);
  await copy.importState(state);
  assert.equal((await copy.config.get()).emailConfirmation, false);
  const copied = createClient(copy.url, "any-client-key");
  assert.equal((await copied.auth.signInWithEmail("kept@example.com", PASSWORD)).errors, null);

  // Reset puts the environment back to its fixtures; deleting it frees it.
  await env.reset();
  assert.equal((await env.config.get()).emailConfirmation, true);
  assert.ok(!(await env.users.list()).some((u) => u.email === "kept@example.com"));
  assert.equal((await altogic.auth.signInWithEmail("kept@example.com", PASSWORD)).errors.status, 401);
  await copy.deleteEnvironment();
  assert.ok(!(await emu.environments()).includes(copy.id));
});

test("coverage, inbox clearing and health", async () => {
  const { env, altogic } = fresh("coverage");
  await altogic.auth.sendResetPwdCode("+15555550111");
  await env.waitForSms({ to: "+15555550111" });
  await env.clearInbox();
  assert.deepEqual(await env.sms(), []);

  const report = await env.coverage();
  const op = report.operations.find((o) => o.operationId === "sendResetPwdCode");
  assert.equal(op.area, "api");
  assert.ok(op.calls >= 1);
  assert.ok(report.totals.operations >= report.totals.exercised);
  assert.deepEqual(await env.health(), { status: "ok", version: (await emu.health()).version });
});

test("env() refuses an id the emulator would not take", () => {
  assert.throws(() => emu.env("a/b"), TypeError);
  assert.throws(() => emu.env("x".repeat(65)), TypeError);
});
