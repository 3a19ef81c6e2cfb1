// altogic-emulator: start an altogic-emulator (or connect to one that runs)
// from JavaScript tests, and drive it through its control API: the inbox,
// email links, the clock, faults, users, settings, the request journal,
// coverage, state snapshots and realtime events.
//
//   const emu = await startEmulator();
//   const altogic = createClient(emu.url, "any-key");   // the official client
//   await altogic.auth.sendResetPwdEmail("verified@example.com");
//   const mail = await emu.waitForEmail({ to: "verified@example.com", action: "reset-pwd" });
//   const { accessToken } = await emu.followLink(mail);
//   await emu.stop();
//
// No dependencies: Node 20's fetch and child_process.

import { spawn } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as delay } from "node:timers/promises";

const HOW_TO_GET_ONE = [
  "Get the emulator with one of:",
  "  go install github.com/altogic-emulator/altogic-emulator@latest   (puts altogic-emulator on your PATH via $GOBIN)",
  "  the Docker image (docker build -t altogic-emulator . in its repository; docker run -p 127.0.0.1:8484:8484 altogic-emulator), then connect(url)",
  "  go build -o altogic-emulator . in its repository",
  "and pass startEmulator({ binary }), set ALTOGIC_EMULATOR_BIN, or put it on your PATH.",
].join("\n");

// The longest wait the inbox and realtime APIs take at once; longer waits loop.
const MAX_WAIT_MS = 60_000;
const DEFAULT_WAIT_MS = 5_000;
// stderr kept for error messages.
const STDERR_KEEP = 16 * 1024;

/** An error answered by the control API, or a wait that ended without a match. */
export class EmulatorError extends Error {
  constructor(message, { status, code, errors, cause } = {}) {
    super(message, cause ? { cause } : undefined);
    this.name = "EmulatorError";
    this.status = status;
    this.code = code;
    this.errors = errors;
  }
}

// ---------------------------------------------------------------------------
// Starting and connecting.

/**
 * Starts `<binary> --addr 127.0.0.1:<port or 0> [--fixtures F] [--admin-token T] ...args`,
 * learns its URL from its start line, waits for its health, and answers the
 * handle of the environment "default". stop() ends it.
 */
