// Teaches Node what every browser knows: *.localhost names are loopback.
// The official client derives its realtime URL from the base URL
// (http://engine.emu.localhost:PORT/e:ENV gives http://realtime.emu.localhost:PORT),
// and Node's resolver does not know such names; http, ws and fetch all look
// names up through dns.lookup, which this wraps. Require it before the
// client connects.
"use strict";

const dns = require("node:dns");
const realLookup = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  if (typeof options === "function") {
    callback = options;
    options = {};
  } else if (typeof options === "number") {
    options = { family: options };
  }
  if (/\.localhost$/i.test(hostname)) {
    if (options && options.all) return process.nextTick(callback, null, [{ address: "127.0.0.1", family: 4 }]);
    return process.nextTick(callback, null, "127.0.0.1", 4);
  }
  return realLookup.call(this, hostname, options, callback);
};
