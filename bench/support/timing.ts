/** What a measured piece of work took. */
export interface Measured<T> {
  /** Wall-clock seconds. */
  seconds: number;
  /**
   * CPU seconds of this Node process (user + system): the bench client and, for REST paths, the API too.
   * Whatever the wall time is not spent on here is the database server's.
   */
  cpuSeconds: number;
  value: T;
}

export async function measure<T>(work: () => Promise<T>): Promise<Measured<T>> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const value = await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, value };
}

export function perSecond(amount: number, seconds: number): number {
  return seconds > 0 ? amount / seconds : 0;
}

/** `12.34 s (node CPU 5.6 s)`, for progress lines. */
export function timeText(measured: Measured<unknown>): string {
  return `${measured.seconds.toFixed(2)} s (node CPU ${measured.cpuSeconds.toFixed(1)} s)`;
}
