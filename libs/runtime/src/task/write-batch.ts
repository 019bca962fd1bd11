/** When a batch is written, and how. */
export interface WriteBatchOptions<C, T, R> {
  /** A batch is written at the latest this long after its first item… */
  windowMs: number;
  /** …or as soon as this many items wait (all groups together). */
  maxSize: number;
  /**
   * Writes one group's items in one round trip and answers one result per item, in their order. A throw
   * fails every item of the group with that error.
   */
  write: (context: C, items: T[]) => Promise<R[]>;
}

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

interface Group<C, T, R> {
  context: C;
  waiting: Waiting<T, R>[];
}

/**
 * Group commit: items added within one window (or until `maxSize` wait) are written together, one write
 * per group (a tenant's database), and each `add` resolves with its own item's result once that write is
 * done, or rejects with the write's error. Batches are written side by side; `flush` writes what waits
 * now and resolves once every write under way is done.
 */
export class WriteBatch<C, T, R = void> {
  private groups = new Map<string, Group<C, T, R>>();
  private count = 0;
  private timer?: NodeJS.Timeout;
  private readonly writing = new Set<Promise<void>>();

  constructor(private readonly options: WriteBatchOptions<C, T, R>) {}

  /** Adds `item` to the batch of group `key` (whose write gets `context`); resolves once it is written. */
  add(key: string, context: C, item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const group = this.groups.get(key) ?? { context, waiting: [] };
      group.waiting.push({ item, resolve, reject });
      this.groups.set(key, group);
      this.count++;
      if (this.count >= this.options.maxSize) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.options.windowMs);
    });
  }

  /** Writes every item waiting now; resolves once these and any write under way are done. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const groups = [...this.groups.values()];
    this.groups = new Map();
    this.count = 0;
    for (const group of groups) {
      const write = this.write(group);
      this.writing.add(write);
      void write.finally(() => this.writing.delete(write));
    }
    return Promise.all([...this.writing]).then(() => undefined);
  }

  private async write({ context, waiting }: Group<C, T, R>): Promise<void> {
    try {
      const results = await this.options.write(
        context,
        waiting.map((entry) => entry.item),
      );
      waiting.forEach((entry, index) => entry.resolve(results[index]));
    } catch (error) {
      for (const entry of waiting) entry.reject(error);
    }
  }
}
