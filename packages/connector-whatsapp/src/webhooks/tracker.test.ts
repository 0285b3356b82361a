import { behaves } from './tracker.behaviour.js';
import { createMemoryStatusTracker } from './tracker.js';

behaves('memory status tracker', () => createMemoryStatusTracker());
