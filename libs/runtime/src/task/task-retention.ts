/** How often retention runs, and how long after start its first pass comes. */
export const RETENTION_INTERVAL_MS = 60 * 60 * 1000;
export const RETENTION_FIRST_PASS_DELAY_MS = 60 * 1000;

/**
 * The finish time before which a finished task is deleted, `hours` before `now`; none when `hours` is 0
 * (kept forever).
 */
export function retentionCutoff(now: Date, hours: number): Date | undefined {
  if (!Number.isFinite(hours) || hours < 0)
    throw new RangeError(`retention must be 0 or more hours: ${hours}`);
  if (hours === 0) return undefined;
  return new Date(now.getTime() - hours * 60 * 60 * 1000);
}

/**
 * The databases retention walks among those the server lists: this deployment's tenant databases
 * (`<prefix>_<tenant>`, `<prefix>_<tenant>-<qualifier>`, hashed `<prefix>-…`), not its runtime database.
 */
export function tenantDatabasesOf(names: string[], prefix: string): string[] {
  return names.filter(
    (name) =>
      (name.startsWith(`${prefix}_`) || name.startsWith(`${prefix}-`)) && name !== `${prefix}__runtime`,
  );
}
