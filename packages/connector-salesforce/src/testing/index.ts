/**
 * A faithful fake Salesforce org for tests, examples and benchmarks: a `node:http` server speaking
 * Salesforce's wire format, with fault injection and a ledger of every write.
 * @packageDocumentation
 */
export { startFakeOrg, FakeOrgState, type FakeOrg } from './server.js';
export { FakeOrgLedger, type StoredRecord, type RecordError } from './store.js';
export type {
  FakeApimOptions,
  FakeOrgFaults,
  FakeOrgOptions,
  FakeOrgUser,
  LedgerChannel,
  LedgerEntry,
  LedgerOperation,
  RequestLogEntry,
  TokenRequestLogEntry,
} from './types.js';
export { demo } from './demo.js';
export { deadTokenProbe, type DeadTokenProbe } from './dead-token-probe.js';