export async function startEmulator(options = {}) {
  const { fixtures, port = 0, args = [], startTimeout = 30_000, onLog } = options;
  const adminToken = options.adminToken ?? process.env.ALTOGIC_EMULATOR_ADMIN_TOKEN;
  const bin = findBinary(options.binary);
  const argv = ["--addr", `127.0.0.1:${port}`];
  if (fixtures) argv.push("--fixtures", fixtures);
  if (adminToken) argv.push("--admin-token", adminToken);
  argv.push(...args);

  const child = spawn(bin, argv, { stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  let stderr = "";
  createInterface({ input: child.stderr }).on("line", (line) => {
    stderr = (stderr + line + "\n").slice(-STDERR_KEEP);
    onLog?.(line);
  });
  const stdout = createInterface({ input: child.stdout });
  stdout.on("line", (line) => onLog?.(line));
  // Resolves when the process has exited and its output is read.
  const exited = new Promise((resolve) => {
    child.once("close", (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  const failure = (what) => `${what}${stderr ? `:\n${stderr.trimEnd()}` : ""}`;
  const kill = () => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL");

  // The start line: "… listening on http://127.0.0.1:PORT with …".
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      kill();
      reject(new Error(failure(`${bin} printed no start line ("listening on http://…") within ${startTimeout} ms (is its --log-level, or ALTOGIC_EMULATOR_LOG_LEVEL, above info?)`)));
    }, startTimeout);
    const startLine = (line) => {
      const m = /listening on (http:\/\/[^\s"]+)/.exec(line);
      if (!m) return;
      clearTimeout(timer);
      stdout.off("line", startLine);
      resolve(m[1]);
    };
    stdout.on("line", startLine);
    child.once("error", (err) => {
      clearTimeout(timer);
      running.delete(child);
      reject(new Error(`cannot run ${bin}: ${err.message}\n${HOW_TO_GET_ONE}`, { cause: err }));
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(failure(`${bin} exited (${signal ?? `code ${code}`}) before it started`)));
    });
  });

  try {
    await waitForHealth(url, Date.now() + startTimeout);
  } catch (err) {
    kill();
    throw err;
  }

  // The emulator runs until stop(), as a server would: until then it keeps
  // Node running. Should Node exit first, it is sent SIGTERM (below).
  let stopped;
  const stop = () =>
    (stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const { code, signal } = await exited;
      if (code !== 0) throw new Error(failure(`altogic-emulator exited with ${signal ?? `code ${code}`}`));
    })());
  return { ...handle(url, "default", url, adminToken), stop };
}

/**
 * The handle of an emulator that already runs (Docker, a CI service), for
 * the environment "default"; stop() does nothing. `url` is its root URL.
 */
export async function connect(url, options = {}) {
  const root = String(url).replace(/\/+$/, "").replace(/\/e:[^/]*$/, "");
  const adminToken = options.adminToken ?? process.env.ALTOGIC_EMULATOR_ADMIN_TOKEN;
  await waitForHealth(root, Date.now() + (options.timeout ?? 10_000));
  return { ...handle(root, "default", root, adminToken), stop: async () => {} };
}

// Emulators this process started and has not seen exit; SIGTERM them (they
// write their files and exit) if Node exits without stopping them.
const running = new Set();
process.once("exit", () => {
  for (const child of running) child.kill("SIGTERM");
});

// The binary to run: the one given, else $ALTOGIC_EMULATOR_BIN, else
// altogic-emulator on the PATH.
function findBinary(binary) {
  const given = binary || process.env.ALTOGIC_EMULATOR_BIN;
  if (given) return given;
  const names = process.platform === "win32" ? ["altogic-emulator.exe"] : ["altogic-emulator"];
  for (const dir of (process.env.PATH ?? "").split(delimiter).filter(Boolean)) {
    for (const name of names) {
      const file = join(dir, name);
      try {
        accessSync(file, constants.X_OK);
        if (statSync(file).isFile()) return file;
      } catch {
        // not here
      }
    }
  }
  throw new Error(`No altogic-emulator binary: none given, ALTOGIC_EMULATOR_BIN is unset, and there is none on the PATH.\n${HOW_TO_GET_ONE}`);
}

// Waits until GET /_emulator/health answers 200. The emulator listens before
// it prints its start line, so the first try normally answers.
async function waitForHealth(root, deadline) {
  for (;;) {
    let problem;
    try {
      const res = await fetch(`${root}/_emulator/health`, { signal: AbortSignal.timeout(Math.max(250, deadline - Date.now())) });
      await res.body?.cancel();
      if (res.status === 200) return;
      problem = `it answered ${res.status}`;
    } catch (err) {
      problem = err.cause?.message ?? err.message;
    }
    if (Date.now() >= deadline) throw new Error(`No emulator answers ${root}/_emulator/health: ${problem}`);
    await delay(50);
  }
}

// ---------------------------------------------------------------------------
// The handle of one environment.

const ENV_ID = /^[A-Za-z0-9._-]{1,64}$/;

function handle(root, id, url, adminToken) {
  // Calls [/e:{id}]/_emulator/<path>; answers the JSON, or undefined for 204.
  async function control(method, path, { query, body } = {}) {
    const q = new URLSearchParams(Object.entries(query ?? {}).filter(([, v]) => v !== undefined && v !== null && v !== ""));
    const target = `${url}/_emulator${path}${q.size ? `?${q}` : ""}`;
    const headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (adminToken) headers.Authorization = `Bearer ${adminToken}`;
    const res = await fetch(target, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) {
      let errors;
      try {
        errors = JSON.parse(text).errors;
      } catch {
        // not the envelope
      }
      const first = errors?.[0];
      const detail = first ? `${first.code}: ${first.message}` : text.slice(0, 500);
      throw new EmulatorError(`${method} ${target} answered ${res.status} ${detail}`, { status: res.status, code: first?.code, errors });
    }
    return text ? JSON.parse(text) : undefined;
  }

  // GET …/latest with wait, looping past the 60 s one request may wait.
  async function latest(path, query, timeout = DEFAULT_WAIT_MS, what) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const wait = Math.max(0, Math.min(deadline - Date.now(), MAX_WAIT_MS));
      try {
        return await control("GET", path, { query: { ...query, wait: `${wait}ms` } });
      } catch (err) {
        if (err.status !== 404 || err.code !== "not_found") throw err;
        if (Date.now() >= deadline) {
          throw new EmulatorError(`${what} within ${timeout} ms (environment ${id})`, { status: 404, code: "not_found", errors: err.errors, cause: err });
        }
      }
    }
  }

  const awaited = (noun, { to, action }) => `No ${noun}${to ? ` to ${to}` : ""}${action ? ` with action ${action}` : ""} arrived`;

  return {
    id,
    url,

    /** The handle of environment `envId` of the same emulator (its URL: `${root}/e:${envId}`). */
    env(envId) {
      if (!ENV_ID.test(envId)) throw new TypeError(`An environment id is 1 to 64 letters, digits, ".", "_" or "-", not ${JSON.stringify(envId)}`);
      return handle(root, envId, `${root}/e:${envId}`, adminToken);
    },

    // The inbox.
    waitForEmail: (f = {}) => latest("/inbox/emails/latest", { to: f.to, action: f.action }, f.timeout, awaited("email", f)),
    waitForSms: (f = {}) => latest("/inbox/sms/latest", { to: f.to, action: f.action }, f.timeout, awaited("SMS", f)),
    emails: async (f = {}) => (await control("GET", "/inbox/emails", { query: { to: f.to, action: f.action } })).emails,
    sms: async (f = {}) => (await control("GET", "/inbox/sms", { query: { to: f.to, action: f.action } })).sms,
    clearInbox: () => control("DELETE", "/inbox"),

    /** Requests an email link as a browser would, stopping at its redirect. */
    async followLink(emailOrLink) {
      const link = typeof emailOrLink === "string" ? emailOrLink : emailOrLink?.link;
      if (typeof link !== "string") throw new TypeError("followLink takes an email (with .link) or a link");
      const res = await fetch(link, { redirect: "manual" });
      const body = await res.text();
      const location = res.headers.get("location");
      if (!location) throw new EmulatorError(`${link} answered ${res.status} without a redirect: ${body.slice(0, 500)}`, { status: res.status });
      const to = new URL(location, link);
      const q = to.searchParams;
      return {
        status: Number(q.get("status")),
        action: q.get("action"),
        accessToken: q.get("access_token"),
        error: q.get("error"),
        location: to.href,
        httpStatus: res.status,
      };
    },

    clock: {
      get: () => control("GET", "/clock"),
      now: async () => new Date((await control("GET", "/clock")).now),
      /** Moves the clock forward: milliseconds, or a Go duration such as "61m". */
      advance: async (duration) => control("POST", "/clock", { body: { advance: goDuration(duration) } }),
      freeze: () => control("POST", "/clock", { body: { freeze: true } }),
      unfreeze: () => control("POST", "/clock", { body: { freeze: false } }),
      set: (date) => control("POST", "/clock", { body: { set: date instanceof Date ? date.toISOString() : String(date) } }),
    },

    faults: {
      add: (fault) => control("POST", "/faults", { body: fault }),
      clear: () => control("DELETE", "/faults"),
      list: async () => (await control("GET", "/faults")).faults,
    },

    users: {
      create: (user) => control("POST", "/users", { body: user }),
      list: async () => (await control("GET", "/users")).users,
      update: (userId, patch) => control("PATCH", `/users/${encodeURIComponent(userId)}`, { body: patch }),
      delete: (userId) => control("DELETE", `/users/${encodeURIComponent(userId)}`),
    },

    config: {
      get: () => control("GET", "/config"),
      patch: (settings) => control("PATCH", "/config", { body: settings }),
    },

    requests: async (f = {}) => (await control("GET", "/requests", { query: { operation: f.operation, status: f.status } })).requests,
    coverage: () => control("GET", "/coverage"),
    exportState: () => control("GET", "/state"),
    importState: (state) => control("PUT", "/state", { body: state }),
    reset: () => control("POST", "/reset"),
    /** Deletes the environment and all its state; its next use starts afresh. */
    deleteEnvironment: () => control("DELETE", "/environment"),
    environments: async () => (await control("GET", "/environments")).environments,
    health: () => control("GET", "/health"),

    realtime: {
      connections: async () => (await control("GET", "/realtime/connections")).connections,
      events: async (f = {}) => (await control("GET", "/realtime/events", { query: { event: f.event, userId: f.userId, channel: f.channel } })).events,
      waitForEvent: (f = {}) =>
        latest(
          "/realtime/events/latest",
          { event: f.event, userId: f.userId, channel: f.channel },
          f.timeout,
          `No realtime event${f.event ? ` ${f.event}` : ""}${f.userId ? ` for user ${f.userId}` : ""}${f.channel ? ` on channel ${f.channel}` : ""} was delivered`,
        ),
    },
  };
}

// Milliseconds as a Go duration; a string is taken as one already.
function goDuration(d) {
  if (typeof d === "string") return d;
  if (typeof d !== "number" || !Number.isFinite(d)) throw new TypeError(`A duration is milliseconds or a Go duration such as "61m", not ${d}`);
  return `${d}ms`;
}
