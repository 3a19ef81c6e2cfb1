// The types of the emulator's control API, generated from openapi.yaml by
// scripts/gen-types.mjs. Do not edit: run `npm run gen-types` after changing the spec.

/** An email Altogic would have sent, as the inbox API shows it. */
export interface Email {
  id: string;
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  action: "reset-pwd" | "email-confirm" | "magic-link" | "change-email";
  /** The full URL to follow. */
  link: string;
  /** The link token inside link. */
  token: string;
  /** Format: date-time. */
  createdAt: string;
  /** Format: date-time. */
  expiresAt: string;
  /** Delivery to the SMTP relay (--smtp-relay), when one is configured. */
  relay?: {
    status: "pending" | "sent" | "failed";
    error?: string;
    /** Format: date-time. */
    at?: string;
  };
}

/** An SMS Altogic would have sent, as the inbox API shows it. */
export interface SMS {
  id: string;
  to: string;
  body: string;
  /** Pattern: `^[0-9]{6}$`. */
  code: string;
  action: "reset-pwd-code" | "phone-confirm" | "signin-code" | "change-phone";
  /** Format: date-time. */
  createdAt: string;
  /** Format: date-time. */
  expiresAt: string;
}

/** A user as the API shows it: never a password or hash; user data as extra fields. */
export interface User {
  /** Pattern: `^[0-9a-f]{24}$`. */
  _id: string;
  provider: string;
  providerUserId: string;
  email?: string;
  phone?: string;
  /** Format: date-time. */
  signUpAt: string;
  /** Format: date-time. */
  lastLoginAt: string;
  emailVerified?: boolean;
  phoneVerified?: boolean;
  name?: string;
  [key: string]: unknown;
}

/** A user for users.create, written as in a fixtures file; other fields are user data. */
export interface NewUser {
  /** 24 lowercase hex digits; generated when absent. */
  _id?: string;
  email?: string;
  phone?: string;
  password: string;
  name?: string;
  emailVerified?: boolean;
  phoneVerified?: boolean;
  /** Six digits every SMS to this user carries. */
  smsCode?: string;
  [key: string]: unknown;
}

/** The fields users.update changes; a user data key set to null is removed. */
export interface UserPatch {
  /** An empty string removes it (the user keeps a phone). */
  email?: string;
  /** An empty string removes it (the user keeps an email). */
  phone?: string;
  password?: string;
  name?: string;
  emailVerified?: boolean;
  phoneVerified?: boolean;
  /** Six digits every SMS to this user carries; empty for random codes. */
  smsCode?: string;
  [key: string]: unknown;
}

/** An injected fault, as the emulator holds it. */
export interface Fault {
  id: string;
  operation: string;
  status?: number;
  code?: string;
  message?: string;
  /** Calls it still applies to. */
  times: number;
  delayMs?: number;
  dropMessage?: boolean;
}

/** A fault for faults.add: it needs a status, a delayMs or dropMessage. */
export interface NewFault {
  operation: string;
  status?: number;
  code?: string;
  message?: string;
  times?: number;
  delayMs?: number;
  dropMessage?: boolean;
}

/** One request of the environment's request journal. */
export interface JournalEntry {
  /** Format: date-time. */
  time: string;
  method: string;
  path: string;
  /** Empty for a path that matched no operation. */
  operationId: string;
  status: number;
  /** The error codes answered. */
  errors: string[];
  /** The validation problems answered. */
  validation: string[];
  durationMs: number;
  /** The injected fault the call met; absent for none. */
  fault?: "error" | "delay" | "dropMessage" | "delay+error" | "delay+dropMessage";
}

/** A realtime event the emulator delivered. */
export interface RealtimeEvent {
  /** Format: date-time. */
  time: string;
  event: string;
  /** The user of a user event. */
  userId?: string;
  channel?: string;
  /** The socket that sent it; absent for a user event. */
  from?: string;
  /** The sockets it was delivered to. */
  to: string[];
  /** The arguments after the event name (at most 1 KiB kept). */
  args: unknown[];
}

/** A realtime (socket.io) connection of the environment. */
export interface RealtimeConnection {
  id: string;
  /** The user whose events the connection receives; absent without a live session. */
  userId?: string;
  transport: "websocket" | "polling";
  channels: string[];
  /** Format: date-time. */
  connectedAt: string;
  session?: Record<string, unknown>;
}

/** The contract coverage report, across environments. */
export interface CoverageReport {
  operations: Array<{
    operationId: string;
    /** api: the Altogic API and its email links; control: the control API, the inbox page and the MailHog API. */
    area: "api" | "control";
    method: string;
    path: string;
    calls: number;
    statuses: {
      [key: string]: number;
    };
    documented: string[];
    unexercised: string[];
    undocumented: string[];
  }>;
  unexercisedOperations: string[];
  /** The unexercised operations of area api: what a CI gate checks. */
  unexercisedApiOperations: string[];
  /** "operationId status" pairs. */
  unexercisedResponses: string[];
  totals: {
    operations: number;
    exercised: number;
    responses: number;
    responsesExercised: number;
  };
}

/** The environment's auth settings. */
export interface Settings {
  redirectUrl: string;
  /** Email and password sign-up and sign-in enabled. */
  emailAuth: boolean;
  /** Phone and password sign-up and sign-in enabled. */
  phoneAuth: boolean;
  emailConfirmation: boolean;
  phoneConfirmation: boolean;
  signInWithCode: boolean;
  /** A Go duration such as 1h0m0s. */
  emailTokenTTL: string;
  smsCodeTTL: string;
  accessTokenTTL: string;
  /** 0s means until signed out. */
  sessionTTL: string;
  minPasswordLength: number;
  maxPasswordLength: number;
}

/** Settings for config.patch: only those named change. */
export interface SettingsPatch {
  redirectUrl?: string;
  /** Email and password sign-up and sign-in enabled. */
  emailAuth?: boolean;
  /** Phone and password sign-up and sign-in enabled. */
  phoneAuth?: boolean;
  emailConfirmation?: boolean;
  phoneConfirmation?: boolean;
  signInWithCode?: boolean;
  /** A Go duration such as 1h or 90s. */
  emailTokenTTL?: string;
  smsCodeTTL?: string;
  accessTokenTTL?: string;
  sessionTTL?: string;
  /** Minimum: 1. */
  minPasswordLength?: number;
  /** Maximum: 1024. */
  maxPasswordLength?: number;
}

/** The environment's clock. */
export interface Clock {
  /** Format: date-time. */
  now: string;
  frozen: boolean;
  /** How far it is from the emulator clock, as a Go duration. */
  offset: string;
}

/** An environment's whole state, as exportState answers it and importState takes it. */
export interface EnvState {
  version: number;
  settings: Settings;
  users: Array<{
    _id: string;
    passwordSalt: string;
    passwordHash: string;
    [key: string]: unknown;
  }>;
  sessions: Array<Record<string, unknown>>;
  links: Array<Record<string, unknown>>;
  accessTokens: Array<Record<string, unknown>>;
  codes: Array<Record<string, unknown>>;
  emails: Email[];
  sms: SMS[];
  clock: Record<string, unknown>;
}

/** The health answer. */
export interface Health {
  status: "ok";
  version: string;
}

/** Altogic's error envelope. */
export interface ErrorEnvelope {
  errors: Array<{
    origin: string;
    code: string;
    message: string;
    details?: Record<string, unknown>;
  }>;
}
