const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const NUMBER = /^\d+$/;

/**
 * A cron expression in plain English for the common shapes (those the API's plain-English forms make,
 * and a few more); undefined for any other, which the page then shows as cron only.
 */
export function describeCron(cron: string): string | undefined {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) return undefined;
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  if (month !== '*') return undefined;
  const step = (field: string) => /^\*\/(\d+)$/.exec(field)?.[1];
  if (hour === '*' && dayOfMonth === '*' && dayOfWeek === '*') {
    if (minute === '*') return 'every minute';
    if (step(minute)) return `every ${step(minute)} minutes`;
    if (minute === '0') return 'every hour';
    if (NUMBER.test(minute)) return `every hour at minute ${minute}`;
    return undefined;
  }
  if (minute === '0' && step(hour) && dayOfMonth === '*' && dayOfWeek === '*')
    return `every ${step(hour)} hours`;
  if (!NUMBER.test(minute) || !NUMBER.test(hour)) return undefined;
  const at = `at ${hour.padStart(2, '0')}:${minute.padStart(2, '0')}`;
  if (dayOfMonth === '*') {
    if (dayOfWeek === '*') return `every day ${at}`;
    if (dayOfWeek === '1-5') return `weekdays ${at}`;
    if (dayOfWeek === '0,6' || dayOfWeek === '6,0') return `weekends ${at}`;
    if (/^[0-7]$/.test(dayOfWeek)) return `every ${DAYS[Number(dayOfWeek) % 7]} ${at}`;
    return undefined;
  }
  if (NUMBER.test(dayOfMonth) && dayOfWeek === '*') return `on day ${dayOfMonth} of every month ${at}`;
  return undefined;
}
