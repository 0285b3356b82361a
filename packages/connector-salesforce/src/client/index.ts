export { SalesforceClient, toSalesforceError } from './client.js';
export { salesforceClassifier, failureKind, rejectedBeforeProcessing, type FailureKind } from './classify.js';
export { runCollection, type CollectionOptions, type CollectionOperation } from './collections.js';
export { composite, type CompositeOptions, type CompositeSubrequest, type CompositeSubresponse } from './composite.js';
export { queryPages, queryRecords, type QueryOptions, type QueryPage } from './query.js';
export type * from './types.js';
export type { SalesforceTransport } from './transport.js';
