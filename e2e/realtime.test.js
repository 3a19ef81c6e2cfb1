// The official altogic client's realtime manager (socket.io) against the
// emulator, unchanged: onUserEvent after auth calls, channels between
// members only, refusals. Run by TestRealtime (e2e_test.go), which starts
// the emulator with testdata/e2e.yaml and sets EMULATOR_URL.
"use strict";

// The client derives the realtime URL from the base URL: the base
// http://engine.emu.localhost:PORT/e:ENV gives http://realtime.emu.localhost:PORT
// and envId ENV. Browsers resolve every *.localhost name to loopback; Node
// does not, so it is taught here (what a hosts line does for a whole machine).
require("./localhost-dns.js");

const { test } = require("node:test");
const assert = require("node:assert/strict");
const { createClient } = require("altogic");

const BASE = process.env.EMULATOR_URL;
if (!BASE) throw new Error("EMULATOR_URL is not set: run this through go test (TestRealtime)");
const PORT = new URL(BASE).port;
const KEY = "e2e-client-key";
const OLD = "Passw0rd!";
const OPTIONS = { realtime: { reconnectionDelay: 50, timeout: 5000 } };

let envCounter = 0;
function newEnv() {
  const envId = `rt-${process.pid}-${++envCounter}`;
  return { envId, engine: `http://engine.emu.localhost:${PORT}/e:${envId}`, control: `${BASE}/e:${envId}/_emulator` };
}

async function getJSON(url, init) {
  const res = await fetch(url, init);
  const body = res.status === 204 ? null : await res.json();
  assert.ok(res.ok, `${url} answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

// connected resolves once the client's realtime connection is up.
function connected(client) {
  const r = client.realtime; // created now, with the session the client holds
  return r.isConnected() ? Promise.resolve(r) : new Promise((resolve) => r.onConnect(() => resolve(r)));
}

// userEvents collects a client's user events; next() awaits the next one.
function userEvents(client) {
  const seen = [];
  const waiters = [];
  client.auth.onUserEvent((event, session) => {
    const w = waiters.shift();
    if (w) w({ event, session });
    else seen.push({ event, session });
  });
  return {
    next(ms = 5000) {
      if (seen.length) return Promise.resolve(seen.shift());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no user event within ${ms} ms`)), ms);
        waiters.push((e) => { clearTimeout(timer); resolve(e); });
      });
    },
    pending: () => seen.length,
  };
}

test("onUserEvent: another device's sign-in and sign-out, its own password change, nothing of another user", async () => {
  const { engine, control } = newEnv();
  const me = createClient(engine, KEY, OPTIONS);
  const { session } = await me.auth.signInWithEmail("vera@example.com", OLD);
  assert.ok(session);
  const rt = await connected(me);
  const events = userEvents(me);
  try {
    // The connection is bound to the user of its session.
    const { connections } = await getJSON(`${control}/realtime/connections`);
    assert.equal(connections.length, 1);
    assert.equal(connections[0].userId, session.userId);

    const other = createClient(engine, KEY);
    const second = await other.auth.signInWithEmail("vera@example.com", OLD);
    let e = await events.next();
    assert.equal(e.event, "user:signin");
    assert.equal(e.session.token, second.session.token);

    // Another user's sign-in reaches no one of this user.
    const stranger = createClient(engine, KEY);
    assert.equal((await stranger.auth.signInWithPhone("+15555555555", OLD)).errors, null);

    assert.equal((await other.auth.signOut()).errors, null);
    e = await events.next();
    assert.equal(e.event, "user:signout");
    assert.equal(e.session.token, second.session.token);

    assert.equal((await me.auth.changePassword("N3w-secret", OLD)).errors, null);
    e = await events.next();
    assert.deepEqual([e.event, e.session.token], ["user:pwdchange", session.token]);
    e = await events.next();
    assert.deepEqual([e.event, e.session.token], ["user:update", session.token]);
    assert.equal(events.pending(), 0);

    // The control plane shows the delivered events, and a test can wait for one.
    const latest = await getJSON(`${control}/realtime/events/latest?event=user:pwdchange&userId=${session.userId}&wait=5s`);
    assert.deepEqual(latest.to, [rt.getSocketId()]);
  } finally {
    rt.close();
  }
});

