import type { z } from 'zod';
import type { CheckpointStore } from '../checkpoint/types.js';
import type { HttpClientOptions, HttpRequester } from '../http/types.js';
import type { IdempotencyStore } from '../idempotency/types.js';
import type { Logger } from '../logging/logger.js';
import type { RateLimiter, RateLimitRules } from '../ratelimit/types.js';
import type { Lock } from '../lock/index.js';
import type { ErrorClassifier, ResiliencePolicy } from '../resilience/types.js';
import type { ResiliencePolicyOptions } from '../resilience/policy.js';
import type { SqlClient } from '../sql/types.js';
import type { DeadLetter, DeadLetterSink } from '../sync/types.js';

/** Services a runtime (an embedder's process or the gateway) hands to a connector instance. */
export interface ConnectorServices {
  logger: Logger;
  rateLimiter: RateLimiter;
  idempotency: IdempotencyStore;
  checkpoints: CheckpointStore;
  /**
   * Creates a rate limiter with the connector's own windows on the runtime's backend (Redis when
   * configured, so every worker shares it). `name` namespaces its keys.
   */
  createRateLimiter(name: string, rules: RateLimitRules): RateLimiter;
  /** Creates an HTTP client with the runtime's logger and observability hooks wired in. */
  createHttpClient(options: HttpClientOptions): HttpRequester;
  /**
   * Creates a resilience policy the runtime can observe (the gateway reports its circuit state in `/readyz` and
   * `/metrics`), for a connector that wraps more than one HTTP call in a policy of its own — e.g. an API whose
   * errors arrive in a 200 envelope. `options.name` names the upstream.
   */
  createResiliencePolicy(options: ResiliencePolicyOptions): ResiliencePolicy;
  /** A lock shared by every worker of the runtime (Redis when configured), e.g. for one token refresh at a time. */
  lock: Lock;
  /** Redis URL when the runtime has one (for cross-process locks such as a shared token refresh). */
  redisUrl?: string | undefined;
  /**
   * The runtime's own database (PostgreSQL, or embedded PGlite), when it has one: where a connector without a
   * database of its own may keep synced data, so it survives next to the job records.
   */
  database?: SqlClient | undefined;
  /**
   * The runtime's dead-letter sink for this instance's syncs, when it keeps one (the gateway does, so operators list,
   * replay and discard them): a connector running `runIncrementalSync` should prefer it to a sink of its own.
   */
  deadLetters?: DeadLetterSink | undefined;
}

/** What replaying one dead letter gave (see {@link ConnectorDefinition.replayDeadLetters}). */
export type DeadLetterReplayOutcome = { ok: true } | { ok: false; reason: string; code?: string | undefined };

/** Given to `setup` once per configured instance. */
export interface SetupContext<TConfig> extends ConnectorServices {
  /** Instance name from the runtime's configuration, e.g. `sf-prod`. */
  instance: string;
  /** The instance's configuration, already validated by the connector's `config` schema. */
  config: TConfig;
}

/** Given to every operation run. */
export interface OperationContext<TState = unknown> extends ConnectorServices {
  instance: string;
  /** What the connector's `setup` returned for this instance (its client, token cache, ...). */
  state: TState;
  /** Aborts when the caller gives up, the job times out or the process shuts down. */
  signal: AbortSignal;
  /** 1 on the first attempt of a job, 2 on its first retry, ... */
  attempt: number;
  /** The caller's idempotency key, when the run carries one. */
  idempotencyKey?: string | undefined;
  /** Reports progress (records synced, messages sent) to whoever runs the operation. */
  progress(event: Record<string, unknown>): void;
}

/** One operation a connector offers: typed by its zod schemas. */
export interface OperationDefinition<
  TInput extends z.ZodType = z.ZodType,
  TOutput extends z.ZodType = z.ZodType,
  TState = unknown,
> {
  /** One or two sentences for docs and the OpenAPI document. */
  description: string;
  input: TInput;
  output: TOutput;
  /** True when running it twice has the effect of running it once (safe to retry and replay). */
  idempotent: boolean;
  /** Example input for docs. */
  example?: z.input<TInput>;
  /**
   * Checks a parsed input against the instance's setup before a job is accepted, for what a static schema cannot
   * know (e.g. a local phone number is only readable in the configured default region). Returns the problems by
   * path inside the input; none when it is fine. Must be cheap and make no upstream call.
   */
  check?(state: TState, input: z.output<TInput>): readonly InputProblem[];
  /** Runs the operation. The input was parsed with `input`; the result is parsed with `output`. */
  run(ctx: OperationContext<TState>, input: z.output<TInput>): Promise<z.input<TOutput>>;
}

