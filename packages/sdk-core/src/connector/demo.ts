import type { AnyConnector } from './types.js';

/** One call a demo shows (as a ready-to-paste curl line): an operation of the connector and its input. */
export interface ConnectorDemoSample {
  /** One line saying what the call shows, e.g. `Salesforce: upsert a Contact by external id`. */
  title: string;
  /** Name of one of the connector's operations. */
  operation: string;
  /** The operation's input, as JSON. */
  input: unknown;
  /**
   * Run once as the demo starts, so the job lookup it prints names a real job. Only for a call whose repeat leaves
   * what the other samples show unchanged (an upsert, not a first sync). The runtime takes the first one marked.
   */
  runAtStart?: boolean;
  /**
   * A client's mistake the fake upstream refuses (e.g. reading a record it does not hold): the runtime runs it once
   * at start, so its operators' console has a failed job to find, inspect and retry, and does not print it among
   * the calls that work.
   */
  failsOnPurpose?: boolean;
}

/** What a runtime tells a demo it starts. */
export interface ConnectorDemoContext {
  /** The instance name the runtime gives the demo (usually {@link ConnectorDemo.instance}). */
  instance: string;
  /**
   * URL of the runtime's route for one of the connector's webhooks (default: its first), so the fake upstream can
   * deliver events to it. The runtime listens there by the time the demo's samples run.
   */
  webhookUrl(webhook?: string): string;
  /** How many extra times the fake should deliver each webhook event (duplicates, to show deduplication); default 0. */
  webhookDuplicates?: number | undefined;
}

/** A started demo: a fake upstream on loopback and an instance configuration that points at it. */
export interface RunningConnectorDemo {
  /** The instance configuration (validated by the connector's `config` schema) that talks to the fake. */
  config: unknown;
  /** Calls that succeed against the fake as they stand, in the order worth showing. */
  samples: ConnectorDemoSample[];
  /** The fake upstream itself, for tests that look inside it. */
  fake?: unknown;
  /** Stops the fake upstream. */
  stop(): Promise<void>;
}

/**
 * How a connector shows itself in `relaykit start --demo`: a fake upstream, an instance configuration for it and
 * sample calls. A connector package exports it as `demo` from its `./testing` entry and says
 * `"relaykit": { "connector": true }` in its package.json; the gateway finds it there, so it names no connector.
 */
export interface ConnectorDemo {
  /** The connector the demo runs. */
  connector: AnyConnector;
  /** Suggested instance name, e.g. `sf-demo`. */
  instance: string;
  /** What the upstream is called, for messages, e.g. `Salesforce`. */
  title: string;
  /**
   * Starts the fake upstream (seeded so that the samples and every operation's documented `example` succeed) and
   * returns the instance configuration and samples.
   */
  start(context: ConnectorDemoContext): Promise<RunningConnectorDemo>;
}

/** True for an object shaped like a {@link ConnectorDemo} (from any copy of this package). */
export function isConnectorDemo(value: unknown): value is ConnectorDemo {
  if (typeof value !== 'object' || value === null) return false;
  const demo = value as Partial<ConnectorDemo>;
  return (
    typeof demo.instance === 'string' &&
    typeof demo.title === 'string' &&
    typeof demo.start === 'function' &&
    typeof demo.connector === 'object' &&
    demo.connector !== null &&
    (demo.connector as { isRelaykitConnector?: unknown }).isRelaykitConnector === true
  );
}
