import { OmegaError } from '@omega/core';
import type { SqlDialect } from '../url/sql-url';
import { assertReadOnlyStatement } from './read-only';
import { sqlCode } from './sql-code';
import { SqlParams } from './sql-params';

/** A user's query with `{name}` placeholders, split into text and placeholder slots. */
export interface ParsedQuery {
  /** Text pieces around the placeholders: `parts.length === slots.length + 1`. */
  parts: string[];
  slots: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_QUERY_LENGTH = 100_000;

/**
 * Finds `{name}` placeholders outside string literals, quoted identifiers and comments (so `'{a}'` stays
 * text), refuses the driver's own positional markers (values only enter through placeholders), and
 * refuses any statement that is not one read.
 */
export function parseQuery(sql: string, dialect: SqlDialect): ParsedQuery {
  if (typeof sql !== 'string' || sql.trim().length === 0)
    throw OmegaError.invalidInput('sql query must be a non-empty string');
  if (sql.length > MAX_QUERY_LENGTH)
    throw OmegaError.invalidInput(`sql query must be at most ${MAX_QUERY_LENGTH} characters`);
  if (sql.includes('\u0000')) throw OmegaError.invalidInput('sql query must not contain NUL characters');
  const text = sql.replace(/[\s;]+$/, '');
  const code = sqlCode(text, dialect);
  assertReadOnlyStatement(code, dialect);
  // Read the other way too: whether `\` escapes depends on server settings (and E'' strings) the
  // reference cannot see, and a write must not hide in a string only one reading sees.
  if (dialect === 'mysql' || dialect === 'postgres')
    assertReadOnlyStatement(sqlCode(text, dialect, dialect !== 'mysql'), dialect);
  const parts: string[] = [];
  const slots: string[] = [];
  let start = 0;
  let index = 0;
  while (index < code.length) {
    const char = code[index];
    if (char === '$' && dialect === 'postgres' && /\d/.test(code[index + 1] ?? '')) {
      throw OmegaError.invalidInput('use {name} placeholders in sql queries, not $1');
    } else if (char === '?' && (dialect === 'mysql' || dialect === 'sqlite')) {
      throw OmegaError.invalidInput('use {name} placeholders in sql queries, not ?');
    } else if (char === '{') {
      const close = code.indexOf('}', index);
      const name = close < 0 ? '' : code.slice(index + 1, close);
      if (!NAME.test(name))
        throw OmegaError.invalidInput(
          `sql query has a { that is not a {name} placeholder near ${JSON.stringify(text.slice(index, index + 20))}`,
        );
      parts.push(text.slice(start, index));
      slots.push(name);
      index = close + 1;
      start = index;
    } else {
      index++;
    }
  }
  parts.push(text.slice(start));
  return { parts, slots };
}

export function placeholderNames(query: ParsedQuery): string[] {
  return [...new Set(query.slots)];
}

/**
 * The query in the driver's syntax with each placeholder bound to its value from `vars`. A missing
 * value, or a value for no placeholder, is the caller's mistake (400).
 */
export function bindQuery(query: ParsedQuery, vars: Record<string, unknown>, params: SqlParams): string {
  const names = placeholderNames(query);
  const missing = names.filter((name) => !(name in vars));
  if (missing.length > 0)
    throw OmegaError.invalidInput(`sql query placeholders without a value in sqlvars: ${missing.join(', ')}`);
  const unknown = Object.keys(vars).filter((name) => !names.includes(name));
  if (unknown.length > 0)
    throw OmegaError.invalidInput(`sqlvars not used by the query: ${unknown.join(', ')}`);
  const bound = new Map<string, string>();
  let text = query.parts[0];
  query.slots.forEach((name, index) => {
    let marker = params.reusable ? bound.get(name) : undefined;
    if (!marker) {
      marker = params.add(vars[name]);
      bound.set(name, marker);
    }
    text += marker + query.parts[index + 1];
  });
  return text;
}
