// The part of @playwright/test's types that altogic-emulator/playwright
// uses, so that its .d.ts is checked without Playwright installed.
type KeyValue = { [key: string]: any };
export interface PlaywrightTestArgs { page: { goto(url: string): Promise<unknown> } }
export interface PlaywrightTestOptions { baseURL: string | undefined }
export interface PlaywrightWorkerArgs { browserName: string }
export interface PlaywrightWorkerOptions { headless: boolean }
export type Fixtures<T extends KeyValue = {}, W extends KeyValue = {}> = { [K in keyof T | keyof W]?: unknown };
export interface TestType<TestArgs extends KeyValue, WorkerArgs extends KeyValue> {
  (title: string, body: (args: TestArgs & WorkerArgs) => Promise<void> | void): void;
  use(fixtures: Partial<TestArgs & WorkerArgs>): void;
  extend<T extends KeyValue, W extends KeyValue = {}>(fixtures: Fixtures<T, W>): TestType<TestArgs & T, WorkerArgs & W>;
}
export declare const test: TestType<PlaywrightTestArgs & PlaywrightTestOptions, PlaywrightWorkerArgs & PlaywrightWorkerOptions>;
export declare function expect(value: unknown): { toBe(expected: unknown): void };
