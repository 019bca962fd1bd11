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

  describe('without a window (adaptive)', () => {
    beforeEach(() => jest.useRealTimers());

    /** A batch whose writes wait until released, so a test decides when each is done. */
    function gated(maxSize = 100) {
      const written: number[][] = [];
      const releases: Array<() => void> = [];
      const batch = new WriteBatch<string, number, number>({
        maxSize,
        write: async (_context, items) => {
          written.push(items);
          await new Promise<void>((resolve) => releases.push(resolve));
          return items.map((item) => item * 2);
        },
      });
      return { batch, written, releases };
    }
    const turn = () => new Promise((resolve) => setImmediate(resolve));

    it('writes at once what arrives in one turn, and what arrives during a write right after it', async () => {
      const { batch, written, releases } = gated();
      const first = [batch.add('db', 'ctx', 1), batch.add('db', 'ctx', 2)];
      await turn();
      expect(written).toEqual([[1, 2]]);
      // A write is under way: these wait for it, however many turns go by.
      const next = [batch.add('db', 'ctx', 3), batch.add('db', 'ctx', 4)];
      await turn();
      await turn();
      expect(written).toHaveLength(1);
      releases[0]();
      await expect(Promise.all(first)).resolves.toEqual([2, 4]);
      await turn();
      expect(written).toEqual([
        [1, 2],
        [3, 4],
      ]);
      releases[1]();
      await expect(Promise.all(next)).resolves.toEqual([6, 8]);
    });

    it('writes a full group at once even while another write of it is under way', async () => {
      const { batch, written, releases } = gated(2);
      const first = batch.add('db', 'ctx', 1);
      await turn();
      const full = [batch.add('db', 'ctx', 2), batch.add('db', 'ctx', 3)];
      expect(written).toEqual([[1], [2, 3]]);
      releases.forEach((release) => release());
      await expect(Promise.all([first, ...full])).resolves.toEqual([2, 4, 6]);
    });

    it('keeps groups apart: one tenant waiting on its write does not hold back another', async () => {
      const { batch, written, releases } = gated();
      void batch.add('a', 'tenant a', 1);
      await turn();
      void batch.add('a', 'tenant a', 2);
      const other = batch.add('b', 'tenant b', 3);
      await turn();
      expect(written).toEqual([[1], [3]]);
      releases[1]();
      await expect(other).resolves.toBe(6);
      releases[0]();
      await turn();
      expect(written).toEqual([[1], [3], [2]]);
      releases[2]();
      await batch.flush();
    });
  });
});
