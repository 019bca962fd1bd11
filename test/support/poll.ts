/**
 * Calls `probe` until `accept` holds of its answer or `seconds` have passed, and answers the last value: the
 * caller asserts on it, so a failure shows what was seen. A deadline, not a count of tries, so a loaded
 * machine only makes it wait longer.
 */
export async function pollUntil<T>(
  probe: () => T | Promise<T>,
  accept: (value: T) => boolean,
  seconds = 60,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let value = await probe();
  while (!accept(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    value = await probe();
  }
  return value;
}
