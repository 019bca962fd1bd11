/**
 * Least recently used first: a `Map` keeps insertion order, and a hit moves its entry to the end. Holds at
 * most `max` by `weigh` (each entry weighs 1 unless told: then `max` is a count of entries). An entry may
 * belong to groups (`set(key, value, groups)`): `deleteGroup` drops a group's entries and visits no other.
 */
export class Lru<V> {
  private readonly entries = new Map<string, { value: V; groups?: readonly string[] }>();
  /** Group → the keys of its entries held. */
  private readonly groups = new Map<string, Set<string>>();
  private weight = 0;

  constructor(
    private readonly max: number,
    private readonly weigh: (value: V) => number = () => 1,
  ) {}

  /** What the entries held weigh together. */
  get total(): number {
    return this.weight;
  }

  get size(): number {
    return this.entries.size;
  }

  /** How many groups have entries held. */
  get groupCount(): number {
    return this.groups.size;
  }

  get(key: string): V | undefined {
    const held = this.entries.get(key);
    if (held === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, held);
    return held.value;
  }

  /** Keeps `value` under `key` (replacing what was there), in `groups` (one group, or several) if given. */
  set(key: string, value: V, groups?: string | readonly string[]): void {
    this.delete(key);
    const list = typeof groups === 'string' ? [groups] : groups;
    this.entries.set(key, { value, groups: list });
    for (const group of list ?? []) {
      const keys = this.groups.get(group);
      if (keys) keys.add(key);
      else this.groups.set(group, new Set([key]));
    }
    this.weight += this.weigh(value);
    for (const oldest of this.entries.keys()) {
      if (this.weight <= this.max) break;
      this.delete(oldest);
    }
  }

  delete(key: string): void {
    const held = this.entries.get(key);
    if (held === undefined) return;
    this.entries.delete(key);
    this.weight -= this.weigh(held.value);
    for (const group of held.groups ?? []) {
      const keys = this.groups.get(group);
      keys?.delete(key);
      if (keys?.size === 0) this.groups.delete(group);
    }
  }

  /** Drops the entries of `group`, visiting those alone; answers how many were dropped. */
  deleteGroup(group: string): number {
    const keys = this.groups.get(group);
    if (!keys) return 0;
    const count = keys.size;
    for (const key of [...keys]) this.delete(key);
    return count;
  }

  clear(): void {
    this.entries.clear();
    this.groups.clear();
    this.weight = 0;
  }
}
