// The demo names no connector: it runs whatever connector packages are installed, ours or anyone's.
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@relaykit/sdk-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findConnectorPackages, loadConnectorDemo } from './discover.js';
import { startDemo, type Demo } from './index.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

/** A third-party connector package as npm would install it: plain ESM, a fake upstream in its `./testing` entry. */
const ECHO_INDEX = `import { z } from 'zod';
export const echoConnector = {
  isRelaykitConnector: true,
  name: 'echo',
  version: '1.0.0',
  config: z.object({ baseUrl: z.string() }),
  setup: (ctx) => ({ baseUrl: ctx.config.baseUrl }),
  operations: {
    shout: {
      description: 'Upper-cases a text through the upstream.',
      idempotent: true,
      input: z.object({ text: z.string() }),
      output: z.object({ text: z.string() }),
      example: { text: 'hi' },
      run: async (ctx, input) => {
        const res = await fetch(ctx.state.baseUrl + '/shout', { method: 'POST', body: input.text });
        return { text: await res.text() };
      },
    },
  },
};
`;
const ECHO_TESTING = `import { createServer } from 'node:http';
import { echoConnector } from './index.js';
export const demo = {
  connector: echoConnector,
  instance: 'echo-demo',
  title: 'Echo',
  async start(context) {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => res.end(body.toUpperCase()));
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      config: { baseUrl: 'http://127.0.0.1:' + server.address().port },
      samples: [{ title: 'Echo: shout a greeting', operation: 'shout', input: { text: 'hello' }, runAtStart: true }],
      fake: { webhookUrl: context.webhookUrl(), instance: context.instance },
      stop: () => new Promise((resolve) => server.close(resolve)),
    };
  },
};
`;

async function writePackage(dir: string, manifest: Record<string, unknown>, files: Record<string, string>) {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module', version: '1.0.0', ...manifest }));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
}

const exportsOf = { '.': './index.js', './testing': './testing.js' };

describe('the demo finds connector packages by their package.json, not by name', () => {
  let project: string;
  let nested: string;
  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'rk-discover-'));
    const modules = join(project, 'node_modules');
    await mkdir(modules);
    await symlink(join(root, 'node_modules', 'zod'), join(modules, 'zod'), 'dir');
    await writePackage(
      join(modules, '@acme', 'relaykit-echo'),
      { name: '@acme/relaykit-echo', exports: exportsOf, relaykit: { connector: true } },
      { 'index.js': ECHO_INDEX, 'testing.js': ECHO_TESTING },
    );
    await writePackage(
      join(modules, 'relaykit-nodemo'),
      { name: 'relaykit-nodemo', exports: exportsOf, relaykit: { connector: true } },
      { 'index.js': ECHO_INDEX, 'testing.js': 'export const fake = {};\n' },
    );
    // Not a connector: no flag.
    await writePackage(join(modules, 'left-pad'), { name: 'left-pad', main: 'index.js' }, { 'index.js': '' });
    nested = join(project, 'apps', 'web');
    await mkdir(nested, { recursive: true });
  });
  afterAll(async () => {
    if (project) await rm(project, { recursive: true, force: true });
  });

  it('lists flagged packages in scoped and plain folders up the tree, each once, sorted', async () => {
    const found = await findConnectorPackages([nested, project]);
    expect(found.map((p) => p.name)).toEqual(['@acme/relaykit-echo', 'relaykit-nodemo']);
    expect(found[0]!.nodeModules).toBe(join(project, 'node_modules'));
  });

  it("finds this repository's connectors from its root the same way", async () => {
    const names = (await findConnectorPackages([root])).map((p) => p.name);
    const ours: string[] = [];
    for (const entry of await readdir(join(root, 'packages'))) {
      const manifest = JSON.parse(await readFile(join(root, 'packages', entry, 'package.json'), 'utf8')) as {
        name: string;
        relaykit?: { connector?: boolean };
      };
      if (manifest.relaykit?.connector) ours.push(manifest.name);
    }
    expect(ours.length).toBeGreaterThanOrEqual(3);
    expect(names).toEqual(expect.arrayContaining(ours));
  });

  it('loads a demo installed only where the command runs, and says what is wrong with one that has none', async () => {
    const demo = await loadConnectorDemo('@acme/relaykit-echo', [nested]);
    expect(demo.instance).toBe('echo-demo');
    expect(demo.connector.name).toBe('echo');
    await expect(loadConnectorDemo('relaykit-nodemo', [nested])).rejects.toThrow(
      /relaykit-nodemo\/testing exports no "demo"/,
    );
    await expect(loadConnectorDemo('@acme/not-installed', [nested])).rejects.toThrow(
      /cannot import @acme\/not-installed\/testing/,
    );
  });

  describe('startDemo', () => {
    let demo: Demo;
    const lines: string[] = [];
    beforeAll(async () => {
      demo = await startDemo({
        port: 0,
        out: (l) => lines.push(l),
        logger: silentLogger,
        env: {},
        searchFrom: [nested],
      });
    });
    afterAll(async () => {
      await demo?.close();
    });

    it('runs the demo of a connector it has never heard of, and skips one without a demo', async () => {
      expect(demo.instances).toEqual(['echo-demo']);
      const text = lines.join('\n');
      expect(text).toMatch(/instances: echo-demo → fake echo/);
      expect(text).toMatch(/demo: relaykit-nodemo skipped \(relaykit-nodemo\/testing exports no "demo"/);
      expect(text).toContain('# Echo: shout a greeting');
      expect(demo.fakes['echo-demo']).toEqual({
        webhookUrl: `${demo.url}/v1/webhooks/echo-demo`,
        instance: 'echo-demo',
      });
      // The job looked up at start is the sample's.
      const lookup = /\/v1\/jobs\/(\S+)"/.exec(demo.curlLines.find((l) => l.includes('/v1/jobs/'))!)![1]!;
      const job = (await (
        await fetch(`${demo.url}/v1/jobs/${lookup}`, { headers: { authorization: `Bearer ${demo.apiKey}` } })
      ).json()) as { status: string; result: unknown };
      expect(job).toMatchObject({ status: 'succeeded', result: { text: 'HELLO' } });
      const res = await fetch(`${demo.url}/v1/echo-demo/shout?wait=10s`, {
        method: 'POST',
        headers: { authorization: `Bearer ${demo.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'again' }),
      });
      expect(await res.json()).toMatchObject({ status: 'succeeded', result: { text: 'AGAIN' } });
    });
  });
});
