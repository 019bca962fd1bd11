/** Latency figures of one measured level: milliseconds per operation and operations per second. */
export interface LatencyStats {
  count: number;
  concurrency: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
}

/** The `q` quantile (0..1) of sorted values, nearest rank. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

export function median(values: readonly number[]): number {
  return quantile(Float64Array.from(values).sort(), 0.5);
}

/**
 * Runs `operation` `count` times with at most `concurrency` in flight (a closed loop: each lane starts its
 * next call when the previous one answered), timing every call. `operation` gets the call's index; a
 * rejection stops the run and is thrown.
 */
export async function measureLatency(
  count: number,
  concurrency: number,
  operation: (index: number) => Promise<void>,
): Promise<LatencyStats> {
  const durations = new Float64Array(count);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      const started = process.hrtime.bigint();
      await operation(index);
      durations[index] = Number(process.hrtime.bigint() - started) / 1e6;
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return latencyStats(durations, concurrency, seconds);
}

/** Figures from per-call durations in milliseconds. */
export function latencyStats(
  durationsMs: ArrayLike<number>,
  concurrency: number,
  seconds: number,
): LatencyStats {
  const sorted = Float64Array.from(durationsMs).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count: sorted.length,
    concurrency,
    seconds,
    perSecond: seconds > 0 ? sorted.length / seconds : 0,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    meanMs: sorted.length > 0 ? sum / sorted.length : NaN,
    maxMs: sorted.length > 0 ? sorted[sorted.length - 1] : NaN,
  };
}

/** Runs `count` calls `concurrency` at a time, untimed: warm-up before a measured level. */
export async function warmUp(
  count: number,
  concurrency: number,
  operation: (index: number) => Promise<void>,
): Promise<void> {
  await measureLatency(count, concurrency, operation);
}

/** `1.23` for milliseconds: two decimals below 10 ms, one above. */
export function formatMs(value: number): string {
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}

/** Rejects when `promise` has not settled within `ms`: a lost message fails the run instead of hanging it. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
