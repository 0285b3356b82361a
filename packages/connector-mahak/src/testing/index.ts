/**
 * Test helpers: a faithful fake of Mahak's v3 sync API on loopback.
 * @packageDocumentation
 */
export {
  startFakeMahak,
  FAKE_CODES,
  type FakeMahak,
  type FakeMahakOptions,
  type FakeFault,
  type MutateContext,
  type FakeRequestLog,
} from './fake-mahak.js';
export { generateRow, generateRowJson, dotNetDate, type FakeRow } from './table.js';
export { demo } from './demo.js';
