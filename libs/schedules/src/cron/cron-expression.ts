import { OmegaError } from '@omega/core';
import { Cron } from 'croner';

/** Minute, hour, day of month, month, day of week: the classic crontab line, nothing finer. */
const FIELD_COUNT = 5;
const FIELD_PATTERN = /^[0-9A-Za-z*,/?#LW-]+$/;

export const DEFAULT_TIMEZONE = 'UTC';

/**
 * An IANA time zone name in its canonical spelling (`europe/zurich` → `Europe/Zurich`); INVALID_INPUT for
 * a name the runtime's time zone database does not know.
 */
export function canonicalTimezone(timezone: string): string {
  if (typeof timezone !== 'string' || timezone.trim() === '' || timezone.length > 64) {
    throw OmegaError.invalidInput('timezone must be an IANA time zone name such as Europe/Zurich');
  }
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: timezone.trim() }).resolvedOptions().timeZone;
  } catch {
    throw OmegaError.invalidInput(
      `Unknown timezone "${timezone}": use an IANA time zone name such as Europe/Zurich or UTC`,
    );
  }
}

/** A five-field cron expression, normalised to single spaces; INVALID_INPUT names what is wrong. */
export function normaliseCron(expression: string): string {
  const fields = typeof expression === 'string' ? expression.trim().split(/\s+/) : [];
  if (fields.length !== FIELD_COUNT || !fields.every((field) => FIELD_PATTERN.test(field))) {
    throw OmegaError.invalidInput(
      `Invalid cron expression "${String(expression)}": use five fields (minute hour day-of-month month day-of-week), e.g. "30 6 * * 1-5"`,
    );
  }
  const cron = fields.join(' ');
  let next: Date | null;
  try {
    next = cronFor(cron, DEFAULT_TIMEZONE).nextRun(new Date());
  } catch (error) {
    throw OmegaError.invalidInput(`Invalid cron expression "${cron}": ${(error as Error).message}`);
  }
  if (!next) throw OmegaError.invalidInput(`Cron expression "${cron}" never runs`);
  return cron;
}

/** The first time strictly after `after` that the expression names in `timezone`. */
export function nextTimeAfter(cron: string, timezone: string, after: Date): Date {
  const next = cronFor(cron, timezone).nextRun(after);
  if (!next) throw OmegaError.invalidInput(`Cron expression "${cron}" never runs again`);
  return next;
}

/** The next `count` times strictly after `after`. */
export function nextTimes(cron: string, timezone: string, after: Date, count: number): Date[] {
  return cronFor(cron, timezone).nextRuns(count, after);
}

/** The latest time at or before `at` that the expression names, if any. */
export function latestTimeAtOrBefore(cron: string, timezone: string, at: Date): Date | undefined {
  const [previous] = cronFor(cron, timezone).previousRuns(1, new Date(at.getTime() + 1));
  return previous;
}

function cronFor(cron: string, timezone: string): Cron {
  // No callback and paused: croner only evaluates the pattern and never starts a timer.
  return new Cron(cron, { timezone, paused: true });
}
