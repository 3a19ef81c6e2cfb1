// The README's recipes for Playwright, Vitest and Jest, run by those tools
// themselves: each section's files are written out as the README gives
// them (a code block whose first line is `// <path>`) into a project that
// has the packed kit installed and the runners of test/recipes/ (fixed
// versions, installed by ./test.sh with npm ci).

import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { before, test } from "node:test";
import { emulatorBinary, kitRoot, run, useTempDir } from "./helpers.mjs";

const runners = join(kitRoot, "test", "recipes", "node_modules");
const dir = useTempDir("altogic-emulator-recipes-");
const readme = readFileSync(join(kitRoot, "README.md"), "utf8");

before(async () => {
  assert.ok(existsSync(runners), "the test runners are not installed: run npm ci --prefix js/test/recipes (./test.sh does)");
  await emulatorBinary();
  // The kit as users get it, and the runners one folder up from each project.
  const packed = JSON.parse((await run("npm", ["pack", "--json", "--pack-destination", dir], { cwd: kitRoot })).stdout)[0];
  mkdirSync(join(dir, "kit"));
  await run("tar", ["-xzf", join(dir, packed.filename), "-C", join(dir, "kit"), "--strip-components=1"]);
  symlinkSync(runners, join(dir, "node_modules"), "dir");
});

/**
 * A project with the files of the README's section `name` and the packed
 * kit in its node_modules; answers its folder and the files written.
 */
function project(name) {
  const at = join(dir, name.toLowerCase());
  const start = readme.indexOf(`\n## ${name}\n`);
  assert.notEqual(start, -1, `the README has no section ${name}`);
  const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
  const files = {};
  for (const [, path, body] of section.matchAll(/```(?:js|ts)\n\/\/ (\S+)\n([^]*?)```/g)) {
    files[path] = `// ${path}\n${body}`;
    mkdirSync(dirname(join(at, path)), { recursive: true });
    writeFileSync(join(at, path), files[path]);
  }
  writeFileSync(join(at, "package.json"), JSON.stringify({ name: `recipe-${name.toLowerCase()}`, private: true, type: "module" }));
  mkdirSync(join(at, "node_modules"));
  symlinkSync(join(dir, "kit"), join(at, "node_modules", "altogic-emulator"), "dir");
  return { at, files };
}

// The runners print colours and progress only to a terminal.
const runnerEnv = (extra = {}) => {
  const env = { ...process.env, CI: "1", NO_COLOR: "1", FORCE_COLOR: "0", ...extra };
  delete env.NODE_TEST_CONTEXT; // set for this file's own run; each runner is a run of its own
  return env;
};

async function runner(cwd, args, env) {
  const bin = join(dir, "node_modules", ".bin", args[0]);
  const ran = await run(bin, args.slice(1), { cwd, env: runnerEnv(env), timeout: 240_000 }).catch((err) => err);
  return { code: ran.code ?? 0, out: `${ran.stdout}${ran.stderr}` };
}

test("Vitest: the README's global set-up and test, run by vitest", { timeout: 300_000 }, async () => {
  const { at, files } = project("Vitest");
  assert.deepEqual(Object.keys(files).sort(), ["test/emulator-setup.js", "test/reset.test.js", "vitest.config.js"]);
  const { code, out } = await runner(at, ["vitest", "run"]);
  assert.equal(code, 0, out);
  assert.match(out, /Tests\s+1 passed \(1\)/, out);
});

test("Jest: the README's global set-up, teardown and test, run by jest", { timeout: 300_000 }, async () => {
  const { at, files } = project("Jest");
  assert.deepEqual(Object.keys(files).sort(),
    ["jest.config.js", "test/emulator-setup.js", "test/emulator-teardown.js", "test/reset.test.js"]);
  // The README's command line.
  assert.match(readme, /NODE_OPTIONS=--experimental-vm-modules npx jest/);
  const { code, out } = await runner(at, ["jest"], { NODE_OPTIONS: "--experimental-vm-modules" });
  assert.equal(code, 0, out);
  assert.match(out, /Tests:\s+1 passed, 1 total/, out);
});

// The app the README's spec drives: a page with an Email field and a Send
// button that calls sendResetPwdEmail with the official client's browser
// bundle, at the URL the spec gives it; any other path answers a page too
// (the Redirect URL the emulator sends the browser to).
function startApp() {
  const bundle = readFileSync(join(runners, "altogic", "dist", "umd", "altogic.js"));
  const page = `<!doctype html><title>app</title>
<label>Email <input id="email"></label><button>Send</button><p id="out"></p>
<script src="/altogic.js"></script>
<script>
document.querySelector("button").onclick = async () => {
  const client = altogic.createClient(window.ALTOGIC_ENV_URL, "any-client-key");
  const { errors } = await client.auth.sendResetPwdEmail(document.querySelector("#email").value);
  document.querySelector("#out").textContent = errors ? JSON.stringify(errors) : "sent";
};
</script>`;
  const server = createServer((req, res) => {
    if (req.url === "/altogic.js") return res.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
    res.writeHead(200, { "content-type": "text/html" }).end(page);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

test("Playwright: the README's spec and config, run by playwright test in Chromium", { timeout: 300_000 }, async (t) => {
  const { at, files } = project("Playwright");
  assert.deepEqual(Object.keys(files).sort(), ["playwright.config.js", "tests/reset.spec.js"]);
  const app = await startApp();
  t.after(() => app.close());
  const appURL = `http://127.0.0.1:${app.address().port}`;
  // Two changes only: the app's address for the README's localhost:3000,
  // and the machine's Chromium (Playwright's own browser download is not
  // reachable here) in the config's `use`.
  const spec = files["tests/reset.spec.js"];
  assert.match(spec, /http:\/\/localhost:3000\//);
  writeFileSync(join(at, "tests/reset.spec.js"), spec.replaceAll("http://localhost:3000", appURL));
  const config = files["playwright.config.js"];
  assert.match(config, /use: \{ emulatorOptions: /);
  const chromium = process.env.CHROMIUM || "/usr/bin/chromium";
  writeFileSync(join(at, "playwright.config.js"),
    config.replace("use: {", `use: { launchOptions: { executablePath: ${JSON.stringify(chromium)} },`));
  // The fixtures file the config names: the spec's user, and the app as
  // the Redirect URL.
  writeFileSync(join(at, "tests/users.yaml"), `settings:
  redirectUrl: ${appURL}/auth-redirect
users:
  - email: verified@example.com
    password: Passw0rd!
    emailVerified: true
`);
  // Three runs of the spec on two workers: an emulator per worker, an
  // environment per test.
  const { code, out } = await runner(at, ["playwright", "test", "--reporter=line", "--repeat-each=3", "--workers=2"]);
  assert.equal(code, 0, out);
  assert.match(out, /3 passed/, out);
});
