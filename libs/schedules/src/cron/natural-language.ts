import { OmegaError } from '@omega/core';

/** The plain-English forms a schedule may be written in, as named in the error for any other text. */
export const ACCEPTED_SCHEDULE_TEXTS = [
  'every minute',
  'every N minutes',
  'every hour',
  'every N hours',
  'every day at HH:MM',
  'weekdays at HH:MM',
  'weekends at HH:MM',
  'mondays at HH:MM (any day of the week)',
  'on the 1st at HH:MM (any day of the month)',
] as const;

const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const TIME = String.raw`(\d{1,2})(?::(\d{2}))?\s*(am|pm)?`;

interface Form {
  pattern: RegExp;
  toCron(match: RegExpExecArray): string;
}

const FORMS: Form[] = [
  {
    pattern: /^every\s+(?:(\d+)\s+)?minutes?$/,
    toCron: ([, n]) => (n === undefined ? '* * * * *' : `${step(n, 59, 'minutes')} * * * *`),
  },
  {
    pattern: /^every\s+(?:(\d+)\s+)?hours?$/,
    toCron: ([, n]) => (n === undefined ? '0 * * * *' : `0 ${step(n, 23, 'hours')} * * *`),
  },
  {
    pattern: new RegExp(`^(?:every\\s+day|daily)\\s+at\\s+${TIME}$`),
    toCron: ([, h, m, meridiem]) => `${at(h, m, meridiem)} * * *`,
  },
  {
    pattern: new RegExp(`^(?:every\\s+|on\\s+)?weekdays?\\s+at\\s+${TIME}$`),
    toCron: ([, h, m, meridiem]) => `${at(h, m, meridiem)} * * 1-5`,
  },
  {
    pattern: new RegExp(`^(?:every\\s+|on\\s+)?weekends?\\s+at\\s+${TIME}$`),
    toCron: ([, h, m, meridiem]) => `${at(h, m, meridiem)} * * 0,6`,
  },
  {
    pattern: new RegExp(`^(?:every\\s+|on\\s+)?(${DAYS.join('|')})s?\\s+at\\s+${TIME}$`),
    toCron: ([, day, h, m, meridiem]) => `${at(h, m, meridiem)} * * ${DAYS.indexOf(day)}`,
  },
  {
    pattern: new RegExp(
      `^(?:(?:every\\s+month|monthly)\\s+)?on\\s+the\\s+(\\d{1,2})(?:st|nd|rd|th)?\\s+at\\s+${TIME}$`,
    ),
    toCron: ([, day, h, m, meridiem]) => `${at(h, m, meridiem)} ${dayOfMonth(day)} * *`,
  },
];

/**
 * A schedule written in plain English as a cron expression: `"weekdays at 06:00"` → `"0 6 * * 1-5"`.
 * INVALID_INPUT for any other text, naming the forms that are understood.
 */
export function textToCron(text: string): string {
  const normalised = String(text).trim().toLowerCase().replace(/\s+/g, ' ');
  for (const form of FORMS) {
    const match = form.pattern.exec(normalised);
    if (match) return form.toCron(match);
  }
  throw OmegaError.invalidInput(
    `Unknown schedule text "${text}"; use a cron expression or one of: ${ACCEPTED_SCHEDULE_TEXTS.join(', ')}`,
  );
}

function step(value: string, max: number, unit: string): string {
  const n = Number(value);
  if (n < 1 || n > max) throw OmegaError.invalidInput(`every N ${unit}: N must be 1 to ${max}`);
  return n === 1 ? '*' : `*/${n}`;
}

/** `minute hour` of a time of day: `06:00`, `9:30`, `6pm`, `6:30 am`. */
function at(hourText: string, minuteText: string | undefined, meridiem: string | undefined): string {
  let hour = Number(hourText);
  const minute = minuteText === undefined ? 0 : Number(minuteText);
  if (meridiem === undefined && minuteText === undefined) {
    throw OmegaError.invalidInput(`A time of day needs minutes or am/pm: write ${hourText}:00`);
  }
  if (meridiem !== undefined) {
    if (hour < 1 || hour > 12) throw OmegaError.invalidInput(`Invalid time: ${hourText} ${meridiem}`);
    hour = (hour % 12) + (meridiem === 'pm' ? 12 : 0);
  }
  if (hour > 23 || minute > 59) {
    throw OmegaError.invalidInput(`Invalid time of day ${hourText}:${minuteText ?? '00'}`);
  }
  return `${minute} ${hour}`;
}

function dayOfMonth(value: string): number {
  const day = Number(value);
  if (day < 1 || day > 31) throw OmegaError.invalidInput(`Invalid day of the month: ${value}`);
  return day;
}
