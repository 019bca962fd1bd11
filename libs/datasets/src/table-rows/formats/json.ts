import type { Writable } from 'node:stream';
import type { TableQuery, TableView } from '../table-view';
import { writeWithBackpressure } from './stream-writes';

/** `[{...}, {...}]`, written chunk by chunk. */
export async function writeJsonRecords(view: TableView, query: TableQuery, out: Writable): Promise<void> {
  let first = true;
  await writeWithBackpressure(out, '[');
  for await (const chunk of view.chunks(query)) {
    const text = JSON.stringify(chunk);
    await writeWithBackpressure(out, (first ? '' : ',') + text.slice(1, -1));
    first = false;
  }
  await writeWithBackpressure(out, ']');
}

/**
 * omega-ml's `orient=dict` shape, `{data: {column: {rowId: value}}, index: {values, type}}`. It is
 * column-major, so each column is read by its own cursor (same filter, sort and paging) and streamed.
 */
export async function writeJsonDict(view: TableView, query: TableQuery, out: Writable): Promise<void> {
  const columns = query.columns ?? view.columns;
  await writeWithBackpressure(out, '{"data":{');
  for (let index = 0; index < columns.length; index++) {
    const column = columns[index];
    await writeWithBackpressure(out, `${index > 0 ? ',' : ''}${JSON.stringify(column.name)}:{`);
    let first = true;
    for await (const pairs of view.columnValues(query, column)) {
      let text = '';
      for (const [rowId, value] of pairs) {
        text += `${first ? '' : ','}"${rowId}":${JSON.stringify(value)}`;
        first = false;
      }
      await writeWithBackpressure(out, text);
    }
    await writeWithBackpressure(out, '}');
  }
  await writeWithBackpressure(out, '},"index":{"values":[');
  let first = true;
  for await (const ids of view.rowIds(query)) {
    await writeWithBackpressure(out, (first ? '' : ',') + ids.join(','));
    first = false;
  }
  await writeWithBackpressure(out, '],"type":"Int64Index"}}');
}
