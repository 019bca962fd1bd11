import { timeOrderedId } from './time-ordered-id';

describe('timeOrderedId', () => {
  it('is a version 7 UUID carrying its instant', () => {
    const now = Date.UTC(2026, 10, 28, 12, 0, 0);
    const { id, at } = timeOrderedId(now + 10_000);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at.getTime());
  });

  it('keeps increasing within one millisecond and when the clock steps back', () => {
    const now = Date.now() + 60_000;
    const ids = [timeOrderedId(now), timeOrderedId(now), timeOrderedId(now - 5000), timeOrderedId(now + 1)];
    const sorted = [...ids].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(sorted).toEqual(ids);
    expect(ids[2].at.getTime()).toBe(now);
  });

  it('borrows the next millisecond after 4096 ids in one', () => {
    const now = Date.now() + 120_000;
    const ids = Array.from({ length: 5000 }, () => timeOrderedId(now).id);
    expect(new Set(ids).size).toBe(5000);
    expect([...ids].sort()).toEqual(ids);
  });
});
