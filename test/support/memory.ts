import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// A real collection, whatever flags the test run started with: `global.gc` exists only under --expose-gc,
// and a `global.gc?.()` that silently does nothing makes a memory bound depend on the order of test files.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Runs a full garbage collection, so a memory sample after it measures what is retained. */
export function collectGarbage(): void {
  gc();
}

/** Growth in MiB from `before` to `after`, rounded to a tenth, for assertions that print the figure. */
export function growthMb(before: number, after: number): number {
  return Math.round(((after - before) / 2 ** 20) * 10) / 10;
}
