// Types of altogic-emulator's JavaScript kit. The shapes of what the control
// API answers (Email, SMS, User, Fault, …) are generated from the emulator's
// openapi.yaml into types.generated.d.ts.

import type {
  Clock,
  CoverageReport,
  Email,
  EnvState,
  ErrorEnvelope,
  Fault,
  Health,
  JournalEntry,
  NewFault,
  NewUser,
  RealtimeConnection,
  RealtimeEvent,
  Settings,
  SettingsPatch,
  SMS,
  User,
  UserPatch,
} from "./types.generated.js";

export * from "./types.generated.js";

/** The action of an email: `reset-pwd`, `email-confirm`, `magic-link` or `change-email`. */
export type EmailAction = Email["action"];
/** The action of an SMS: `reset-pwd-code`, `phone-confirm`, `signin-code` or `change-phone`. */
export type SmsAction = SMS["action"];
/** Milliseconds, or a Go duration such as `"61m"`, `"1h30m"` or `"1500ms"`. */
export type Duration = number | string;

export interface StartOptions {
  /** The emulator binary; default `$ALTOGIC_EMULATOR_BIN`, else `altogic-emulator` on the PATH. */
  binary?: string;
  /** A fixtures file (YAML or JSON), passed as `--fixtures`; default the embedded fixtures. */
  fixtures?: string;
  /** The port on 127.0.0.1; default 0: a free one. */
  port?: number;
  /** More command-line flags, such as `["--export-on-exit", "state.json"]`. */
  args?: string[];
  /**
   * Start with `--admin-token` and send it with every control call; default
   * `$ALTOGIC_EMULATOR_ADMIN_TOKEN`, which the emulator would read anyway.
   */
  adminToken?: string;
  /** How long to wait for the start line and health, in ms; default 30000. */
  startTimeout?: number;
  /** Called with each line the emulator prints (its log: every captured email and SMS). */
  onLog?: (line: string) => void;
}

export interface ConnectOptions {
  /** Sent as `Authorization: Bearer` with every control call; default `$ALTOGIC_EMULATOR_ADMIN_TOKEN`. */
  adminToken?: string;
  /** How long to wait for the emulator's health, in ms; default 10000. */
  timeout?: number;
}

export interface MessageFilter<A extends string> {
  /** The recipient: an email address (any case) or a phone number in E.164 form. */
  to?: string;
  action?: A;
}

export interface WaitOptions<A extends string> extends MessageFilter<A> {
  /** How long to wait, in ms; default 5000. */
  timeout?: number;
}

export interface RealtimeFilter {
  /** An event name: `user:signin`, `channel:join`, a message's event, … */
  event?: string;
  userId?: string;
  channel?: string;
}

/** Where an email link sends the browser, read without going there. */
export interface Redirect {
  /** The redirect's `status` parameter: 200 on success, the error's status (400, …) on failure. */
  status: number;
  /** The link's action: `reset-pwd`, `email-confirm`, `magic-link`, `change-email`. */
  action: string | null;
  /** The `access_token` of a successful link, for `resetPwdWithToken` or `getAuthGrant`. */
  accessToken: string | null;
  /** Altogic's message when the link failed, such as "Invalid or expired access token". */
  error: string | null;
  /** The full redirect URL. */
  location: string;
  /** The link's own HTTP status (302). */
  httpStatus: number;
}

/** An error the control API answered, or a wait that ended with no match. */
export declare class EmulatorError extends Error {
  /** The HTTP status (404 for a wait that ended with no match). */
  status?: number;
  /** The first error's code in Altogic's envelope, such as `not_found`. */
  code?: string;
  /** The envelope's errors. */
  errors?: ErrorEnvelope["errors"];
}

/** One environment of an emulator: its own users, settings, clock, inbox, faults and journal. */
export interface Environment {
  /** The environment id (`default` for the emulator's handle). */
  readonly id: string;
  /** The environment's base URL: what `createClient(url, key)` and your app take. */
  readonly url: string;
  /** Environment `envId` of the same emulator (base URL `${root}/e:${envId}`). */
  env(envId: string): Environment;

  /** The newest matching email, waiting for it; rejects naming what did not arrive. */
  waitForEmail(options?: WaitOptions<EmailAction>): Promise<Email>;
  /** The newest matching SMS, waiting for it; rejects naming what did not arrive. */
  waitForSms(options?: WaitOptions<SmsAction>): Promise<SMS>;
  /** The matching emails, newest first, without waiting. */
  emails(filter?: MessageFilter<EmailAction>): Promise<Email[]>;
  /** The matching SMS, newest first, without waiting. */
  sms(filter?: MessageFilter<SmsAction>): Promise<SMS[]>;
  /** Empties the environment's emails and SMS. */
  clearInbox(): Promise<void>;
  /** Requests an email link as a browser would (an email, or its link), stopping at the redirect. */
  followLink(emailOrLink: Email | string): Promise<Redirect>;

  clock: {
    get(): Promise<Clock>;
    now(): Promise<Date>;
    /** Moves the clock forward. */
    advance(duration: Duration): Promise<Clock>;
    /** Stops the clock; advance and set still move it. */
    freeze(): Promise<Clock>;
    unfreeze(): Promise<Clock>;
    /** Sets the clock (a Date, or an RFC 3339 time). */
    set(date: Date | string): Promise<Clock>;
  };

  faults: {
    /** Makes the next calls of an operation fail, wait, or lose their message. */
    add(fault: NewFault): Promise<Fault>;
    clear(): Promise<void>;
    list(): Promise<Fault[]>;
  };

  users: {
    create(user: NewUser): Promise<User>;
    /** The users, oldest first. */
    list(): Promise<User[]>;
    update(userId: string, patch: UserPatch): Promise<User>;
    /** Deletes the user and ends its sessions. */
    delete(userId: string): Promise<void>;
  };

  config: {
    get(): Promise<Settings>;
    /** Changes the settings named, until the next reset; answers them all. */
    patch(settings: SettingsPatch): Promise<Settings>;
  };

  /** The request journal (Altogic API calls and links), newest first. */
  requests(filter?: { operation?: string; status?: number | string }): Promise<JournalEntry[]>;
  /** The contract coverage report (across environments). */
  coverage(): Promise<CoverageReport>;
  exportState(): Promise<EnvState>;
  importState(state: EnvState): Promise<void>;
  /** Puts the environment back to its fixtures. */
  reset(): Promise<void>;
  /** Deletes the environment and all its state; its next use starts afresh. */
  deleteEnvironment(): Promise<void>;
  /** Every environment used so far (across the emulator). */
  environments(): Promise<string[]>;
  health(): Promise<Health>;

  realtime: {
    connections(): Promise<RealtimeConnection[]>;
    /** The last events delivered, newest first. */
    events(filter?: RealtimeFilter): Promise<RealtimeEvent[]>;
    /** The newest matching event, waiting for it; rejects naming what was not delivered. */
    waitForEvent(options?: RealtimeFilter & { timeout?: number }): Promise<RealtimeEvent>;
  };
}

/** An emulator: the handle of its environment `default`, and stop(). */
export interface Emulator extends Environment {
  /**
   * Sends SIGTERM and waits for the process to exit (so `--export-on-exit`
   * and `--coverage-out` are written); rejects if it exits non-zero. Does
   * nothing for an emulator from connect().
   */
  stop(): Promise<void>;
}

/** Starts an emulator and resolves once it answers its health. */
export declare function startEmulator(options?: StartOptions): Promise<Emulator>;

/** The handle of an emulator that already runs (`url`: its root URL). */
export declare function connect(url: string, options?: ConnectOptions): Promise<Emulator>;
