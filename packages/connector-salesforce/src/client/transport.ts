import type { HttpResponse } from '@relaykit/sdk-core';
import type { SObjectRecord, SalesforceClientOptions, SalesforceRequest } from './types.js';

/**
 * What the query, composite, collection and bulk helpers need of a `SalesforceClient`: the client implements
 * it, and the helpers depend on it rather than on the client, so neither imports the other.
 */
export interface SalesforceTransport {
  readonly apiVersion: string;
  readonly options: Readonly<SalesforceClientOptions>;
  /** Sends one request with the current session (see `SalesforceClient.send`). */
  send<T = unknown>(request: SalesforceRequest): Promise<HttpResponse<T>>;
  /** Rebases a URL Salesforce returned onto the API gateway, when one is configured. */
  rebase(url: string, instanceUrl?: string): string;
  /** Rebases `attributes.url` of records in place. */
  rebaseRecords<T extends SObjectRecord>(records: T[]): T[];
}
