import { decideDueRun } from './due-run';

const hourly = { cron: '0 * * * *', timezone: 'UTC' };
const at = (text: string) => new Date(text);
const GRACE = 30_000;

describe('deciding a due schedule', () => {
  it('fires the due time found on time, and moves on past now', () => {
    const decision = decideDueRun(
      { ...hourly, nextRun: at('2026-06-01T10:00:00Z') },
      at('2026-06-01T10:00:07Z'),
      'once',
      GRACE,
    );
    expect(decision.fire?.toISOString()).toBe('2026-06-01T10:00:00.000Z');
    expect(decision.missed).toBe(false);
    expect(decision.nextRun.toISOString()).toBe('2026-06-01T11:00:00.000Z');
  });

  it('fires missed runs once, for the latest, with catch-up "once"', () => {
    const decision = decideDueRun(
      { ...hourly, nextRun: at('2026-06-01T10:00:00Z') },
      at('2026-06-01T14:30:00Z'),
      'once',
      GRACE,
    );
    expect(decision.fire?.toISOString()).toBe('2026-06-01T14:00:00.000Z');
    expect(decision.missed).toBe(true);
    expect(decision.nextRun.toISOString()).toBe('2026-06-01T15:00:00.000Z');
  });

  it('drops missed runs with catch-up "skip", but still fires one that is on time', () => {
    const late = decideDueRun(
      { ...hourly, nextRun: at('2026-06-01T10:00:00Z') },
      at('2026-06-01T14:30:00Z'),
      'skip',
      GRACE,
    );
    expect(late.fire).toBeUndefined();
    expect(late.nextRun.toISOString()).toBe('2026-06-01T15:00:00.000Z');
    const onTime = decideDueRun(
      { ...hourly, nextRun: at('2026-06-01T14:00:00Z') },
      at('2026-06-01T14:00:10Z'),
      'skip',
      GRACE,
    );
    expect(onTime.fire?.toISOString()).toBe('2026-06-01T14:00:00.000Z');
  });
});
