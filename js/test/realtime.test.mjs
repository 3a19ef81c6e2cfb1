// realtime.connections() and realtime.waitForEvent() with the official
// client's realtime connection (socket.io).

import assert from "node:assert/strict";
import dns from "node:dns";
import { after, before, test } from "node:test";
import { createClient } from "altogic";
import { startEmulator } from "altogic-emulator";
import { emulatorBinary, PASSWORD } from "./helpers.mjs";

// The client derives its realtime URL from the base URL's host
// (engine.emu.localhost gives realtime.emu.localhost: docs/realtime.md).
// Node does not resolve *.localhost names; this process answers them.
const lookup = dns.lookup;
dns.lookup = function (host, options, callback) {
  if (typeof options === "function") [callback, options] = [options, {}];
  else if (typeof options === "number") options = { family: options };
  if (/\.localhost$/i.test(host)) {
    if (options?.all) return process.nextTick(callback, null, [{ address: "127.0.0.1", family: 4 }]);
    return process.nextTick(callback, null, "127.0.0.1", 4);
  }
  return lookup.call(this, host, options, callback);
};

let emu;
before(async () => {
  await emulatorBinary();
  emu = await startEmulator();
});
after(() => emu?.stop());

test("a user's connection, its events, and a wait that ends with none", async () => {
  const env = emu.env("realtime");
  const engine = `http://engine.emu.localhost:${new URL(emu.url).port}/e:${env.id}`;
  const me = createClient(engine, "any-key", { realtime: { timeout: 5000 } });
  const { session, errors } = await me.auth.signInWithEmail("verified@example.com", PASSWORD);
  assert.equal(errors, null);
  const rt = me.realtime;
  await new Promise((resolve) => (rt.isConnected() ? resolve() : rt.onConnect(resolve)));
  try {
    const connections = await env.realtime.connections();
    assert.equal(connections.length, 1);
    assert.equal(connections[0].userId, session.userId);
    assert.equal(connections[0].id, rt.getSocketId());

    // Another device signs in: this connection gets user:signin.
    const other = createClient(env.url, "any-key");
    assert.equal((await other.auth.signInWithEmail("verified@example.com", PASSWORD)).errors, null);
    const event = await env.realtime.waitForEvent({ event: "user:signin", userId: session.userId });
    assert.deepEqual(event.to, [rt.getSocketId()]);
    assert.equal((await env.realtime.events({ userId: session.userId }))[0].event, "user:signin");

    // The control API's changes are user events too.
    await env.users.update(session.userId, { name: "Vera V." });
    assert.equal((await env.realtime.waitForEvent({ event: "user:update", userId: session.userId })).userId, session.userId);

    await assert.rejects(env.realtime.waitForEvent({ event: "user:signout", userId: session.userId, timeout: 200 }), {
      status: 404,
      message: `No realtime event user:signout for user ${session.userId} was delivered within 200 ms (environment realtime)`,
    });
  } finally {
    rt.close();
  }
});
