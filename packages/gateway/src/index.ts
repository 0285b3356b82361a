/**
 * relaykit's gateway: loads connectors as plugins, serves their operations over HTTP as durable
 * jobs with an OpenAPI 3.1 surface, receives webhooks, and runs workers.
 * @packageDocumentation
 */
export {
  Gateway,
  createGateway,
  type GatewayOptions,
  type GatewayRole,
  type Readiness,
  type ComponentState,
} from './gateway.js';
export * from './config/index.js';
export * from './errors/index.js';
export * from './store/index.js';
export * from './queue/index.js';
export * from './keys/index.js';
export {
  createApp,
  buildOpenApi,
  renderDocs,
  renderProblemDocs,
  problemBody,
  PROBLEM_JSON,
  type HttpDeps,
  type GatewayState,
  type OpenApiOptions,
} from './http/index.js';
export { loadConnector } from './plugins/load.js';
export {
  loadInstances,
  setUpInstances,
  tearDownInstances,
  queueNameOf,
  type LoadedInstance,
  type ConnectorSource,
} from './runtime/instances.js';
export { JobRunner, type JobRunnerOptions, type JobSettled } from './runtime/runner.js';
export { Reconciler } from './runtime/reconciler.js';
export { HealthMonitor, type UpstreamHealth } from './runtime/health.js';
export {
  LeaseKeeper,
  LeaseLostError,
  isLeaseLostError,
  checkOnRead,
  type LeaseKeeperOptions,
} from './runtime/lease.js';
export { GatewayMetrics } from './runtime/metrics.js';
export type { InstanceServices } from './runtime/services.js';
export { classifyFailure, backoffDelay, type RetryPolicy } from './runtime/retry.js';
export { parseDuration, parseSize } from './util/duration.js';
export { startDemo, type Demo } from './demo/index.js';
export { appendOnlyAuditGrants } from './privacy/grants.js';
export {
  encryptionStatus,
  rotateEncryption,
  type EncryptionStatus,
  type RotationProgress,
} from './privacy/encryption.js';
export { normaliseIdentifier, BlindIndex, type IdentifierKind } from './privacy/blind-index.js';
export {
  DEFAULT_RETENTION,
  DATA_CLASSES,
  privacyConfigSchema,
  type DataClass,
  type PrivacyConfig,
} from './privacy/config.js';
export type { ErasureReceipt, ErasureCounts } from './privacy/erasure.js';
export type { AccessSummary } from './privacy/access.js';
export type { Privacy } from './privacy/service.js';
export type { ScheduleService } from './schedules/service.js';
export type { SessionStore } from './users/sessions.js';
export type { UserStore } from './users/users.js';
export type { LoginThrottle } from './users/throttle.js';
export type { Principal } from './ops/principal.js';
export type { FailureReport } from './ops/error-groups.js';
