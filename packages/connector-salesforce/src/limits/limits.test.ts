import { describe, expect, it } from 'vitest';
import { ApiUsageTracker, parseLimitInfo } from './index.js';

describe('Sforce-Limit-Info', () => {
  it('parses every ;-separated entry with its qualifier', () => {
    expect(parseLimitInfo('api-usage=18/5000; per-app-api-usage=17/250(appName=sample-app);api-bursts=1/750')).toEqual([
      { name: 'api-usage', used: 18, max: 5000, qualifier: undefined },
      { name: 'per-app-api-usage', used: 17, max: 250, qualifier: 'appName=sample-app' },
      { name: 'api-bursts', used: 1, max: 750, qualifier: undefined },
    ]);
    expect(parseLimitInfo(undefined)).toEqual([]);
    expect(parseLimitInfo('garbage; api-usage=1/2')).toHaveLength(1);
  });

  it('keeps the highest usage of the window when answers arrive out of order', () => {
    const t = new ApiUsageTracker();
    t.observe('api-usage=10/100');
    t.observe('api-usage=8/100');
    expect(t.current).toMatchObject({ used: 10, max: 100, share: 0.1 });
    t.observe('api-usage=3/200'); // a new allocation resets
    expect(t.current?.used).toBe(3);
  });
});
