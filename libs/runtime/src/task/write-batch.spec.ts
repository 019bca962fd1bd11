import { WriteBatch } from './write-batch';

interface Call {
  context: string;
  items: number[];
}

/** A batch whose writes are recorded; items are numbers, each result is the item doubled. */
function recorder(options: { windowMs: number; maxSize: number; refuse?: string }) {
  const calls: Call[] = [];
  const batch = new WriteBatch<string, number, number>({
    windowMs: options.windowMs,
    maxSize: options.maxSize,
    write: async (context, items) => {
      calls.push({ context, items });
      if (context === options.refuse) throw new Error(`database refused ${context}`);
      return items.map((item) => item * 2);
    },
  });
  return { batch, calls };
}

describe('WriteBatch', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('writes what arrives within one window together, once the window closes', async () => {
    const { batch, calls } = recorder({ windowMs: 5, maxSize: 100 });
    const first = batch.add('db', 'ctx', 1);
    jest.advanceTimersByTime(4);
    const second = batch.add('db', 'ctx', 2);
    expect(calls).toHaveLength(0);
    jest.advanceTimersByTime(1);
    await expect(Promise.all([first, second])).resolves.toEqual([2, 4]);
    expect(calls).toEqual([{ context: 'ctx', items: [1, 2] }]);

    // The next window starts with the next item.
    const third = batch.add('db', 'ctx', 3);
    expect(calls).toHaveLength(1);
    jest.advanceTimersByTime(5);
    await expect(third).resolves.toBe(6);
    expect(calls).toHaveLength(2);
  });

  it('writes as soon as maxSize items wait, without waiting out the window', async () => {
    const { batch, calls } = recorder({ windowMs: 60_000, maxSize: 3 });
    const results = [1, 2, 3].map((item) => batch.add('db', 'ctx', item));
    expect(calls).toEqual([{ context: 'ctx', items: [1, 2, 3] }]);
    await expect(Promise.all(results)).resolves.toEqual([2, 4, 6]);
    const fourth = batch.add('db', 'ctx', 4);
    expect(calls).toHaveLength(1);
    await batch.flush();
    await expect(fourth).resolves.toBe(8);
  });

  it('writes each group with its own context, one write per group', async () => {
    const { batch, calls } = recorder({ windowMs: 5, maxSize: 100 });
    const results = [
      batch.add('a', 'tenant a', 1),
      batch.add('b', 'tenant b', 2),
      batch.add('a', 'tenant a', 3),
    ];
    jest.advanceTimersByTime(5);
    await expect(Promise.all(results)).resolves.toEqual([2, 4, 6]);
    expect(calls).toEqual([
      { context: 'tenant a', items: [1, 3] },
      { context: 'tenant b', items: [2] },
    ]);
  });

  it('fails every item of a refused batch with its error, and only that group', async () => {
    const { batch } = recorder({ windowMs: 5, maxSize: 100, refuse: 'tenant a' });
    const refused = [batch.add('a', 'tenant a', 1), batch.add('a', 'tenant a', 2)];
    const other = batch.add('b', 'tenant b', 3);
    jest.advanceTimersByTime(5);
    for (const result of refused) await expect(result).rejects.toThrow('database refused tenant a');
    await expect(other).resolves.toBe(6);
  });

  it('flush writes what waits and resolves once every write under way is done', async () => {
    let release: () => void = () => undefined;
    const written: number[][] = [];
    const batch = new WriteBatch<string, number>({
      windowMs: 60_000,
      maxSize: 100,
      write: async (_context, items) => {
        await new Promise<void>((resolve) => (release = resolve));
        written.push(items);
        return [];
      },
    });
    const item = batch.add('db', 'ctx', 1);
    let flushed = false;
    const flush = batch.flush().then(() => (flushed = true));
    await Promise.resolve();
    expect(flushed).toBe(false);
    release();
    await flush;
    await item;
    expect(written).toEqual([[1]]);
  });
});
