import { OmegaError } from '@omega/core';
import { textToCron } from './natural-language';

describe('schedules in plain English', () => {
  it.each([
    ['every minute', '* * * * *'],
    ['every 5 minutes', '*/5 * * * *'],
    ['Every  15 Minutes', '*/15 * * * *'],
    ['every hour', '0 * * * *'],
    ['every 2 hours', '0 */2 * * *'],
    ['every day at 06:00', '0 6 * * *'],
    ['daily at 6pm', '0 18 * * *'],
    ['weekdays at 06:00', '0 6 * * 1-5'],
    ['every weekday at 7:15 am', '15 7 * * 1-5'],
    ['weekends at 10:00', '0 10 * * 0,6'],
    ['mondays at 9:30', '30 9 * * 1'],
    ['every sunday at 12am', '0 0 * * 0'],
    ['on fridays at 17:45', '45 17 * * 5'],
    ['on the 1st at 02:30', '30 2 1 * *'],
    ['monthly on the 15th at 23:59', '59 23 15 * *'],
  ])('%s → %s', (text, cron) => {
    expect(textToCron(text)).toBe(cron);
  });

  it('refuses other text and names the forms it understands', () => {
    expect(() => textToCron('whenever you like')).toThrow(OmegaError);
    expect(() => textToCron('whenever you like')).toThrow(
      /every N minutes.*weekdays at HH:MM.*on the 1st at HH:MM/,
    );
  });

  it.each([
    'every day at 25:00',
    'mondays at 9:75',
    'every 0 minutes',
    'every 60 minutes',
    'on the 32nd at 01:00',
    'daily at 13pm',
    'daily at 6',
  ])('refuses the out-of-range "%s"', (text) => {
    expect(() => textToCron(text)).toThrow(OmegaError);
  });
});
