/** A little past a window's end, so the count surely starts in the next window. */
const PAST_END_MS = 1000;

/**
 * Rate limits count in fixed windows aligned to the clock (a window of W seconds ends at every multiple of W
 * since the epoch), and a window's end starts every count afresh. A test that counts up to a limit and expects
 * the next request refused fails when a window ends midway, so it starts counting in a window with time to
 * spare: this waits for the next window when the current one ends within `neededMs` (the most a count may
 * take on a loaded machine), and answers at once otherwise. The wait is at most `neededMs` and a second:
 * give the test (or the `beforeEach` that calls this) that much time on top of its own.
 */
export async function withinOneWindow(windowSeconds: number, neededMs: number): Promise<void> {
  const windowMs = windowSeconds * 1000;
  if (neededMs >= windowMs)
    throw new Error(`a count of ${neededMs} ms does not fit a ${windowSeconds} s window`);
  const left = windowMs - (Date.now() % windowMs);
  if (left < neededMs) await new Promise((resolve) => setTimeout(resolve, left + PAST_END_MS));
}
