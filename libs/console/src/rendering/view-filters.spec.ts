import { searchPattern } from '../pages/objects/object-browser';
import {
  formatBytes,
  formatCell,
  formatDateTime,
  formatDuration,
  formatZoned,
  prettyJson,
  workerId,
} from './view-filters';

describe('console view filters', () => {
  it('formats times in UTC, sizes and durations, and leaves what is not one empty', () => {
    expect(formatDateTime(new Date('2026-11-28T12:52:34.640Z'))).toBe('2026-11-28 12:52:34 UTC');
    expect(formatDateTime('2026-01-02T03:04:05Z')).toBe('2026-01-02 03:04:05 UTC');
    expect(formatDateTime(undefined)).toBe('');
    expect(formatDateTime('not a date')).toBe('');
    expect(formatZoned(new Date('2026-12-07T05:30:00Z'), 'Europe/Zurich')).toBe(
      '2026-12-07 06:30 Europe/Zurich',
    );
    expect(formatZoned(new Date('2026-07-01T00:05:00Z'), 'America/New_York')).toBe(
      '2026-06-30 20:05 America/New_York',
    );
    expect(formatZoned(new Date(), 'Not/AZone')).toBe('');
    expect(formatBytes(12)).toBe('12 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
    expect(formatBytes(-1)).toBe('');
    expect(formatDuration(42.4)).toBe('42 ms');
    expect(formatDuration(2500)).toBe('2.50 s');
    expect(formatDuration(undefined)).toBe('');
  });

  it('shows cells as text and cuts long JSON', () => {
    expect(formatCell(null)).toBe('');
    expect(formatCell('<b>')).toBe('<b>');
    expect(formatCell(1.5)).toBe('1.5');
    expect(formatCell({ a: [1] })).toBe('{"a":[1]}');
    const long = prettyJson({ text: 'x'.repeat(100) }, 50);
    expect(long.startsWith('{\n  "text": "xxx')).toBe(true);
    expect(long).toMatch(/… \(\d+ more characters\)$/);
  });

  it('searches names containing a word, or by a glob as given', () => {
    expect(searchPattern(undefined)).toBeUndefined();
    expect(searchPattern('  ')).toBeUndefined();
    expect(searchPattern('sal')).toBe('*sal*');
    expect(searchPattern('iris*')).toBe('iris*');
  });

  it('shows where a worker runs to platform admins only', () => {
    expect(workerId('build-host-4242-a1b2c3', true)).toBe('build-host-4242-a1b2c3');
    expect(workerId('build-host-4242-a1b2c3', false)).toBe('worker a1b2c3');
    expect(workerId('odd', false)).toBe('worker');
    expect(workerId(undefined, true)).toBe('');
  });
});
