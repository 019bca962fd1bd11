/** When a batch is written, and how. */
export interface WriteBatchOptions<C, T, R> {
  /**
   * A batch is written at the latest this long after its first item… Without a window (adaptive): a
   * group with no write under way is written at once (with whatever else arrived in the same turn of the
   * event loop), and items that arrive during a write are written together as soon as it is done. So an
   * idle caller never waits for a window, and batches grow with the load.
   */
  windowMs?: number;
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
  /** Adaptive mode: writes under way per group, and groups whose write waits for the next turn. */
  private readonly underWay = new Map<string, number>();
  private readonly scheduled = new Set<string>();

  constructor(private readonly options: WriteBatchOptions<C, T, R>) {}

  /** Adds `item` to the batch of group `key` (whose write gets `context`); resolves once it is written. */
  add(key: string, context: C, item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const group = this.groups.get(key) ?? { context, waiting: [] };
      group.waiting.push({ item, resolve, reject });
      this.groups.set(key, group);
      this.count++;
      if (this.options.windowMs === undefined) this.writeAdaptively(key, group);
      else if (this.count >= this.options.maxSize) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.options.windowMs);
    });
  }

  /**
   * Adaptive mode: a full group is written at once; otherwise the group is written on the next turn of the
   * event loop unless a write of it is under way, whose end writes it (`writeGroup`).
   */
  private writeAdaptively(key: string, group: Group<C, T, R>): void {
    if (group.waiting.length >= this.options.maxSize) {
      this.writeGroup(key);
      return;
    }
    if ((this.underWay.get(key) ?? 0) > 0 || this.scheduled.has(key)) return;
    this.scheduled.add(key);
    setImmediate(() => {
      this.scheduled.delete(key);
      if ((this.underWay.get(key) ?? 0) === 0) this.writeGroup(key);
    });
  }

  /** Writes one group's waiting items; when done, writes what arrived meanwhile (adaptive mode). */
  private writeGroup(key: string): void {
    const group = this.groups.get(key);
    if (!group) return;
    this.groups.delete(key);
    this.count -= group.waiting.length;
    this.underWay.set(key, (this.underWay.get(key) ?? 0) + 1);
    const write = this.write(group).finally(() => {
      this.writing.delete(write);
      const left = (this.underWay.get(key) ?? 1) - 1;
      if (left > 0) this.underWay.set(key, left);
      else {
        this.underWay.delete(key);
        if (this.groups.has(key)) this.writeGroup(key);
      }
    });
    this.writing.add(write);
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
