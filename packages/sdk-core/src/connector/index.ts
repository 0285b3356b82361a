export type {
  AnyConnector,
  AnyOperation,
  Connector,
  ConnectorDefinition,
  ConnectorDataClass,
  ConnectorPrivacy,
  ConnectorServices,
  DeadLetterReplayOutcome,
  HealthResult,
  InputProblem,
  OperationContext,
  OperationDefinition,
  OperationInput,
  OperationOutput,
  PersonalRecord,
  PrivacyCounts,
  PrivacySubject,
  ScheduleDefinition,
  SetupContext,
  WebhookDefinition,
  WebhookRequest,
  WebhookResponse,
} from './types.js';
export { defineConnector, isConnector, operationsFor } from './define.js';
export { instantiateConnector, type ConnectorInstance, type InstantiateOptions, type RunOptions } from './instance.js';
export {
  isConnectorDemo,
  type ConnectorDemo,
  type ConnectorDemoContext,
  type ConnectorDemoSample,
  type RunningConnectorDemo,
} from './demo.js';
export { belongsToSubject, samePhone, type RowIdentifiers } from './privacy.js';
export {
  personalDataOf,
  maskPersonalData,
  marksPersonalData,
  piiKindOf,
  PII_KINDS,
  PII_MASKS,
  IDENTIFYING_PII_KINDS,
  type PiiKind,
  type PersonalValue,
  type AnyZodSchema,
} from './personal-data.js';
