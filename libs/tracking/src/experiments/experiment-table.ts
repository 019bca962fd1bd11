import { OmegaError } from '@omega/core';
import type { ColumnSchema, Condition, TableQuery, TableReader, TableRecord } from '@omega/datasets';
import type { Collection, Document, Filter } from 'mongodb';
import type {
  EndDocument,
  EventDocument,
  ExperimentDocument,
  MetricsDocument,
  RunDocument,
} from './experiment-records';
import { unpackBlock } from './metric-blocks';
import { compareRecords, matchesAll } from './record-filter';

function column(name: string, type: ColumnSchema['type']): ColumnSchema {
  return { name, key: name, type };
}

/** An experiment read as one table: a row per run start and end, per logged value and per metric point. */
export const EXPERIMENT_COLUMNS: readonly ColumnSchema[] = [
  column('run', 'integer'),
  column('event', 'string'),
  column('key', 'string'),
  column('value', 'number'),
  column('text', 'string'),
  column('step', 'number'),
  column('dt', 'datetime'),
  column('user', 'string'),
];

/** A sorted read holds the matching rows in memory; beyond this it is refused instead. */
export const MAX_SORTED_ROWS = 1_000_000;
const CHUNK_ROWS = 5000;

/**
 * The dataset reader of an experiment (what the `experiment.tracker` plugin's `get` answers), so its data
 * filters, pages and exports (JSON, CSV, Arrow) exactly like a stored table. Conditions on `run`, `event`
 * and `key` select documents in the database; all conditions are then checked on each row.
 */
export class ExperimentTable implements TableReader {
  readonly columns = EXPERIMENT_COLUMNS;

  constructor(private readonly collection: Collection<ExperimentDocument>) {}

  async *chunks(query: TableQuery = {}, chunkRows = CHUNK_ROWS): AsyncGenerator<TableRecord[]> {
    const conditions = query.conditions ?? [];
    const skip = query.skip ?? 0;
    const limit = query.limit ?? Infinity;
    const project = (record: TableRecord): TableRecord =>
      query.columns ? Object.fromEntries(query.columns.map((c) => [c.name, record[c.name]])) : record;

    if (query.sort && query.sort.length > 0) {
      const all: TableRecord[] = [];
      for await (const rows of this.matching(conditions)) {
        all.push(...rows);
        if (all.length > MAX_SORTED_ROWS) {
          throw OmegaError.invalidInput(
            `a sorted read of an experiment holds at most ${MAX_SORTED_ROWS} rows; filter by run, event or key first`,
          );
        }
      }
      const sort = query.sort;
      all.sort((a, b) => compareRecords(a, b, sort));
      const page = all.slice(skip, skip + limit).map(project);
      for (let start = 0; start < page.length; start += chunkRows) yield page.slice(start, start + chunkRows);
      return;
    }

    let skipped = 0;
    let sent = 0;
    let chunk: TableRecord[] = [];
    for await (const rows of this.matching(conditions)) {
      for (const row of rows) {
        if (skipped < skip) {
          skipped++;
          continue;
        }
        if (sent >= limit) break;
        chunk.push(project(row));
        sent++;
        if (chunk.length >= chunkRows) {
          yield chunk;
          chunk = [];
        }
      }
      if (sent >= limit) break;
    }
    if (chunk.length > 0) yield chunk;
  }

  /** Rows that satisfy every condition, in run order and, within a run, in the order they were logged. */
  private async *matching(conditions: readonly Condition[]): AsyncGenerator<TableRecord[]> {
    const cursor = this.collection
      .find(pushdown(conditions) as Filter<ExperimentDocument>, { batchSize: 200 })
      .sort({ run: 1, dt: 1 });
    try {
      for await (const document of cursor) {
        const rows = rowsOf(document as ExperimentDocument).filter((row) => matchesAll(row, conditions));
        if (rows.length > 0) yield rows;
      }
    } finally {
      await cursor.close();
    }
  }
}

/** The part of a filter the database can answer for every document shape: runs, event kinds, names. */
function pushdown(conditions: readonly Condition[]): Document {
  const clauses: Document[] = [];
  for (const { column: col, op, value } of conditions) {
    if (col.name === 'run' && (op === 'eq' || op === 'in')) {
      clauses.push({ run: op === 'eq' ? { $eq: value } : { $in: value } });
    } else if (col.name === 'run' && ['lt', 'lte', 'gt', 'gte'].includes(op) && value !== null) {
      clauses.push({ run: { [`$${op}`]: value } });
    } else if (col.name === 'event' && (op === 'eq' || op === 'in')) {
      const events = (op === 'eq' ? [value] : (value as unknown[])) as string[];
      const types: Document[] = [];
      if (events.includes('metric')) types.push({ type: 'metrics' });
      if (events.includes('start')) types.push({ type: 'run' });
      if (events.includes('end')) types.push({ type: 'end' });
      types.push({ type: 'event', event: { $in: events } });
      clauses.push({ $or: types });
    } else if (col.name === 'key' && (op === 'eq' || op === 'in')) {
      const keys = op === 'eq' ? [value] : (value as unknown[]);
      clauses.push({
        $or: [
          { type: { $in: ['run', 'end'] } },
          { type: 'event', key: { $in: keys } },
          { type: 'metrics', keys: { $in: keys } },
        ],
      });
    }
  }
  if (clauses.length === 0) return {};
  return clauses.length === 1 ? clauses[0] : { $and: clauses };
}

function rowsOf(document: ExperimentDocument): TableRecord[] {
  switch (document.type) {
    case 'run': {
      const run = document as RunDocument;
      return [row(run.run, 'start', null, null, 'running', null, run.dt, run.user)];
    }
    case 'end': {
      const end = document as EndDocument;
      return [row(end.run, 'end', null, null, end.status, null, end.dt, end.user)];
    }
    case 'event': {
      const event = document as EventDocument;
      return [
        row(event.run, event.event, event.key, event.value, event.text, event.step, event.dt, event.user),
      ];
    }
    case 'metrics': {
      const block = document as MetricsDocument;
      return unpackBlock(block).map((point) =>
        row(
          block.run,
          'metric',
          point.key,
          Number.isFinite(point.value) ? point.value : null,
          null,
          point.step,
          new Date(point.time),
          block.user,
        ),
      );
    }
    default:
      return [];
  }
}

function row(
  run: number,
  event: string,
  key: string | null,
  value: number | null,
  text: string | null,
  step: number | null,
  dt: Date,
  user: string,
): TableRecord {
  return { run, event, key, value, text, step, dt, user };
}
