import { OmegaError } from '@omega/core';
import {
  mediaTypeOf,
  negotiateFormat,
  parseColumns,
  parseCount,
  parseFilters,
  parseSort,
  RESERVED_PARAMS,
  TableReader,
  writeArrow,
  writeCsv,
  writeJsonRecords,
} from '@omega/datasets';
import type { Writable } from 'node:stream';

export interface TableAnswer {
  mediaType: string;
  write(out: Writable): Promise<void>;
}

/**
 * An experiment's data answered like a dataset read: `column__op=value` filters, `columns`, `sort`,
 * `skip`, `limit`, as JSON records, CSV or Arrow by `?format=` or Accept. Rows have no stored row id,
 * so there is no `dict` orientation and no Parquet (which is written from stored tables).
 */
export function experimentAnswer(
  reader: TableReader,
  params: Record<string, unknown>,
  accept?: string,
): TableAnswer {
  const format = negotiateFormat(accept, params.format);
  if (format === 'parquet') throw OmegaError.invalidInput('experiment data is served as JSON, CSV or Arrow');
  if (params.orient !== undefined && params.orient !== 'records')
    throw OmegaError.invalidInput('experiment data is answered as records only (orient=records)');
  const filters = Object.fromEntries(Object.entries(params).filter(([key]) => !RESERVED_PARAMS.has(key)));
  const query = {
    conditions: parseFilters(filters, reader.columns, 'text'),
    columns: parseColumns(params.columns, reader.columns),
    sort: parseSort(params.sort, reader.columns),
    skip: parseCount(params.skip, 'skip', Number.MAX_SAFE_INTEGER),
    limit: parseCount(params.limit, 'limit', Number.MAX_SAFE_INTEGER),
  };
  const writers = { csv: writeCsv, arrow: writeArrow, json: writeJsonRecords };
  return { mediaType: mediaTypeOf(format), write: (out) => writers[format](reader, query, out) };
}
