/**
 * Salesforce connector for relaykit: REST, sObject Collections, Composite, SOQL and Bulk API 2.0
 * on sdk-core's transport and resilience, with the four OAuth flows, one token refresh per
 * generation across workers, an API-gateway front, and typed errors.
 * @packageDocumentation
 */
export * from './auth/index.js';
export * from './bulk/index.js';
export * from './client/index.js';
export * from './errors/index.js';
export * from './limits/index.js';
export {
  salesforceConnector,
  salesforceConfigSchema,
  salesforceAuthSchema,
  type SalesforceConnectorConfig,
  type SalesforceConnectorState,
} from './connector.js';
