// Starts Scalar's API reference on /openapi.json with no fonts or proxy from outside (the page works offline).
// Problem `type` links (/docs#problem-CODE) lead to the problem codes page.
if (location.hash.startsWith('#problem-')) location.replace(`/docs/problems${location.hash}`);
else
  window.Scalar.createApiReference('#app', {
    url: '/openapi.json',
    withDefaultFonts: false,
    hideClientButton: false,
    showDeveloperTools: 'never',
    agent: { disabled: true },
    mcp: { disabled: true },
    telemetry: false,
    baseServerURL: location.origin,
    servers: [{ url: location.origin, description: 'This gateway' }],
    metaData: { title: 'relaykit gateway API' },
  });
