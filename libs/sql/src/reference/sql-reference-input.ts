/** What the store takes to create a SQL reference: `stores.datasets.put(ctx, name, {sqlUrl, query, secrets})`. */
export interface SqlReferenceSpec {
  /** postgresql://, mysql://, mariadb://, mssql:// or sqlite: — `{placeholders}` are filled from secrets. */
  sqlUrl: string;
  /** The query; `{name}` placeholders are bound to values given when reading (`sqlvars`). */
  query: string;
  /** Encrypted at rest, never returned; `password` fills the URL's password. */
  secrets?: Record<string, string>;
}

/** The typed form of a spec, for callers who prefer a class to a plain object. */
export class SqlReferenceInput implements SqlReferenceSpec {
  constructor(
    readonly sqlUrl: string,
    readonly query: string,
    readonly secrets: Record<string, string> = {},
  ) {}
}

const KEYS = new Set(['sqlUrl', 'query', 'secrets']);

/** An instance, or a plain object with exactly these keys: nothing else looks like a SQL reference. */
export function isSqlReferenceSpec(input: unknown): input is SqlReferenceSpec {
  if (input instanceof SqlReferenceInput) return true;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return false;
  const spec = input as Record<string, unknown>;
  return (
    Object.keys(spec).every((key) => KEYS.has(key)) &&
    typeof spec.sqlUrl === 'string' &&
    typeof spec.query === 'string' &&
    (spec.secrets === undefined || (typeof spec.secrets === 'object' && spec.secrets !== null))
  );
}