/** A problem {@link OperationDefinition.check} found in an input. */
export interface InputProblem {
  /** Where in the input, e.g. `['to']`. */
  path: ReadonlyArray<string | number>;
  message: string;
}

/** Any operation of a connector whose state is `TState`. */
// biome-ignore lint/suspicious/noExplicitAny: variance: any operation or connector, whatever its input, output and state types
export type AnyOperation<TState = any> = OperationDefinition<any, any, TState>;

/** An incoming webhook request as raw bytes; nothing has parsed the body yet. */
export interface WebhookRequest {
  method: string;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  rawBody: Uint8Array;
}

/** What to answer the webhook's sender. */
export interface WebhookResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** A webhook a connector receives. The runtime verifies and parses it, records the events, then acknowledges. */
export interface WebhookDefinition<TState = unknown, TEvent = unknown> {
  description: string;
  /** Largest body accepted, in bytes. */
  maxBodyBytes?: number;
  /** Answers a verification handshake (e.g. Meta's GET `hub.challenge`); undefined when `request` is not one. */
  handshake?(ctx: SetupContext<unknown> & { state: TState }, request: WebhookRequest): WebhookResponse | undefined;
  /** Checks the sender's signature over the raw bytes, before any parsing. */
  verify(ctx: SetupContext<unknown> & { state: TState }, request: WebhookRequest): boolean | Promise<boolean>;
  /** Parses a verified body into typed events. */
  parse(ctx: SetupContext<unknown> & { state: TState }, request: WebhookRequest): TEvent[];
  /** A key that is equal for duplicate deliveries of the same event. */
  dedupeKey?(event: TEvent): string;
  /**
   * The shape of one parsed event, for its personal-data marks (`.meta({ pii })`, see `personalDataOf`): lets a
   * runtime mask, index and erase what recorded events hold. Not used to validate events.
   */
  event?: z.ZodType;
  /** Processes one recorded event later, in a worker. */
  handle?(ctx: OperationContext<TState>, event: TEvent): Promise<void>;
}

/** A recurring run of one of the connector's operations. */
export interface ScheduleDefinition<TOps extends string = string> {
  description: string;
  /** Five- or six-field cron expression. */
  cron: string;
  /** IANA time zone the cron is read in (default UTC). */
  timeZone?: string;
  operation: TOps;
  input?: unknown;
}

/** Health of an instance's upstream. */
export interface HealthResult {
  ok: boolean;
  details?: Record<string, unknown>;
}

/** What `defineConnector` takes. */
export interface ConnectorDefinition<
  TConfig extends z.ZodType,
  TState,
  TOps extends Record<string, AnyOperation<TState>>,
> {
  /** Package-style name, e.g. `salesforce`. */
  name: string;
  version: string;
  description?: string;
  /** Schema of one instance's configuration. */
  config: TConfig;
  /** Builds the per-instance state (clients, caches) once, before any operation runs. */
  setup(ctx: SetupContext<z.output<TConfig>>): TState | Promise<TState>;
  /** Releases what `setup` built. */
  teardown?(state: TState): void | Promise<void>;
  operations: TOps;
  // biome-ignore lint/suspicious/noExplicitAny: variance: any operation or connector, whatever its input, output and state types
  webhooks?: Record<string, WebhookDefinition<TState, any>>;
  schedules?: Record<string, ScheduleDefinition<Extract<keyof TOps, string>>>;
  health?(ctx: OperationContext<TState>): Promise<HealthResult>;
  /** Maps this upstream's errors to retry decisions; runtimes use it for job retries. */
  classify?: ErrorClassifier;
  /**
   * Puts sync dead letters through the connector's transform and sink again (an operator's replay, e.g. after the
   * data was fixed at the source or the transform was corrected). One outcome per letter, in order; a letter that
   * fails again says why and stays a dead letter.
   */
  replayDeadLetters?(ctx: OperationContext<TState>, letters: DeadLetter[]): Promise<DeadLetterReplayOutcome[]>;
  /**
   * Subject access, erasure and retention of the personal data the connector keeps itself in the runtime's stores
   * (delivery statuses, synced rows): a runtime calls it for every instance, so it never needs to know the connector.
   * Leave it out when the connector keeps nothing about people.
   */
  privacy?: ConnectorPrivacy<NoInfer<TState>>;
}

/** A defined connector: the object embedders call and the gateway loads as a plugin. */
export type Connector<
  TConfig extends z.ZodType = z.ZodType,
  TState = unknown,
  TOps extends Record<string, AnyOperation<TState>> = Record<string, AnyOperation<TState>>,
> = ConnectorDefinition<TConfig, TState, TOps> & { readonly isRelaykitConnector: true };

