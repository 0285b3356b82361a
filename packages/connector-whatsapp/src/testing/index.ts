/**
 * A faithful fake of the WhatsApp Cloud API for tests, examples and benches.
 * @packageDocumentation
 */
export {
  startFakeGraph,
  type FakeGraph,
  type FakeGraphOptions,
  type FakeWebhookOptions,
  type FakeSentMessage,
  type FakeRejectedRequest,
  type FakePhoneNumber,
} from './fake-graph.js';
export {
  createWebhookEmitter,
  type WebhookEmitter,
  type WebhookEmitterOptions,
  type EmitterDelivery,
  type InterruptedPostOptions,
} from './emitter.js';
export { metaJsonStringify } from './meta-json.js';
export { graphError, defaultErrorStatus, type GraphErrorBody } from './errors.js';
export {
  buildNotification,
  statusPayload,
  inboundText,
  type NotificationSource,
  type StatusPayload,
} from './notifications.js';
export { validateSend, type FakeTemplate, type FakeRejection } from './validate.js';
export { demo } from './demo.js';
