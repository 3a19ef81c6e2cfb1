// Package realtime serves Altogic's realtime protocol: what the official
// altogic client's RealtimeManager (npm altogic 2.3.9) speaks through
// socket.io-client 4 — Socket.IO protocol 5 over Engine.IO 4, by WebSocket
// or HTTP long-polling, upgrading from one to the other.
//
// A Server is an http.Handler for Path ("/socket.io/"), to be served on
// the realtime host. It does not know the emulator: who a connection is,
// Options.Authenticate decides; user events come in through
// Server.EmitUserEvent; the REST getMembers is answered from
// Server.Members; Options.OnEvent reports what is emitted.
//
// # What the client does
//
// From altogic 2.3.9's src/RealtimeManager.ts, src/utils/helpers.ts and
// src/types.ts:
//
//   - The realtime URL comes from the base URL (parseRealtimeEnvUrl):
//     "http://engine.example.com/e:dev" gives "http://realtime.example.com"
//     and envId "dev"; "http://sub.cluster.example.com" gives
//     "http://realtime.cluster.example.com" and subdomain "sub". The client
//     passes no path, so socket.io-client's default /socket.io/ is used,
//     with the "/" namespace.
//   - io(url, {transports: ["websocket", "polling"], reconnection: true,
//     auth: {echoMessages, subdomain, envId, clientKey, Session}}): Session
//     is the session token the client holds when client.realtime is first
//     used. With websocket first, socket.io-client connects by WebSocket
//     and does not fall back to polling; other clients (the Dart one,
//     browsers configured otherwise) may poll and upgrade.
//   - It emits "join" {channel, echo}, "leave" {channel, echo}, "update"
//     {data, echo} and "message" {channel, eventName, message} (a send) or
//     {eventName, message} (a broadcast), with echo when bufferMessages is
//     off. On every connect with autoJoinChannels it emits its last update
//     and joins its channels again.
//   - It listens to "channel:join", "channel:leave", "channel:update", the
//     eventName of messages (payload {channel, message}, channel null for a
//     broadcast), and user:signin, user:signout, user:update, user:delete,
//     user:pwdchange, user:emailchange, user:phonechange. onUserEvent's
//     listener is (eventName, session) (types.ts UserEventListenerFunction),
//     registered directly with socket.on, so the wire event carries the
//     arguments (eventName, session).
//   - getMembers is REST, not realtime: POST /_api/rest/v1/realtime/get-members
//     with {"channel": name}, answered by an array of MemberData {id, data}.
//   - connect_error reaches onError: socket.io-client makes it an Error with
//     the server's message and, when given, data.
//
// # What the server does, and where it comes from
//
// Altogic's server is not public. Its successor by the same team, Agnost's
// realtime server (cloud-agnost/agnost-community engine/realtime/,
// init/realtime.js, on socket.io 4), has the same events, and is followed:
//
//   - Echo: `payload.echo ?? socket.data.echo`, where socket.data.echo is
//     auth.echoMessages (absent means no echo), with JavaScript truthiness.
//   - join: nothing when already a member; else the members are sent
//     channel:join {channel, message: {id, data}} (id the socket id, data the
//     last update's data, left out when there was none), the socket joins,
//     and it is sent the same event itself when echo holds.
//   - leave: nothing when not a member; else the socket leaves, the members
//     left are sent channel:leave, and the socket too when echo holds.
//   - update: the socket's data is replaced and each channel it is in gets
//     channel:update, the updater included when echo holds.
//   - message: with a channel, to the channel's members (the sender need
//     not be one), the sender left out unless echo holds; without one, to
//     every connection of the environment, likewise. The payload is
//     {channel (or null), message}.
//   - A connection that ends leaves its channels: the members left are
//     sent channel:leave.
//   - User events go to the room of the user in the environment, emitted as
//     (eventName, eventName, session, user). The client reads two of them,
//     and the Dart client (altogic-dart lib/src/realtime_manager.dart) reads
//     args[0] and args[1]; EmitUserEvent sends (eventName, session).
//   - "members" {channel} with an acknowledgement answers [{id, data}]: the
//     Dart client's getMembers uses it, and Agnost keeps it beside the REST.
//   - Refusals are Errors whose data is {origin, code, message} (util/
//     helper.js errorMessage); this package's own refusals (too many
//     connections, no environment) take that shape.
//
// Choices where neither says: the path is socket.io's default, which the
// client uses (Agnost serves /realtime/ for its own client). Any origin is
// allowed, as Agnost's cors origin "*". The heartbeat defaults are
// socket.io's (25 s, 20 s; Agnost configures 10 s, 30 s). Event names that
// socket.io reserves (connect, disconnect, …) are not relayed: the
// clients' parser would refuse the packet and close. CloseEnv and Close
// end transports without a Socket.IO disconnect, as socket.io's own close
// does ("server shutting down"): clients reconnect and meet Authenticate
// again, instead of staying disconnected as after "io server disconnect".
//
// # Library
//
// Compared: github.com/zishang520/socket.io/servers/socket/v3 (v3.0.6, a
// port of the Node server, on servers/engine/v3), and the subset of
// Engine.IO 4 and Socket.IO 5 needed here written on a WebSocket library.
// The port mounts as an http.Handler and exposes the handshake auth and
// request, but: it brings about twenty modules (quic-go and
// webtransport-go, brotli, klauspost/compress, msgpack, gookit/color,
// resty) and moves golang.org/x/text, shared with the rest of the module,
// from v0.14 to v0.42; its packages keep state at package level (loggers
// made at init, a transport registry map); and its engine socket queues
// outgoing packets in an unbounded slice, as Node does, so a client that
// stops reading grows it without limit, with no hook to bound it.
//
// The subset is small (handshake, heartbeat, polling payloads with the
// record separator and base64 binary, the WebSocket probe and upgrade,
// CONNECT/CONNECT_ERROR/EVENT/ACK/DISCONNECT, binary attachments) and is
// checked against socket.io-client 4.8 and the altogic client in
// TestNodeClients. It is built on github.com/coder/websocket, which has no
// dependencies, reads and writes with contexts, enforces a read limit
// (closing with 1009) and is safe for concurrent use; gorilla/websocket
// would do as well. What this buys:
//
//   - Bounded memory: MaxMessageBytes bounds a WebSocket message, a
//     polling body and a binary packet's attachments, and closes the
//     connection past it; each connection's send queue is bounded by
//     SendBufferBytes and SendBufferPackets, and a connection that would
//     exceed them is closed, its WebSocket cut at once.
//   - No package state: everything hangs off a Server.
//   - Shutdown: Close refuses new sessions, closes the others (a polling
//     session's close packet rides its next poll), waits for every
//     goroutine the Server started, and past its context cuts the
//     connections still open.
//
// Not done: namespaces other than "/" (answered "Invalid namespace"),
// connection state recovery, WebTransport, Engine.IO 3 (socket.io 2
// clients) and JSONP, per-message compression, the msgpack parser.
package realtime
