// Apart from principal.ts (which authenticates through the HTTP layer), so the HTTP layer's types can name it.

/**
 * Who is calling the operator API: an API key (its operator scopes become permissions) or a console user (whose
 * session middleware sets `ctx.state.principal`). Every operator action runs in `environment` only.
 */
export interface Principal {
  kind: 'key' | 'user';
  id: string;
  name: string;
  environment: string;
  permissions: string[];
}
