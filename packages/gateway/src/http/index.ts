export { createApp } from './app.js';
export { buildOpenApi, type OpenApiOptions } from './openapi.js';
export { renderDocs, renderProblemDocs } from './docs.js';
export { problemBody, PROBLEM_JSON } from './problem.js';
export type { HttpDeps, GatewayState } from './types.js';
