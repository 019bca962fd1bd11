import { OmegaError } from '@omega/core';
import type { SqlDialect } from '../url/sql-url';
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
 * text), and refuses the driver's own positional markers: values only enter through placeholders.
 */
export function parseQuery(sql: string, dialect: SqlDialect): ParsedQuery {
  if (typeof sql !== 'string' || sql.trim().length === 0)
    throw OmegaError.invalidInput('sql query must be a non-empty string');
  if (sql.length > MAX_QUERY_LENGTH)
    throw OmegaError.invalidInput(`sql query must be at most ${MAX_QUERY_LENGTH} characters`);
  if (sql.includes('\u0000')) throw OmegaError.invalidInput('sql query must not contain NUL characters');
  const text = sql.replace(/[\s;]+$/, '');
  const parts: string[] = [];
  const slots: string[] = [];
  let start = 0;
  let index = 0;
  const skipTo = (end: number) => {
    index = end < 0 ? text.length : end;
  };
  while (index < text.length) {
    const char = text[index];
    const next = text[index + 1];
    if (char === "'") {
      skipTo(closingQuote(text, index, "'", dialect === 'mysql'));
    } else if (char === '"' || char === '`') {
      skipTo(closingQuote(text, index, char, dialect === 'mysql' && char === '"'));
    } else if (char === '[' && (dialect === 'mssql' || dialect === 'sqlite')) {
      skipTo(closingQuote(text, index, ']', false));
    } else if ((char === '-' && next === '-') || (char === '#' && dialect === 'mysql')) {
      const end = text.indexOf('\n', index);
      skipTo(end < 0 ? -1 : end + 1);
    } else if (char === '/' && next === '*') {
      const end = text.indexOf('*/', index + 2);
      skipTo(end < 0 ? -1 : end + 2);
    } else if (
      char === '$' &&
      dialect === 'postgres' &&
      /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.test(text.slice(index))
    ) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(index))?.[0] as string;
      const end = text.indexOf(tag, index + tag.length);
      skipTo(end < 0 ? -1 : end + tag.length);
    } else if (char === '$' && dialect === 'postgres' && /\d/.test(next ?? '')) {
      throw OmegaError.invalidInput('use {name} placeholders in sql queries, not $1');
    } else if (char === '?' && (dialect === 'mysql' || dialect === 'sqlite')) {
      throw OmegaError.invalidInput('use {name} placeholders in sql queries, not ?');
    } else if (char === '{') {
      const close = text.indexOf('}', index);
      const name = close < 0 ? '' : text.slice(index + 1, close);
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

/** The index just past the quote that closes the one at `open`; doubled quotes (and `\` where on) escape. */
function closingQuote(text: string, open: number, quote: string, backslash: boolean): number {
  let index = open + 1;
  while (index < text.length) {
    const char = text[index];
    if (backslash && char === '\\') {
      index += 2;
    } else if (char === quote) {
      if (text[index + 1] === quote) index += 2;
      else return index + 1;
    } else {
      index++;
    }
  }
  return -1;
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
