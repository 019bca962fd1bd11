import { performance } from 'node:perf_hooks';

/** Every process announces itself on the change exchange this often. */
export const HELLO_INTERVAL_MS = 250;
/**
 * How long after sending an announcement that came back in order a process still counts as up to date
 * (its lease). A process whose own announcements stop coming back within this (its event loop starved, its
 * broker connection stalled) stops answering from its caches until one does. A publish never waits longer
 * than this after the broker's confirm (see `ChangeExchange.publish`), and a peer silent this long is
 * dropped from the roster.
 */
export const LEASE_MS = 1_500;
/** Spare time on top of a lease, for timers that fire late. */
export const LEASE_MARGIN_MS = 50;

/** A monotonic clock in milliseconds: leases compare durations, which wall-clock steps would falsify. */
export function monotonicNow(): number {
  return performance.now();
}

/**
 * What one process knows of the processes on its change exchange, and how current it is itself.
 *
 * The lease: the process sends announcements (`hello`) through the fanout exchange to every queue, its
 * own included, and notes when it sent each. A queue hands messages out in the order they were enqueued, so
 * when its own announcement sent at time `s` comes back, every event the broker had confirmed to anyone
 * before `s` has already been handled here. `current` holds while the latest such `s` is less than LEASE_MS
 * ago. Hence: an event confirmed at `c` that a process has not handled by `c + LEASE_MS` finds that process
 * no longer current, and it reads the database rather than its caches until it has caught up.
 */
export class ChangePresence {
  /** Peers by id: when their announcement was last handled here. */
  private readonly peers = new Map<string, number>();
  /** When the announcements not yet back were sent, by sequence number. */
  private readonly sent = new Map<number, number>();
  private sequence = 0;
  /** When the latest announcement that came back was sent; undefined until one did (after a (re)connect). */
  private caughtUpAt?: number;

  constructor(
    readonly id: string,
    private readonly now: () => number = monotonicNow,
  ) {}

  /** Whether this process has handled every event confirmed more than LEASE_MS ago. */
  get current(): boolean {
    return this.caughtUpAt !== undefined && this.now() - this.caughtUpAt <= LEASE_MS;
  }

  /** A new queue: nothing before it reached this process, so nothing counts until an announcement is back. */
  restart(): void {
    this.caughtUpAt = undefined;
    this.sent.clear();
  }

  /** The sequence number of an announcement about to be sent. */
  nextHello(): number {
    this.sequence += 1;
    this.sent.set(this.sequence, this.now());
    // Announcements lost with a connection never come back: keep only the recent ones.
    if (this.sent.size > 64) this.sent.delete(this.sent.keys().next().value as number);
    return this.sequence;
  }

  /** An announcement came back or came from a peer. Answers whether it was this process's own. */
  heard(from: string, sequence: number): boolean {
    if (from !== this.id) {
      this.peers.set(from, this.now());
      return false;
    }
    const sentAt = this.sent.get(sequence);
    if (sentAt !== undefined) {
      this.caughtUpAt = Math.max(this.caughtUpAt ?? sentAt, sentAt);
      for (const earlier of this.sent.keys()) if (earlier <= sequence) this.sent.delete(earlier);
    }
    return true;
  }

  /** A peer said it leaves. */
  left(from: string): void {
    this.peers.delete(from);
  }

  /**
   * The peers heard from within LEASE_MS: those a publish waits for. One silent for longer is not current
   * any more (its own announcements stopped too, or were not handled), so waiting for it is not needed.
   */
  livePeers(): string[] {
    const now = this.now();
    const live: string[] = [];
    for (const [id, seenAt] of this.peers) {
      if (now - seenAt <= LEASE_MS) live.push(id);
      else this.peers.delete(id);
    }
    return live;
  }
}
