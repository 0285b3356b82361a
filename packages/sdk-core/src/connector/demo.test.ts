import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineConnector } from './define.js';
import { isConnectorDemo, type ConnectorDemo } from './demo.js';

const connector = defineConnector({
  name: 'echo',
  version: '1.0.0',
  config: z.object({}),
  setup: () => ({}),
  operations: {},
});

describe('isConnectorDemo', () => {
  const demo: ConnectorDemo = {
    connector,
    instance: 'echo-demo',
    title: 'Echo',
    start: async () => ({ config: {}, samples: [], stop: async () => {} }),
  };

  it('accepts a demo whose connector was made with defineConnector (any copy of sdk-core)', () => {
    expect(isConnectorDemo(demo)).toBe(true);
    expect(isConnectorDemo({ ...demo, connector: { ...connector } })).toBe(true);
  });

  it('refuses what a runtime could not run', () => {
    for (const value of [
      undefined,
      null,
      'demo',
      { ...demo, start: undefined },
      { ...demo, instance: 1 },
      { ...demo, title: undefined },
      { ...demo, connector: { name: 'echo' } },
      { ...demo, connector: null },
    ])
      expect(isConnectorDemo(value)).toBe(false);
  });
});
