import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type Cell = string | number;

/** A plain text table: columns padded to their widest cell, numbers right-aligned. */
export function formatTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((row) => row.map((cell) => String(cell)));
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...text.map((row) => (row[column] ?? '').length)),
  );
  const numeric = headers.map((_header, column) =>
    rows.every((row) => /^[\d.,×/ -]*$/.test(String(row[column]))),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (numeric[column] ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...text.map(line)].join('\n');
}

export function formatInt(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function formatRatio(value: number): string {
  return `${value.toFixed(2)}×`;
}

/** `0.93× ≥ 0.8 ok` or `0.41× ≥ 0.5 MISSED`: the ratio beside its target, when there is one. */
export function formatTarget(ratio: number, target: number | undefined): string {
  if (target === undefined) return '-';
  return `≥ ${target} ${ratio >= target ? 'ok' : 'MISSED'}`;
}

export function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Progress lines while a long run goes on. */
export function note(message: string): void {
  process.stdout.write(`  ${message}\n`);
}
