import { OmegaError, OmegaErrorCode } from '@omega/core';
import { ARROW_MEDIA_TYPE } from './table-rows/formats/arrow';
import { CSV_MEDIA_TYPE } from './table-rows/formats/csv';
import { PARQUET_MEDIA_TYPE } from './table-parquet/parquet-format';

export type TableFormat = 'json' | 'csv' | 'arrow' | 'parquet';

const FORMAT_BY_MEDIA_TYPE: Record<string, TableFormat> = {
  'application/json': 'json',
  [CSV_MEDIA_TYPE]: 'csv',
  [ARROW_MEDIA_TYPE]: 'arrow',
  [PARQUET_MEDIA_TYPE]: 'parquet',
};

/**
 * Picks the output format from `?format=` or the Accept header (first acceptable entry wins; JSON for
 * `*\/*` or none). Anything else is a 406 naming what we can produce.
 */
export function negotiateFormat(accept: string | undefined, format: unknown): TableFormat {
  if (format !== undefined) {
    if (format === 'json' || format === 'csv' || format === 'arrow' || format === 'parquet') return format;
    throw new OmegaError(OmegaErrorCode.InvalidInput, 'format must be json, csv, arrow or parquet');
  }
  if (!accept) return 'json';
  const ranked = accept
    .split(',')
    .map((part, index) => {
      const [type, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { type: type.trim(), q: q ? Number(q.slice(2)) : 1, index };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { type } of ranked) {
    if (FORMAT_BY_MEDIA_TYPE[type]) return FORMAT_BY_MEDIA_TYPE[type];
    if (type === '*/*' || type === 'application/*') return 'json';
  }
  throw new OmegaError(
    OmegaErrorCode.NotAcceptable,
    `Cannot answer ${accept}; datasets are served as application/json, ${CSV_MEDIA_TYPE}, ${ARROW_MEDIA_TYPE} or ${PARQUET_MEDIA_TYPE}`,
  );
}

export function mediaTypeOf(format: TableFormat): string {
  switch (format) {
    case 'csv':
      return `${CSV_MEDIA_TYPE}; charset=utf-8`;
    case 'arrow':
      return ARROW_MEDIA_TYPE;
    case 'parquet':
      return PARQUET_MEDIA_TYPE;
    default:
      return 'application/json; charset=utf-8';
  }
}

/** The body kind of an upload, from its Content-Type; undefined for JSON (parsed by the framework). */
export function uploadFormat(contentType: string | undefined): TableFormat {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json') return 'json';
  if (type === CSV_MEDIA_TYPE) return 'csv';
  if (type === ARROW_MEDIA_TYPE) return 'arrow';
  if (type === PARQUET_MEDIA_TYPE) return 'parquet';
  throw new OmegaError(
    OmegaErrorCode.UnsupportedMediaType,
    `Content-Type ${JSON.stringify(type || '(none)')} is not supported; send application/json, ${CSV_MEDIA_TYPE}, ${ARROW_MEDIA_TYPE} or ${PARQUET_MEDIA_TYPE}`,
  );
}
