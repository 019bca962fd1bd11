import { OmegaError } from '@omega/core';
import {
  canonicalTimezone,
  latestTimeAtOrBefore,
  nextTimeAfter,
  nextTimes,
  normaliseCron,
} from './cron-expression';
import { resolveScheduleSpec } from './schedule-spec';

const iso = (dates: Date[]) => dates.map((date) => date.toISOString());

describe('cron expressions and time zones', () => {
  it('normalises a five-field expression and refuses others', () => {
    expect(normaliseCron('  */5   *  * * * ')).toBe('*/5 * * * *');
    expect(() => normaliseCron('* * * *')).toThrow(/five fields/);
    expect(() => normaliseCron('0 0 * * * *')).toThrow(/five fields/);
    expect(() => normaliseCron('61 * * * *')).toThrow(/Invalid cron expression "61 \* \* \* \*"/);
    expect(() => normaliseCron('0 0 31 2 *')).toThrow(/never runs/);
    expect(() => normaliseCron('0 0 * * $(rm)')).toThrow(OmegaError);
  });

  it('validates IANA time zone names and spells them canonically', () => {
    expect(canonicalTimezone('Europe/Zurich')).toBe('Europe/Zurich');
    expect(canonicalTimezone('europe/zurich')).toBe('Europe/Zurich');
    expect(canonicalTimezone('UTC')).toBe('UTC');
    expect(() => canonicalTimezone('Mars/Olympus_Mons')).toThrow(/Unknown timezone "Mars\/Olympus_Mons"/);
    expect(() => canonicalTimezone('')).toThrow(OmegaError);
  });

  it('keeps a daily 06:00 Europe/Zurich at 06:00 local across the October DST change', () => {
    // Summer time (UTC+2) ends on 2026-10-25: 06:00 local is 04:00 UTC before and 05:00 UTC after.
    const times = nextTimes('0 6 * * *', 'Europe/Zurich', new Date('2026-10-23T12:00:00Z'), 4);
    expect(iso(times)).toEqual([
      '2026-10-24T04:00:00.000Z',
      '2026-10-25T05:00:00.000Z',
      '2026-10-26T05:00:00.000Z',
      '2026-10-27T05:00:00.000Z',
    ]);
  });

  it('keeps it across the March DST change too', () => {
    const times = nextTimes('0 6 * * *', 'Europe/Zurich', new Date('2026-03-28T00:00:00Z'), 2);
    expect(iso(times)).toEqual(['2026-03-28T05:00:00.000Z', '2026-03-29T04:00:00.000Z']);
  });

  it('runs a 02:30 job once on both DST change days: at 03:00 when 02:30 is skipped, at the first 02:30 when repeated', () => {
    expect(iso(nextTimes('30 2 * * *', 'Europe/Zurich', new Date('2026-03-28T12:00:00Z'), 2))).toEqual([
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
    expect(iso(nextTimes('30 2 * * *', 'Europe/Zurich', new Date('2026-10-24T12:00:00Z'), 2))).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
  });

  it('answers the next times strictly after a moment, and the latest at or before one', () => {
    const at = new Date('2026-06-01T10:05:00Z');
    expect(iso(nextTimes('*/5 * * * *', 'UTC', at, 3))).toEqual([
      '2026-06-01T10:10:00.000Z',
      '2026-06-01T10:15:00.000Z',
      '2026-06-01T10:20:00.000Z',
    ]);
    expect(nextTimeAfter('0 * * * *', 'UTC', at).toISOString()).toBe('2026-06-01T11:00:00.000Z');
    expect(latestTimeAtOrBefore('*/5 * * * *', 'UTC', at)?.toISOString()).toBe('2026-06-01T10:05:00.000Z');
    expect(latestTimeAtOrBefore('0 * * * *', 'UTC', at)?.toISOString()).toBe('2026-06-01T10:00:00.000Z');
  });

  it('reads weekdays in the schedule time zone, not in UTC', () => {
    // Monday 00:30 in Auckland is still Sunday in UTC.
    const [first] = nextTimes('30 0 * * 1', 'Pacific/Auckland', new Date('2026-06-01T00:00:00Z'), 1);
    expect(first.toISOString()).toBe('2026-06-07T12:30:00.000Z');
  });
});

describe('a schedule as given by a caller', () => {
  it('takes cron or text, and UTC when no time zone is named', () => {
    expect(resolveScheduleSpec({ cron: '0 6 * * *' })).toEqual({ cron: '0 6 * * *', timezone: 'UTC' });
    expect(resolveScheduleSpec({ text: 'weekdays at 06:00', timezone: 'Europe/Zurich' })).toEqual({
      cron: '0 6 * * 1-5',
      text: 'weekdays at 06:00',
      timezone: 'Europe/Zurich',
    });
  });

  it('wants exactly one of cron and text', () => {
    expect(() => resolveScheduleSpec({})).toThrow(/exactly one/);
    expect(() => resolveScheduleSpec({ cron: '* * * * *', text: 'every minute' })).toThrow(/exactly one/);
  });
});