test("a deleted user and a reset through a link reach the user's connections with no session", async () => {
  const { engine, control } = newEnv();
  const me = createClient(engine, KEY, OPTIONS);
  const { session } = await me.auth.signInWithEmail("vera@example.com", OLD);
  const rt = await connected(me);
  const events = userEvents(me);
  try {
    assert.equal((await me.auth.sendResetPwdEmail("vera@example.com")).errors, null);
    const mail = await getJSON(`${control}/inbox/emails/latest?to=vera@example.com&action=reset-pwd&wait=5s`);
    const res = await fetch(mail.link, { redirect: "manual" });
    const token = new URL(res.headers.get("location")).searchParams.get("access_token");
    assert.equal((await createClient(engine, KEY).auth.resetPwdWithToken(token, "N3w-secret")).errors, null);
    assert.deepEqual(await events.next(), { event: "user:pwdchange", session: null });
    assert.deepEqual(await events.next(), { event: "user:update", session: null });

    await getJSON(`${control}/users/${session.userId}`, { method: "DELETE" });
    assert.deepEqual(await events.next(), { event: "user:delete", session: null });
  } finally {
    rt.close();
  }
});

test("channel messages reach the members of the channel only; getMembers lists them", async () => {
  const { engine } = newEnv();
  const a = createClient(engine, KEY, OPTIONS);
  const b = createClient(engine, KEY, OPTIONS);
  const c = createClient(engine, KEY, OPTIONS);
  const [ra, rb, rc] = await Promise.all([connected(a), connected(b), connected(c)]);
  try {
    const heard = { b: [], c: [] };
    rb.on("chat", (m) => heard.b.push(m));
    rc.on("chat", (m) => heard.c.push(m));
    const joined = (r, who) => new Promise((resolve) => {
      const on = (p) => { if (p.message.id === who.getSocketId()) { r.off("channel:join", on); resolve(); } };
      r.on("channel:join", on);
    });
    let done = joined(ra, ra);
    ra.join("room");
    await done;
    done = joined(ra, rb);
    rb.join("room");
    await done;
    const { data: members, errors } = await a.realtime.getMembers("room");
    assert.equal(errors, null);
    assert.deepEqual(members.map((m) => m.id).sort(), [ra.getSocketId(), rb.getSocketId()].sort());

    const got = new Promise((resolve) => rb.once("chat", resolve));
    ra.send("room", "chat", { text: "hello" });
    assert.deepEqual(await got, { channel: "room", message: { text: "hello" } });
    // c, not a member, heard nothing by the time a later broadcast reaches it.
    const all = new Promise((resolve) => rc.once("news", resolve));
    ra.broadcast("news", { n: 1 });
    await all;
    assert.deepEqual(heard.c, []);
  } finally {
    ra.close();
    rb.close();
    rc.close();
  }
});

test("a bad client key is refused at connect; an unknown session connects without user events", async () => {
  const { engine, control } = newEnv();
  const bad = createClient(engine, "wrong-key", { realtime: { reconnection: false, timeout: 5000 } });
  const err = await new Promise((resolve) => bad.realtime.onError(resolve));
  assert.match(err.message, /client key/i);
  bad.realtime.close();

  const stale = createClient(engine, KEY, OPTIONS);
  stale.auth.setSession({ token: "not-a-session" });
  const rt = await connected(stale);
  try {
    const { connections } = await getJSON(`${control}/realtime/connections`);
    assert.equal(connections.length, 1);
    assert.equal(connections[0].userId, undefined);
  } finally {
    rt.close();
  }
});
