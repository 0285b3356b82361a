import type { AnyConnector } from '@relaykit/sdk-core';

type Operations = AnyConnector['operations'];
type Webhooks = NonNullable<AnyConnector['webhooks']>;

// Names in URLs and bodies are the client's: a plain `record[name]` would find `constructor`,
// `toString` or `__proto__` on Object.prototype and turn a typo into a 500.
const own = <T extends object>(record: T | undefined, name: string): T[keyof T] | undefined =>
  record !== undefined && Object.hasOwn(record, name) ? record[name as keyof T] : undefined;

/** The connector's operation called `name`, or undefined (own properties only). */
export const operationOf = (connector: AnyConnector, name: string): Operations[string] | undefined =>
  own(connector.operations, name);

/** The connector's webhook called `name`, or undefined (own properties only). */
export const webhookOf = (connector: AnyConnector, name: string): Webhooks[string] | undefined =>
  own(connector.webhooks, name);
