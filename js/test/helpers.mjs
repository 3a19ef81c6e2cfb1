// Shared by the tests: the emulator binary they run, and the default
// fixtures' password.

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const run = promisify(execFile);
export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export const kitRoot = fileURLToPath(new URL("..", import.meta.url));

// Every fixture user's password (fixtures/default.yaml).
export const PASSWORD = "Passw0rd!";

let built;
/**
 * The emulator binary the tests run, in $ALTOGIC_EMULATOR_BIN (where
 * startEmulator() looks): when that is unset, one is built from the
 * repository into a temporary folder, removed when the process exits.
 * Call it from the file's one `before` hook: Node 20 runs a file's
 * top-level `before` hooks at the same time, not in turn.
 */
export function emulatorBinary() {
  built ??= (async () => {
    if (process.env.ALTOGIC_EMULATOR_BIN) return process.env.ALTOGIC_EMULATOR_BIN;
    const dir = mkdtempSync(join(tmpdir(), "altogic-emulator-bin-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    const bin = join(dir, process.platform === "win32" ? "altogic-emulator.exe" : "altogic-emulator");
    await run("go", ["build", "-o", bin, "."], { cwd: repoRoot });
    return (process.env.ALTOGIC_EMULATOR_BIN = bin);
  })();
  return built;
}

/** A temporary folder for one test file, removed afterwards. */
export function useTempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
