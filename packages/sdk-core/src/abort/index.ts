export { sleep, throwIfAborted, abortedError } from './sleep.js';
