// The realtime server against real clients: socket.io-client 4 (the
// official client's dependency) and the official altogic client itself,
// unchanged. Run by TestNodeClients (node_test.go), which serves the
// realtime handler with a stub Authenticate on REALTIME_TEST_PORT, plus
// test-only endpoints to emit user events and close environments.
"use strict";

// The altogic client derives the realtime URL from the base URL:
// http://engine.emu.localhost:PORT/e:dev → http://realtime.emu.localhost:PORT,
// envId "dev". Node's resolver does not know *.localhost names, so they are
// answered here with the loopback address: http, ws and the clients' fetch
// all look names up through dns.lookup.
require("../../../e2e/localhost-dns.js");

const { test } = require("node:test");
const assert = require("node:assert/strict");
const { io } = require("socket.io-client");
const { createClient } = require("altogic");

const PORT = process.env.REALTIME_TEST_PORT;
if (!PORT) throw new Error("REALTIME_TEST_PORT is not set: run this through go test (TestNodeClients)");
const REALTIME = `http://realtime.emu.localhost:${PORT}`;
const ENGINE = `http://engine.emu.localhost:${PORT}`;
const KEY = "test-client-key";
const WAIT = 5000;

// waitFor resolves with the arguments of the next `event` on emitter.
function waitFor(emitter, event, ms = WAIT) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`no ${event} within ${ms} ms`));
    }, ms);
    function on(...args) {
      clearTimeout(timer);
      emitter.off(event, on);
      resolve(args);
    }
    emitter.on(event, on);
  });
}

