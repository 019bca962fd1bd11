/** A value as an error message shows it: JSON, except numbers JSON cannot write (NaN, Infinity). */
export function showValue(value: unknown): string {
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value) ?? String(value);
}
