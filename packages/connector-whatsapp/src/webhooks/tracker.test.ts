import { behaves } from './tracker.behaviour.js';
import { createMemoryStatusTracker } from './tracker-memory.js';

behaves('memory status tracker', () => createMemoryStatusTracker());
