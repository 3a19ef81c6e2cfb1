// Types of altogic-emulator/playwright. They need @playwright/test (an
// optional peer dependency) installed.

import type {
  Fixtures,
  PlaywrightTestArgs,
  PlaywrightTestOptions,
  PlaywrightWorkerArgs,
  PlaywrightWorkerOptions,
  TestType,
} from "@playwright/test";
import type { ConnectOptions, Emulator, Environment, StartOptions } from "./index.js";

/** How each worker gets its emulator: started with these options, or connected to `url`. */
export interface EmulatorOptions extends StartOptions, ConnectOptions {
  /** Connect to the emulator that runs here instead of starting one; default `$ALTOGIC_EMULATOR_URL`. */
  url?: string;
}

export interface EmulatorTestFixtures {
  /** An environment of the worker's emulator for this test alone, deleted when it ends. */
  env: Environment;
}

export interface EmulatorWorkerFixtures {
  /** Set in playwright.config's `use`, or with `test.use({ emulatorOptions })` at a file's top. */
  emulatorOptions: EmulatorOptions;
  /** The worker's emulator, started (or connected) once per worker. */
  emulator: Emulator;
}

/** Playwright's `test`, with the fixtures `emulatorOptions`, `emulator` and `env`. */
export declare const test: TestType<
  PlaywrightTestArgs & PlaywrightTestOptions & EmulatorTestFixtures,
  PlaywrightWorkerArgs & PlaywrightWorkerOptions & EmulatorWorkerFixtures
>;

export { expect } from "@playwright/test";

/** `base` with the fixtures `emulatorOptions`, `emulator` and `env`. */
export declare function extend<T extends {}, W extends {}>(
  base: TestType<T, W>,
): TestType<T & EmulatorTestFixtures, W & EmulatorWorkerFixtures>;

/** The fixtures themselves, for `base.extend(emulatorFixtures())`. */
export declare function emulatorFixtures(): Fixtures<EmulatorTestFixtures, EmulatorWorkerFixtures>;

/** The environment id of one test: `pw-<workerIndex>-<hash of testId, repeatEachIndex, retry>`. */
export declare function envIdFor(info: {
  workerIndex: number;
  testId: string;
  repeatEachIndex?: number;
  retry?: number;
}): string;
