import { UsageError } from '../output';

/** Commander's accumulator for a repeatable option. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function positiveInt(value: string, option: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new UsageError(`${option} must be a positive integer`);
  return number;
}

export function splitPair(spec: string, option: string): [string, string] {
  const at = spec.indexOf('=');
  if (at <= 0) throw new UsageError(`${option} ${spec}: expected key=value`);
  return [spec.slice(0, at), spec.slice(at + 1)];
}

export function scalar(value: string): string | number | boolean {
  if (value === 'true' || value === 'false') return value === 'true';
  if (value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  return value;
}

export function parseJsonOption(value: string, option: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new UsageError(`${option} must be a JSON object`);
}
