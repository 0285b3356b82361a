import { createConfig, lintFromString } from '@redocly/openapi-core';
import { silentLogger } from '@relaykit/sdk-core';
import spectralCore from '@stoplight/spectral-core';
import { Json } from '@stoplight/spectral-parsers';
import { oas } from '@stoplight/spectral-rulesets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../demo/index.js';

// The demo's documents (the one its key sees, listing every instance, and the generic one an unauthenticated caller
// gets), checked by two independent linters with their recommended rules: zero errors, zero warnings.
let demo: Demo;
const documents: Record<string, string> = {};
beforeAll(async () => {
  demo = await startDemo({ port: 0, out: () => undefined, logger: silentLogger, env: {} });
  const fetchText = async (headers: Record<string, string>) =>
    (await fetch(`${demo.url}/openapi.json`, { headers })).text();
  documents['with the demo key'] = await fetchText({ authorization: `Bearer ${demo.apiKey}` });
  documents.generic = await fetchText({});
});
afterAll(async () => {
  await demo?.close();
});

describe.each(['with the demo key', 'generic'])('the demo document (%s)', (which) => {
  it('passes Redocly (recommended) without errors or warnings', async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: documents[which]!, absoluteRef: '/openapi.json', config });
    const found = problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? ''}: ${p.message}`);
    expect(found).toEqual([]);
  });

  it('passes Spectral (spectral:oas, recommended) without errors or warnings', async () => {
    const spectral = new spectralCore.Spectral();
    spectral.setRuleset({ extends: [[oas as never, 'recommended']] });
    const results = await spectral.run(new spectralCore.Document(documents[which]!, Json, '/openapi.json'));
    const found = results.map((r) => `${r.severity} ${r.code} ${r.path.join('.')}: ${r.message}`);
    expect(found).toEqual([]);
  });
});
