import { behaves } from '../test-support/webhooks/status-tracker.contract.js';
import { createMemoryStatusTracker } from './tracker-memory.js';

behaves('memory status tracker', () => createMemoryStatusTracker());
