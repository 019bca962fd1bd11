import { OmegaError } from '@omega/core';
import { canonicalTimezone, DEFAULT_TIMEZONE, normaliseCron } from './cron-expression';
import { textToCron } from './natural-language';

/** How a caller writes a schedule: a cron expression or plain English, in a time zone (UTC when absent). */
export interface ScheduleSpec {
  cron?: string;
  text?: string;
  timezone?: string;
}

/** A schedule ready to store: always a cron expression; the text it came from is kept for people. */
export interface ResolvedSchedule {
  cron: string;
  text?: string;
  timezone: string;
}

export function resolveScheduleSpec(spec: ScheduleSpec): ResolvedSchedule {
  const hasCron = spec.cron !== undefined && spec.cron !== null;
  const hasText = spec.text !== undefined && spec.text !== null;
  if (hasCron === hasText) {
    throw OmegaError.invalidInput('Give a schedule as either "cron" or "text" (exactly one of them)');
  }
  const timezone =
    spec.timezone === undefined || spec.timezone === null
      ? DEFAULT_TIMEZONE
      : canonicalTimezone(spec.timezone);
  if (hasCron) return { cron: normaliseCron(spec.cron as string), timezone };
  const text = String(spec.text).trim();
  return { cron: normaliseCron(textToCron(text)), text, timezone };
}
