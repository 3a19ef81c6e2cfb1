// Uses the kit as a TypeScript test would; tsc checks it against the .d.ts
// files (nothing runs it). @ts-expect-error marks what must not compile.
import { connect, EmulatorError, startEmulator } from "altogic-emulator";
import type { Email, Emulator, Environment, Fault, JournalEntry, Redirect, SMS, User } from "altogic-emulator";

export async function flows(): Promise<void> {
  const emu: Emulator = await startEmulator({ fixtures: "my.yaml", port: 0, args: ["--log-level", "debug"], adminToken: "t" });
  const other: Emulator = await connect("http://127.0.0.1:8484", { adminToken: "t" });
  const env: Environment = emu.env("suite-1");
  const url: string = env.url;

  const mail: Email = await emu.waitForEmail({ to: "verified@example.com", action: "reset-pwd", timeout: 10_000 });
  const link: string = mail.link;
  // @ts-expect-error: not an email action
  await emu.waitForEmail({ action: "reset-pwd-code" });
  const sms: SMS = await env.waitForSms({ to: "+15555555555", action: "reset-pwd-code" });
  const code: string = sms.code;
  const all: Email[] = await emu.emails({ to: "verified@example.com" });
  const texts: SMS[] = await emu.sms();

  const redirect: Redirect = await emu.followLink(mail);
  await emu.followLink(link);
  const status: number = redirect.status;
  const token: string | null = redirect.accessToken;

  await emu.clock.advance("61m");
  await emu.clock.advance(61 * 60_000);
  await emu.clock.set(new Date());
  const now: Date = await emu.clock.now();
  const frozen: boolean = (await emu.clock.freeze()).frozen;

  const fault: Fault = await emu.faults.add({ operation: "sendResetPwdEmail", status: 503 });
  // @ts-expect-error: a fault names its operation
  await emu.faults.add({ status: 503 });
  const faults: Fault[] = await emu.faults.list();
  await emu.faults.clear();

  const user: User = await emu.users.create({ email: "qa@example.com", password: "Passw0rd!", plan: "pro" });
  await emu.users.update(user._id, { name: "QA", trial: null });
  await emu.users.delete(user._id);
  const users: User[] = await emu.users.list();

  const settings = await emu.config.patch({ emailConfirmation: false });
  const redirectUrl: string = settings.redirectUrl;
  // @ts-expect-error: not a setting
  await emu.config.patch({ nope: true });

  const journal: JournalEntry[] = await emu.requests({ operation: "sendResetPwdEmail", status: 200 });
  const gaps: string[] = (await emu.coverage()).unexercisedApiOperations;
  await env.importState(await emu.exportState());
  await emu.reset();
  const connections = await emu.realtime.connections();
  const event = await emu.realtime.waitForEvent({ event: "user:signin", userId: user._id, timeout: 1000 });
  const to: string[] = event.to;

  try {
    await emu.users.delete("nobody");
  } catch (err) {
    if (err instanceof EmulatorError) {
      const s: number | undefined = err.status;
      const c: string | undefined = err.code;
    }
  }
  // @ts-expect-error: an environment has no stop(); the emulator has
  await env.stop();
  await other.stop();
  await emu.stop();
  void [url, code, all, texts, status, token, now, frozen, fault, faults, users, redirectUrl, journal, gaps, connections, to];
}