// inbox collects the events a socket receives, to be awaited in order.
function inbox(socket) {
  const items = [];
  const waiters = [];
  socket.onAny((event, ...args) => {
    items.push({ event, args });
    while (waiters.length && items.length) waiters.shift()(items.shift());
  });
  return {
    next(ms = WAIT) {
      if (items.length) return Promise.resolve(items.shift());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no event within ${ms} ms`)), ms);
        waiters.push((item) => {
          clearTimeout(timer);
          resolve(item);
        });
      });
    },
    pending: () => items.length,
  };
}

let envCounter = 0;
const newEnv = () => `env-${process.pid}-${++envCounter}`;

function connect(envId, { user, echo = true, transports = ["websocket"], key = KEY } = {}) {
  return io(REALTIME, {
    transports,
    reconnection: false,
    auth: { echoMessages: echo, subdomain: "", envId, clientKey: key, Session: user ? `tok-${user}` : undefined },
  });
}

async function connected(socket) {
  if (!socket.connected) await waitFor(socket, "connect");
  return socket;
}

async function post(path, body) {
  const res = await fetch(`http://127.0.0.1:${PORT}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.ok(res.ok, `${path}: ${res.status}`);
  return res.json();
}

const connections = async (envId) =>
  (await fetch(`http://127.0.0.1:${PORT}/test/connections?env=${envId}`)).json();

test("socket.io-client over websocket: connects, Authenticate sees auth and Host", async () => {
  const envId = newEnv();
  const s = await connected(connect(envId, { user: "alice" }));
  try {
    const conns = await connections(envId);
    assert.equal(conns.length, 1);
    assert.equal(conns[0].id, s.id);
    assert.equal(conns[0].userId, "alice");
    assert.equal(conns[0].transport, "websocket");
    assert.equal(conns[0].session.host, `realtime.emu.localhost:${PORT}`);
  } finally {
    s.close();
  }
});

test("a refused connection gets connect_error with the message and data", async () => {
  const s = connect(newEnv(), { key: "wrong-key" });
  const [err] = await waitFor(s, "connect_error");
  assert.equal(err.message, "Realtime Connection Error - Invalid API Key");
  assert.equal(err.data.code, "invalid_api_key");
  assert.equal(s.connected, false);
  s.close();
});

test("long-polling only, and polling upgraded to websocket", async () => {
  const envId = newEnv();
  const polling = await connected(connect(envId, { transports: ["polling"] }));
  const upgrading = connect(envId, { transports: ["polling", "websocket"] });
  const upgraded = waitFor(upgrading.io, "open").then(() => waitFor(upgrading.io.engine, "upgrade"));
  await connected(upgrading);
  await upgraded;
  assert.equal(upgrading.io.engine.transport.name, "websocket");
  assert.equal(polling.io.engine.transport.name, "polling");
  try {
    const a = inbox(polling);
    const b = inbox(upgrading);
    polling.emit("join", { channel: "room" });
    assert.deepEqual(await a.next(), { event: "channel:join", args: [{ channel: "room", message: { id: polling.id } }] });
    upgrading.emit("join", { channel: "room" });
    assert.deepEqual(await a.next(), { event: "channel:join", args: [{ channel: "room", message: { id: upgrading.id } }] });
    assert.deepEqual(await b.next(), { event: "channel:join", args: [{ channel: "room", message: { id: upgrading.id } }] });
    upgrading.emit("message", { channel: "room", eventName: "chat", message: { text: "over websocket" } });
    assert.deepEqual(await a.next(), { event: "chat", args: [{ channel: "room", message: { text: "over websocket" } }] });
    assert.deepEqual(await b.next(), { event: "chat", args: [{ channel: "room", message: { text: "over websocket" } }] });
    polling.emit("message", { channel: "room", eventName: "chat", message: { text: "over polling" }, echo: false });
    assert.deepEqual(await b.next(), { event: "chat", args: [{ channel: "room", message: { text: "over polling" } }] });
    const transports = (await connections(envId)).map((c) => c.transport).sort();
    assert.deepEqual(transports, ["polling", "websocket"]);
  } finally {
    polling.close();
    upgrading.close();
  }
});

test("channels: join, send, broadcast, update, leave with echo rules and members", async () => {
  const envId = newEnv();
  const a = await connected(connect(envId, { echo: true }));
  const b = await connected(connect(envId, { echo: false }));
  const ia = inbox(a);
  const ib = inbox(b);
  try {
    a.emit("join", { channel: "c1" });
    assert.deepEqual(await ia.next(), { event: "channel:join", args: [{ channel: "c1", message: { id: a.id } }] });
    b.emit("update", { data: { name: "Bob" } });
    b.emit("join", { channel: "c1" }); // echo off: b is not told of its own join
    assert.deepEqual(await ia.next(), { event: "channel:join", args: [{ channel: "c1", message: { id: b.id, data: { name: "Bob" } } }] });

    const members = await a.emitWithAck("members", { channel: "c1" });
    assert.deepEqual(members, [{ id: a.id }, { id: b.id, data: { name: "Bob" } }]);

    b.emit("message", { channel: "c1", eventName: "chat", message: "hi" });
    assert.deepEqual(await ia.next(), { event: "chat", args: [{ channel: "c1", message: "hi" }] });
    b.emit("message", { channel: "c1", eventName: "chat", message: "echoed", echo: true });
    assert.deepEqual(await ia.next(), { event: "chat", args: [{ channel: "c1", message: "echoed" }] });
    assert.deepEqual(await ib.next(), { event: "chat", args: [{ channel: "c1", message: "echoed" }] });

    a.emit("message", { eventName: "news", message: 42 });
    assert.deepEqual(await ia.next(), { event: "news", args: [{ channel: null, message: 42 }] });
    assert.deepEqual(await ib.next(), { event: "news", args: [{ channel: null, message: 42 }] });

    a.emit("update", { data: { name: "Ann" }, echo: false });
    assert.deepEqual(await ib.next(), { event: "channel:update", args: [{ channel: "c1", message: { id: a.id, data: { name: "Ann" } } }] });

    a.emit("leave", { channel: "c1" });
    assert.deepEqual(await ia.next(), { event: "channel:leave", args: [{ channel: "c1", message: { id: a.id, data: { name: "Ann" } } }] });
    assert.deepEqual(await ib.next(), { event: "channel:leave", args: [{ channel: "c1", message: { id: a.id, data: { name: "Ann" } } }] });
    const left = await b.emitWithAck("members", { channel: "c1" });
    assert.deepEqual(left, [{ id: b.id, data: { name: "Bob" } }]);

    // A Buffer travels as a binary attachment and arrives as one.
    b.emit("message", { channel: "c1", eventName: "blob", message: Buffer.from([1, 2, 3]), echo: true });
    const blob = await ib.next();
    assert.equal(blob.event, "blob");
    assert.ok(Buffer.isBuffer(blob.args[0].message));
    assert.deepEqual([...blob.args[0].message], [1, 2, 3]);

    // A disconnecting member leaves its channels: the others are told.
    a.emit("join", { channel: "c1" });
    assert.equal((await ia.next()).event, "channel:join");
    assert.equal((await ib.next()).event, "channel:join");
    const bID = b.id; // a closed socket forgets its id
    b.close();
    assert.deepEqual(await ia.next(), { event: "channel:leave", args: [{ channel: "c1", message: { id: bID, data: { name: "Bob" } } }] });
    assert.equal(ia.pending(), 0);
  } finally {
    a.close();
    b.close();
  }
});

test("user events reach that user's connections only", async () => {
  const envId = newEnv();
  const alice1 = await connected(connect(envId, { user: "alice" }));
  const alice2 = await connected(connect(envId, { user: "alice", transports: ["polling"] }));
  const bob = await connected(connect(envId, { user: "bob" }));
  const other = await connected(connect(newEnv(), { user: "alice" }));
  const [i1, i2, ib, io2] = [alice1, alice2, bob, other].map(inbox);
  try {
    const session = { token: "tok-alice", userId: "alice" };
    await post("/test/user-event", { envId, userId: "alice", event: "user:signin", session });
    await post("/test/user-event", { envId, userId: "alice", event: "user:update", session: null });
    for (const inb of [i1, i2]) {
      assert.deepEqual(await inb.next(), { event: "user:signin", args: ["user:signin", session] });
      assert.deepEqual(await inb.next(), { event: "user:update", args: ["user:update", null] });
    }
    // Bob's first event is his own: nothing of Alice's reached him. Nor
    // did her events reach her connection in another environment.
    await post("/test/user-event", { envId, userId: "bob", event: "user:signout", session: null });
    assert.deepEqual(await ib.next(), { event: "user:signout", args: ["user:signout", null] });
    await post("/test/user-event", { envId: other.auth.envId, userId: "alice", event: "user:delete", session: null });
    assert.deepEqual(await io2.next(), { event: "user:delete", args: ["user:delete", null] });
  } finally {
    for (const s of [alice1, alice2, bob, other]) s.close();
  }
});

test("the official altogic client: realtime channels, getMembers, onUserEvent, reconnection", async () => {
  const envId = newEnv();
  const options = { realtime: { reconnectionDelay: 50, timeout: 5000 } };
  const alice = createClient(`${ENGINE}/e:${envId}`, KEY, options);
  alice.auth.setSession({ token: "tok-alice" }); // before client.realtime opens the socket
  const bob = createClient(`${ENGINE}/e:${envId}`, KEY, options);
  bob.auth.setSession({ token: "tok-bob" });
  const ra = alice.realtime;
  const rb = bob.realtime;
  try {
    const joins = [];
    ra.onJoin((payload) => joins.push(payload));
    await Promise.all([
      ra.isConnected() ? null : new Promise((resolve) => ra.onConnect(resolve)),
      rb.isConnected() ? null : new Promise((resolve) => rb.onConnect(resolve)),
    ]);

    rb.updateProfile({ name: "Bob" });
    const aliceJoined = new Promise((resolve) => ra.once("channel:join", resolve));
    ra.join("lobby");
    assert.deepEqual(await aliceJoined, { channel: "lobby", message: { id: ra.getSocketId() } });
    const bobJoined = new Promise((resolve) => ra.once("channel:join", resolve));
    rb.join("lobby");
    assert.deepEqual(await bobJoined, { channel: "lobby", message: { id: rb.getSocketId(), data: { name: "Bob" } } });

    const { data: members, errors } = await alice.realtime.getMembers("lobby");
    assert.equal(errors, null);
    assert.deepEqual(members, [{ id: ra.getSocketId() }, { id: rb.getSocketId(), data: { name: "Bob" } }]);

    const chat = new Promise((resolve) => ra.on("chat", resolve));
    rb.send("lobby", "chat", { text: "hello" });
    assert.deepEqual(await chat, { channel: "lobby", message: { text: "hello" } });
    const updated = new Promise((resolve) => ra.onUpdate(resolve));
    rb.updateProfile({ name: "Robert" });
    assert.deepEqual(await updated, { channel: "lobby", message: { id: rb.getSocketId(), data: { name: "Robert" } } });

    const userEvent = new Promise((resolve) => alice.auth.onUserEvent((event, session) => resolve({ event, session })));
    await post("/test/user-event", { envId, userId: "alice", event: "user:pwdchange", session: { token: "tok-alice" } });
    assert.deepEqual(await userEvent, { event: "user:pwdchange", session: { token: "tok-alice" } });

    // The server drops the environment's connections; the clients
    // reconnect and autoJoinChannels joins them to the lobby again, each
    // seeing its own join (echoMessages defaults to true).
    const oldIds = [ra.getSocketId(), rb.getSocketId()];
    const rejoined = (r) =>
      new Promise((resolve) => {
        const on = (payload) => {
          if (!oldIds.includes(payload.message.id) && payload.message.id === r.getSocketId()) {
            r.off("channel:join", on);
            resolve();
          }
        };
        r.on("channel:join", on);
      });
    const attempt = new Promise((resolve) => ra.onReconnectAttempt(resolve));
    const both = Promise.all([rejoined(ra), rejoined(rb)]);
    await post("/test/close-env", { envId });
    await attempt;
    await both;
    assert.ok(!oldIds.includes(ra.getSocketId()) && !oldIds.includes(rb.getSocketId()));
    const { data: after } = await alice.realtime.getMembers("lobby");
    assert.deepEqual(after.map((m) => m.id).sort(), [ra.getSocketId(), rb.getSocketId()].sort());
    assert.deepEqual(after.find((m) => m.id === rb.getSocketId()).data, { name: "Robert" });
  } finally {
    ra.close();
    rb.close();
  }
});
