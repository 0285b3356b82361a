// Child process of the http bench: imports one specifier cold (ESM) and prints how long it took and how
// many modules Node loaded for it (counted by a module.register load hook), and whether pg/ioredis came along.
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';

const spec = process.argv[2];
const loaded = new Set();
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => loaded.add(url));
port1.unref();
register(
  `data:text/javascript,${encodeURIComponent(`
let port;
export function initialize(data) { port = data.port; }
export async function load(url, context, next) { port.postMessage(url); return next(url, context); }
`)}`,
  import.meta.url,
  { data: { port: port2 }, transferList: [port2] },
);
const before = loaded.size;
const t0 = performance.now();
const mod = await import(spec);
const ms = performance.now() - t0;
await new Promise((resolve) => setTimeout(resolve, 50)); // let the hook thread's last messages arrive
// CommonJS packages (undici, pg, ioredis) load through require, which the ESM hook does not see.
const cjs = Object.keys(createRequire(import.meta.url).cache).map((file) => pathToFileURL(file).href);
const urls = [...new Set([...[...loaded].slice(before), ...cjs])];
process.stdout.write(
  `${JSON.stringify({
    spec,
    ms,
    modules: urls.length,
    pg: urls.some((u) => u.includes('/node_modules/pg/')),
    ioredis: urls.some((u) => u.includes('/node_modules/ioredis/')),
    hasHttpClient: typeof mod.HttpClient === 'function',
  })}\n`,
);
