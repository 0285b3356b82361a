import { describe, expect, it } from 'vitest';
import { isRelaykitError } from '../errors/index.js';
import { loadPeer } from './index.js';

describe('loadPeer', () => {
  it('loads an installed driver', () => {
    const pg = loadPeer<{ Pool: unknown }>('pg', 'The PostgreSQL adapter');
    expect(typeof pg.Pool).toBe('function');
  });

  it('turns a missing package into a CONFIG error that says what to install', () => {
    let caught: unknown;
    try {
      loadPeer('relaykit-no-such-driver', 'A test adapter');
    } catch (error) {
      caught = error;
    }
    expect(isRelaykitError(caught)).toBe(true);
    expect(caught).toMatchObject({ code: 'CONFIG' });
    expect((caught as Error).message).toBe(
      'A test adapter needs the relaykit-no-such-driver package: npm install relaykit-no-such-driver',
    );
    expect((caught as Error).cause).toMatchObject({ code: 'MODULE_NOT_FOUND' });
  });
});
