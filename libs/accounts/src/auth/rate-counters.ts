import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ACCOUNTS_CONNECTION } from '../database/accounts-connection';

/** How often this process adds its counts to the shared rows and reads the others' back. */
export const RATE_FLUSH_MS = 200;
/**
 * Counters one process keeps in memory at most: a flood from many addresses must not grow it without
 * bound. Past it the first-made idle counters go (their counts are in the shared rows).
 */
const MAX_SLOTS = 100_000;
/** Rows of windows that ended this long ago go. */
const SWEEP_AFTER_MS = 60_000;

/** A counter's state in one fixed window, as this process knows it. */
interface Slot {
  windowEnd: number;
  /** The shared total as last read from the database (this process's flushed hits included). */
  shared: number;
  /** Hits counted here and not yet added to the shared row. */
  pending: number;
  /** Hits being added right now. */
  inFlight: number;
  /** Used since the last flush: its shared total is read again at the next one. */
  touched: boolean;
  /** When the shared total was last read. */
  readAt: number;
  /** A read of the shared total is under way (`ready` resolves when it is done). */
  reading: boolean;
  ready: Promise<void>;
}

export type RateVerdict = RateUse & { allowed: boolean };

export interface RateUse {
  used: number;
  /** When the window ends, in milliseconds. */
  resetAt: number;
}

/**
 * Rate counters every API replica shares, in the accounts SQL database: one row per counter and fixed
 * window, raised with an atomic upsert-increment. The request path reads the database only the first time
 * a process sees a counter in a window (or when it sat idle past RATE_FLUSH_MS); otherwise it decides from
 * memory, synchronously and in O(1) (`tryHit`, `peek`: the shared total last read plus its own hits since),
 * and adds its hits in one statement per counter every RATE_FLUSH_MS.
 *
 * Accuracy: a process does not see the others' hits of the last RATE_FLUSH_MS, so across N replicas a
 * window may admit up to about (N - 1) × (requests per replica in RATE_FLUSH_MS) more than the limit; a
 * single process is exact. A database outage lets requests through (counts stay in memory and are added
 * when it is back) rather than refusing everyone.
 */
@Injectable()
export class RateCounters implements OnModuleDestroy {
  private readonly logger = new Logger('RateCounters');
  private readonly slots = new Map<string, Slot>();
  private timer?: NodeJS.Timeout;
  private lastSweep = 0;
  private readonly dialect: 'postgres' | 'mysql' | 'sqlite';

  constructor(@InjectDataSource(ACCOUNTS_CONNECTION) private readonly db: DataSource) {
    const type = db.options.type;
    this.dialect =
      type === 'postgres' ? 'postgres' : type === 'mysql' || type === 'mariadb' ? 'mysql' : 'sqlite';
  }

  /** Counts one hit unless the counter reached `limit` in this window; answers whether it was counted. */
  async hit(counter: string, limit: number, windowMs: number): Promise<RateVerdict> {
    return this.count(await this.slot(counter, windowMs, true), limit);
  }

  /**
   * `hit` without waiting, when memory can decide: the counter's window is this process's current one and
   * its shared total was read within RATE_FLUSH_MS. Undefined otherwise (then `hit` reads the database).
   */
  tryHit(counter: string, limit: number): RateVerdict | undefined {
    const slot = this.slots.get(counter);
    if (!slot || !isFresh(slot, Date.now())) return undefined;
    slot.touched = true;
    return this.count(slot, limit);
  }

  /**
   * The use of a counter this process counts in its current window, if memory can answer: 0 for one it has
   * not seen this window, undefined when its shared total needs reading (then `use`).
   */
  peek(counter: string, windowMs: number): RateUse | undefined {
    const now = Date.now();
    const slot = this.slots.get(counter);
    if (!slot || slot.windowEnd <= now) return { used: 0, resetAt: windowEndOf(now, windowMs) };
    if (!isFresh(slot, now)) return undefined;
    return { used: slot.shared + slot.pending + slot.inFlight, resetAt: slot.windowEnd };
  }

  private count(slot: Slot, limit: number): RateVerdict {
    const used = slot.shared + slot.pending + slot.inFlight;
    if (used >= limit) return { allowed: false, used, resetAt: slot.windowEnd };
    slot.pending += 1;
    this.schedule();
    return { allowed: true, used: used + 1, resetAt: slot.windowEnd };
  }

  /**
   * The counter's use in this window. With `load` false a counter this process has not seen this window
   * reads as 0 without a database read (for checks on every request that only matter once it is counting).
   */
  async use(counter: string, windowMs: number, load = true): Promise<RateUse> {
    const now = Date.now();
    const known = this.slots.get(counter);
    if (!load && (!known || known.windowEnd <= now)) return { used: 0, resetAt: windowEndOf(now, windowMs) };
    const slot = await this.slot(counter, windowMs, load);
    return { used: slot.shared + slot.pending + slot.inFlight, resetAt: slot.windowEnd };
  }

