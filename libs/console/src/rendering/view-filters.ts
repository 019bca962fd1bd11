/** Formatting helpers the templates use. Output is escaped by the engine afterwards. */

/** `2026-11-28 12:52:34 UTC`: unambiguous on any laptop or phone, whatever its locale. */
export function formatDateTime(value: unknown): string {
  const date = toDate(value);
  return date ? `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC` : '';
}

/** `2026-12-07 06:30 Europe/Zurich`: a time as the clock of a time zone shows it (a schedule's own zone). */
export function formatZoned(value: unknown, timeZone: unknown): string {
  const date = toDate(value);
  if (!date || typeof timeZone !== 'string') return '';
  try {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-CA', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      })
        .formatToParts(date)
        .map((part) => [part.type, part.value]),
    );
    return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${timeZone}`;
  } catch {
    return '';
  }
}

/** The machine-readable form for `<time datetime>`. */
export function isoDateTime(value: unknown): string {
  return toDate(value)?.toISOString() ?? '';
}

export function formatBytes(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let size = value;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit++;
  }
  return unit === 0 ? `${size} B` : `${size.toFixed(1)} ${units[unit]}`;
}

export function formatDuration(ms: unknown): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** One table cell of a dataset preview: text as it is, everything else as JSON. */
export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** Pretty JSON, cut at `max` characters so one huge value cannot make a page megabytes long. */
export function prettyJson(value: unknown, max = 4000): string {
  const text = JSON.stringify(value ?? null, null, 2) ?? 'null';
  return text.length > max ? `${text.slice(0, max)}\n… (${text.length - max} more characters)` : text;
}

/**
 * A worker's id as a user may see it: ids are `<host>-<pid>-<random>`, and where the workers run is for
 * platform admins only; others see the random part, enough to tell workers apart.
 */
export function workerId(id: unknown, isPlatformAdmin: unknown): string {
  if (typeof id !== 'string' || id === '') return '';
  if (isPlatformAdmin === true) return id;
  const suffix = /-([0-9a-f]{6})$/.exec(id)?.[1];
  return suffix ? `worker ${suffix}` : 'worker';
}

function toDate(value: unknown): Date | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const date = value instanceof Date ? value : new Date(value as string | number);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
