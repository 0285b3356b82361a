import type { AnyOperation, InputProblem } from '@relaykit/sdk-core';
import type { LoadedInstance } from '../runtime/instances.js';

/**
 * What the operation's own `check` finds wrong with a parsed input on this instance (its setup decides, e.g. the
 * default region a local phone number is read in). None when the operation has no check or the instance is not
 * set up in this process; a check that throws is the connector's defect, reported as one problem at the root.
 */
export function operationInputProblems(
  instance: LoadedInstance,
  operation: AnyOperation,
  input: unknown,
): readonly InputProblem[] {
  if (!operation.check || !instance.runtime) return [];
  try {
    return operation.check(instance.runtime.state, input);
  } catch (error) {
    return [{ path: [], message: `the input could not be checked: ${(error as Error)?.message ?? String(error)}` }];
  }
}