// biome-ignore lint/suspicious/noExplicitAny: variance: any operation or connector, whatever its input, output and state types
export type AnyConnector = Connector<z.ZodType, any, Record<string, AnyOperation<any>>>;

/** Input type of operation `K` of connector `C`. */
export type OperationInput<C extends AnyConnector, K extends keyof C['operations']> = z.input<
  C['operations'][K]['input']
>;
/** Output type of operation `K` of connector `C`. */
export type OperationOutput<C extends AnyConnector, K extends keyof C['operations']> = z.output<
  C['operations'][K]['output']
>;

/**
 * A data subject as a runtime hands it to a connector's {@link ConnectorPrivacy} hooks: the identifiers an access or
 * erasure request named, in clear and normalised by the runtime, so each connector compares the same way.
 */
export interface PrivacySubject {
  /** Phone numbers in E.164 (`+9779851112233`) when the runtime could read them, else their digits as given. */
  phones: readonly string[];
  /** E-mail addresses, trimmed and lower-cased. */
  emails: readonly string[];
  /** External ids (a person's id in the upstream, a national code, ...), trimmed. */
  externalIds: readonly string[];
}

/** One piece of personal data a connector holds about a subject, as {@link ConnectorPrivacy.access} yields it. */
export interface PersonalRecord {
  /** The connector's data class it belongs to (one of {@link ConnectorPrivacy.classes}), e.g. `statuses`. */
  class: string;
  /** Where it is kept, so the export can say where each piece came from. */
  source: {
    /** `table` for a SQL table (its name), `redis` for a Redis key, `memory` for a process's memory. */
    store: 'table' | 'redis' | 'memory';
    /** The table name or Redis key. */
    name: string;
    /** The row's key (primary key as text), for a table. */
    id?: string | undefined;
    /** The columns (or hash fields) that hold the data. */
    columns?: readonly string[] | undefined;
  };
  /** The data itself, as JSON (bigints as decimal strings). */
  data: unknown;
}

/** One data class a connector keeps in the runtime's stores. */
export interface ConnectorDataClass {
  /** What it is, for docs and operators (one sentence). */
  description: string;
  /**
   * How long to keep it by default before {@link ConnectorPrivacy.purge} removes it, in milliseconds; `null`: kept
   * until erased (e.g. a mirror of the upstream's own records, which the upstream owns). A runtime lets operators
   * override it per class and instance.
   */
  defaultKeepMs: number | null;
}

/** What a connector's data classes counted (erased or purged rows), by class name. */
export type PrivacyCounts = Record<string, number>;

/**
 * How a connector that keeps personal data of its own in the runtime's stores (`ctx.database`, Redis, memory) takes
 * part in subject access, erasure and retention. A runtime (the gateway) calls it for every configured instance,
 * without knowing what the connector keeps. Every hook is scoped to the instance of `ctx` (several instances can
 * share a table), must be idempotent (a request may be repeated after a crash) and must not call the upstream: the
 * data the upstream holds is the upstream's to erase.
 *
 * Which rows are the subject's follows the same rule as the runtime's own data (sdk-core's `belongsToSubject`): a row
 * is the subject's when it names one of their identifiers and, for every kind of identifier the request gave that the
 * row also names, one of the row's is theirs (two guardians sharing a household phone keep their rows apart by
 * e-mail).
 */
export interface ConnectorPrivacy<TState = unknown> {
  /** The data classes the connector keeps, by name (the names {@link PersonalRecord.class} and counts use). */
  classes: Readonly<Record<string, ConnectorDataClass>>;
  /**
   * The shape of one raw synced record (what a sync dead letter's `raw` holds), with personal fields marked with
   * `.meta({ pii })`: lets the runtime find, export and erase the dead letters of a subject it keeps for this
   * connector's syncs.
   */
  syncRecord?: z.ZodType;
  /** Everything the instance keeps about `subject`, one record at a time (a stream: it may be large). */
  access(ctx: OperationContext<TState>, subject: PrivacySubject): AsyncIterable<PersonalRecord>;
  /**
   * Erases or irreversibly pseudonymises everything the instance keeps about `subject` (which the connector documents:
   * rows other data refers to are usually kept with their personal fields blanked, so ids stay consistent). Returns
   * counts per class, never personal data.
   */
  erase(ctx: OperationContext<TState>, subject: PrivacySubject): Promise<PrivacyCounts>;
  /**
   * Retention: removes (or blanks) what each class in `cutoffs` holds that was last written before its cutoff. Classes
   * not in `cutoffs` are kept. Returns counts per class. Should work in small batches (short locks).
   */
  purge?(ctx: OperationContext<TState>, cutoffs: Readonly<Record<string, Date>>): Promise<PrivacyCounts>;
}
