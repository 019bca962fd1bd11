import { withinOneWindow } from './rate-windows';

describe('withinOneWindow', () => {
  const hour = Date.UTC(2026, 0, 1, 12);
  let settled: boolean;
  const wait = (windowSeconds: number, neededMs: number) => {
    settled = false;
    return withinOneWindow(windowSeconds, neededMs).then(() => {
      settled = true;
    });
  };

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('answers at once when the count fits in what is left of the window', async () => {
    jest.setSystemTime(hour + 10 * 60_000);
    await wait(3600, 60_000);
    expect(settled).toBe(true);
  });

  it('waits past the end of a window that ends within the count', async () => {
    jest.setSystemTime(hour - 30_000);
    const waited = wait(3600, 60_000);
    await jest.advanceTimersByTimeAsync(30_000);
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1000);
    await waited;
    expect(settled).toBe(true);
    expect(Date.now()).toBeGreaterThan(hour);
  });

  it('refuses a count longer than the window', async () => {
    await expect(withinOneWindow(60, 60_000)).rejects.toThrow('does not fit a 60 s window');
  });
});
