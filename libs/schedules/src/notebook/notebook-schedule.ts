import { OmegaError } from '@omega/core';
import type { ScheduleSpec } from '../cron/schedule-spec';

/** Where a notebook carries its schedule: `metadata.omega.schedule` of the .ipynb document. */
export const NOTEBOOK_SCHEDULE_PATH = 'metadata.omega.schedule';

/**
 * The schedule written in a notebook's metadata, or undefined when it has none. Accepted forms:
 * `"schedule": "weekdays at 06:00"` or `"*\/5 * * * *"` (a string: plain English or cron), or
 * `"schedule": {"cron" | "text": "...", "timezone": "Europe/Zurich"}`. The spec is checked when applied.
 */
export function scheduleFromNotebookMetadata(notebook: unknown): ScheduleSpec | undefined {
  const omega = objectAt(objectAt(notebook, 'metadata'), 'omega');
  const schedule = omega?.schedule;
  if (schedule === undefined || schedule === null) return undefined;
  if (typeof schedule === 'string') {
    const value = schedule.trim();
    return looksLikeCron(value) ? { cron: value } : { text: value };
  }
  if (typeof schedule === 'object' && !Array.isArray(schedule)) {
    const { cron, text, timezone } = schedule as Record<string, unknown>;
    for (const [key, value] of Object.entries({ cron, text, timezone })) {
      if (value !== undefined && typeof value !== 'string') {
        throw OmegaError.invalidInput(`${NOTEBOOK_SCHEDULE_PATH}.${key} must be a string`);
      }
    }
    return {
      ...(cron !== undefined ? { cron: cron as string } : {}),
      ...(text !== undefined ? { text: text as string } : {}),
      ...(timezone !== undefined ? { timezone: timezone as string } : {}),
    };
  }
  throw OmegaError.invalidInput(
    `${NOTEBOOK_SCHEDULE_PATH} must be a string or an object {cron | text, timezone}`,
  );
}

/** Cron fields never hold a word of plain English longer than a month or day name (`MON`, `JAN`). */
function looksLikeCron(value: string): boolean {
  const fields = value.split(/\s+/);
  return (
    fields.length === 5 &&
    fields.every((field) => /^[0-9*,/?#LW-]+$|^[A-Za-z]{3}([,-][A-Za-z]{3})*$/.test(field))
  );
}

function objectAt(value: unknown, key: string): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const inner = (value as Record<string, unknown>)[key];
  return typeof inner === 'object' && inner !== null && !Array.isArray(inner)
    ? (inner as Record<string, unknown>)
    : undefined;
}
