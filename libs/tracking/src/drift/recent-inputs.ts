import type { EventDocument } from '../experiments/experiment-records';

/** A feature's values from the inputs logged by a tracked model's calls. */
export interface RecentInputs {
  rows: number;
  /** Feature names seen in record-shaped inputs, in first-seen order. */
  columns: string[];
  values: Map<string, unknown[]>;
}

/**
 * Turns logged model actions (their kept X rows) into columns. Records (`{feature: value}`) and
 * `{columns, data}` name their features; plain rows (`[v1, v2]`) are matched to `features` by position.
 */
export function recentInputs(
  events: EventDocument[],
  features: string[] | undefined,
  maxRows: number,
): RecentInputs {
  const columns: string[] = [];
  const values = new Map<string, unknown[]>();
  const push = (feature: string, value: unknown) => {
    let list = values.get(feature);
    if (!list) {
      list = [];
      values.set(feature, list);
      columns.push(feature);
    }
    list.push(value);
  };
  let rows = 0;
  for (const event of events) {
    if (rows >= maxRows) break;
    let x: unknown;
    try {
      x = (JSON.parse(event.text ?? 'null') as { X?: unknown } | null)?.X;
    } catch {
      continue;
    }
    for (const row of rowsOf(x, features)) {
      if (rows >= maxRows) break;
      rows++;
      for (const [feature, value] of Object.entries(row)) push(feature, value);
    }
  }
  return { rows, columns, values };
}

function rowsOf(x: unknown, features: string[] | undefined): Record<string, unknown>[] {
  if (Array.isArray(x)) {
    return x.flatMap((row) => {
      if (Array.isArray(row))
        return features ? [Object.fromEntries(features.map((f, i) => [f, row[i]]))] : [];
      return row && typeof row === 'object' ? [row as Record<string, unknown>] : [];
    });
  }
  const framed = x as { columns?: unknown; data?: unknown } | null;
  if (framed && Array.isArray(framed.data)) {
    const names = Array.isArray(framed.columns) ? framed.columns.map(String) : features;
    return rowsOf(
      framed.data.map((row) =>
        Array.isArray(row) && names ? Object.fromEntries(names.map((f, i) => [f, row[i]])) : row,
      ),
      features,
    );
  }
  return [];
}
