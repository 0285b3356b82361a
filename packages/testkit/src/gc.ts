import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/**
 * Whether `ref`'s target was garbage-collected, after a full collection in a later task (a WeakRef's target lives at
 * least to the end of the job that made or read it). Exposes V8's `gc` on first use, so the test process needs no
 * `--expose-gc`: for tests proving that code keeps no reference to what it is done with.
 */
export async function collectedAfterGc(ref: WeakRef<object>): Promise<boolean> {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  return ref.deref() === undefined;
}