  private async slot(counter: string, windowMs: number, touch: boolean): Promise<Slot> {
    const now = Date.now();
    let slot = this.slots.get(counter);
    if (!slot || slot.windowEnd <= now) {
      if (!slot && this.slots.size >= MAX_SLOTS) this.makeRoom(now);
      const windowEnd = windowEndOf(now, windowMs);
      slot = {
        windowEnd,
        shared: 0,
        pending: 0,
        inFlight: 0,
        touched: false,
        readAt: 0,
        reading: false,
        ready: Promise.resolve(),
      };
      this.slots.set(counter, slot);
    }
    // A busy counter is read back at every flush; one idle for longer is read before it decides, so no
    // decision rests on a shared total older than RATE_FLUSH_MS (plus one read's time).
    if (now - slot.readAt > RATE_FLUSH_MS) {
      const stale = slot;
      stale.readAt = now;
      stale.reading = true;
      stale.ready = this.read(rowId(counter, stale.windowEnd))
        .then(
          (hits) => void (stale.shared = Math.max(stale.shared, hits)),
          (error: Error) => this.logger.warn(`Could not read rate counter: ${error.message}`),
        )
        .finally(() => (stale.reading = false));
    }
    await slot.ready;
    if (touch) {
      slot.touched = true;
      this.schedule();
    }
    return slot;
  }

  private makeRoom(now: number): void {
    for (const [counter, slot] of this.slots) {
      if (this.slots.size < MAX_SLOTS) return;
      const idle = slot.pending === 0 && slot.inFlight === 0;
      if (idle || slot.windowEnd <= now) this.slots.delete(counter);
    }
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), RATE_FLUSH_MS);
    this.timer.unref();
  }

  /** Adds this process's hits to the shared rows and reads the totals back. */
  async flush(): Promise<void> {
    this.timer = undefined;
    const now = Date.now();
    let again = false;
    for (const [counter, slot] of this.slots) {
      if (slot.pending === 0 && (!slot.touched || slot.windowEnd <= now)) {
        if (slot.windowEnd <= now) this.slots.delete(counter);
        continue;
      }
      const delta = slot.pending;
      slot.pending = 0;
      slot.inFlight += delta;
      slot.touched = false;
      try {
        slot.shared = await this.add(rowId(counter, slot.windowEnd), delta, slot.windowEnd);
        slot.readAt = Date.now();
      } catch (error) {
        slot.pending += delta;
        again = true;
        this.logger.warn(`Could not add to rate counters: ${(error as Error).message}`);
      } finally {
        slot.inFlight -= delta;
      }
    }
    if (now - this.lastSweep > SWEEP_AFTER_MS) {
      this.lastSweep = now;
      await this.db
        .query(`DELETE FROM rate_counters WHERE window_end < ${this.param(1)}`, [now - SWEEP_AFTER_MS])
        .catch((error: Error) => this.logger.warn(`Could not sweep rate counters: ${error.message}`));
    }
    if (again) this.schedule();
  }

  private async read(id: string): Promise<number> {
    const rows = (await this.db.query(`SELECT hits FROM rate_counters WHERE id = ${this.param(1)}`, [
      id,
    ])) as Array<{ hits: number | string }>;
    return rows.length > 0 ? Number(rows[0].hits) : 0;
  }

  /** The atomic upsert-increment: concurrent replicas never lose each other's hits. */
  private async add(id: string, delta: number, windowEnd: number): Promise<number> {
    const values = `VALUES (${this.param(1)}, ${this.param(2)}, ${this.param(3)})`;
    if (this.dialect === 'mysql') {
      await this.db.query(
        `INSERT INTO rate_counters (id, hits, window_end) ${values} ON DUPLICATE KEY UPDATE hits = hits + VALUES(hits)`,
        [id, delta, windowEnd],
      );
      return this.read(id);
    }
    const rows = (await this.db.query(
      `INSERT INTO rate_counters (id, hits, window_end) ${values} ` +
        'ON CONFLICT (id) DO UPDATE SET hits = rate_counters.hits + excluded.hits RETURNING hits',
      [id, delta, windowEnd],
    )) as Array<{ hits: number | string }>;
    return Number(rows[0].hits);
  }

  private param(index: number): string {
    return this.dialect === 'postgres' ? `$${index}` : '?';
  }

  async onModuleDestroy(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    // What this process counted still counts for the other replicas.
    if ([...this.slots.values()].some((slot) => slot.pending > 0)) await this.flush().catch(() => undefined);
    clearTimeout(this.timer);
  }
}

/** Memory may decide for this counter: its window is current and its shared total recent and not being read. */
function isFresh(slot: Slot, now: number): boolean {
  return slot.windowEnd > now && !slot.reading && now - slot.readAt <= RATE_FLUSH_MS;
}

function windowEndOf(now: number, windowMs: number): number {
  return now - (now % windowMs) + windowMs;
}

function rowId(counter: string, windowEnd: number): string {
  return `${counter}@${windowEnd}`;
}
