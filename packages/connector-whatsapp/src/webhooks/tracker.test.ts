import { behaves } from '../test-support/status-tracker.contract.js';
import { createMemoryStatusTracker } from './tracker-memory.js';

behaves('memory status tracker', () => createMemoryStatusTracker());
