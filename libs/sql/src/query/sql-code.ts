import { OmegaError } from '@omega/core';
import type { SqlDialect } from '../url/sql-url';

/**
 * The query with every string literal, quoted identifier and comment blanked out (same length, spaces),
 * so what is left is the SQL the server parses as code: keywords, names, operators and placeholders.
 * Positions match the original text. MySQL's `/*! … *\/` comments are code to MySQL, so they are refused.
 * `backslashes`: whether `\` escapes a quote in string literals, as MySQL does by default and PostgreSQL
 * does in `E'…'` strings (or with standard_conforming_strings off); a server setting can change it, so
 * checks that must not be fooled read the query both ways.
 */
export function sqlCode(text: string, dialect: SqlDialect, backslashes = dialect === 'mysql'): string {
  const code = text.split('');
  const blank = (from: number, to: number) => {
    for (let at = from; at < to; at++) if (code[at] !== '\n') code[at] = ' ';
  };
  let index = 0;
  while (index < text.length) {
    const char = text[index];
    const next = text[index + 1];
    let end = -1;
    if (char === "'") {
      end = closingQuote(text, index, "'", backslashes);
    } else if (char === '"' || char === '`') {
      end = closingQuote(text, index, char, backslashes && dialect === 'mysql' && char === '"');
    } else if (char === '[' && (dialect === 'mssql' || dialect === 'sqlite')) {
      end = closingQuote(text, index, ']', false);
    } else if (
      (char === '-' && next === '-' && lineComment(text, index, dialect)) ||
      (char === '#' && dialect === 'mysql')
    ) {
      const newline = text.indexOf('\n', index);
      end = newline < 0 ? text.length : newline;
    } else if (char === '/' && next === '*') {
      if (dialect === 'mysql' && /^\/\*[!+M]/.test(text.slice(index, index + 3)))
        throw OmegaError.invalidInput('sql query must not use MySQL executable comments (/*! … */)');
      const close = text.indexOf('*/', index + 2);
      end = close < 0 ? text.length : close + 2;
    } else if (
      char === '$' &&
      dialect === 'postgres' &&
      !IDENTIFIER_CHAR.test(text[index - 1] ?? '') &&
      DOLLAR_TAG.test(text.slice(index))
    ) {
      const tag = DOLLAR_TAG.exec(text.slice(index))?.[0] as string;
      const close = text.indexOf(tag, index + tag.length);
      end = close < 0 ? text.length : close + tag.length;
    }
    if (end < 0) {
      index++;
      continue;
    }
    // An unclosed quote or comment runs to the end, as the server would read it.
    blank(index, Math.min(end, text.length));
    index = end;
  }
  return code.join('');
}

const DOLLAR_TAG = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/;
/** `a$b$` is one identifier in PostgreSQL, not a dollar quote. */
const IDENTIFIER_CHAR = /[A-Za-z0-9_$]/;

/** MySQL reads `--` as a comment only before a space or control character (`1--1` is arithmetic). */
function lineComment(text: string, index: number, dialect: SqlDialect): boolean {
  if (dialect !== 'mysql') return true;
  const after = text[index + 2];
  return after === undefined || after <= ' ';
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
  return text.length;
}
