export type * from './types.js';
export {
  createResiliencePolicy,
  type ResiliencePolicyOptions,
  type RetryOptions,
  type BreakerOptions,
  type RetryEvent,
  type ExecuteOptions,
} from './policy.js';
export { defaultClassifier, defaultBreakerFailure } from './classify.js';
