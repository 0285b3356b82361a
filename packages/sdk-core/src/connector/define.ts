import type { z } from 'zod';
import type { AnyOperation, Connector, ConnectorDefinition, OperationDefinition } from './types.js';

/**
 * Defines a connector. The same object is called by embedders (through {@link instantiateConnector})
 * and loaded by the gateway as a plugin.
 *
 * @example
 * ```ts
 * const op = operationsFor<MyClient>();
 * export const myConnector = defineConnector({
 *   name: 'my-api', version: '1.0.0', config: z.object({ baseUrl: z.url() }),
 *   setup: (ctx) => new MyClient(ctx.createHttpClient({ baseUrl: ctx.config.baseUrl })),
 *   operations: {
 *     getThing: op({ description: 'Reads a thing', idempotent: true,
 *       input: z.object({ id: z.string() }), output: Thing,
 *       run: (ctx, input) => ctx.state.getThing(input.id) }),
 *   },
 * });
 * ```
 */
export function defineConnector<TConfig extends z.ZodType, TState, TOps extends Record<string, AnyOperation<TState>>>(
  definition: ConnectorDefinition<TConfig, TState, TOps>,
): Connector<TConfig, TState, TOps> {
  return Object.freeze({ ...definition, isRelaykitConnector: true as const });
}

/** True for an object made by {@link defineConnector}, from any copy of this package. */
export function isConnector(value: unknown): value is Connector {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { isRelaykitConnector?: unknown }).isRelaykitConnector === true
  );
}

/**
 * Returns an operation builder bound to a connector's state type, so each operation's `run`
 * gets typed `ctx.state` and `input` from its schemas.
 */
export function operationsFor<TState>() {
  return <TInput extends z.ZodType, TOutput extends z.ZodType>(
    definition: OperationDefinition<TInput, TOutput, TState>,
  ): OperationDefinition<TInput, TOutput, TState> => definition;
}
