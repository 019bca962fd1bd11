import { loadConfig } from '@omega/core';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { once } from 'node:events';
import { writeCsvParts } from './csv-parts';
import { DuckDbEngine } from './duckdb-engine';

/** A CSV body DuckDB starts to spool (over 1 MiB of plain rows), then a quoted cell: handed back. */
function handedBackBody(): Buffer[] {
  const rows = 'a,b\n' + '1,2\n'.repeat(300_000);
  return [Buffer.from(rows), Buffer.from('"x",3\n'), Buffer.from('4,5\n')];
}

describe('writeCsvParts scratch files', () => {
  let cacheDir: string;
  let engine: DuckDbEngine;

  beforeEach(() => {
    cacheDir = mkdtempSync(join(tmpdir(), 'omega-csv-parts-'));
    engine = new DuckDbEngine({ ...loadConfig({}), cacheDir });
  });

  afterEach(async () => {
    await engine.onModuleDestroy();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  const scratchFiles = () => readdirSync(engine.scratchDir).filter((name) => name.startsWith('csv-'));

  it('replays a handed-back body byte for byte and removes its spool files once read', async () => {
    const body = handedBackBody();
    const outcome = await writeCsvParts(engine, Readable.from(body), () => Promise.resolve());
    if (!('replay' in outcome)) throw new Error('the quoted cell should hand the body back');
    expect(scratchFiles().length).toBeGreaterThan(0);
    const replayed: Buffer[] = [];
    for await (const chunk of outcome.replay) replayed.push(Buffer.from(chunk as Buffer));
    expect(Buffer.concat(replayed).equals(Buffer.concat(body))).toBe(true);
    expect(scratchFiles()).toEqual([]);
  });

  it('removes the spool files of a handed-back body destroyed before it was read', async () => {
    const outcome = await writeCsvParts(engine, Readable.from(handedBackBody()), () => Promise.resolve());
    if (!('replay' in outcome)) throw new Error('the quoted cell should hand the body back');
    expect(scratchFiles().length).toBeGreaterThan(0);
    outcome.replay.destroy();
    await once(outcome.replay, 'close');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(scratchFiles()).toEqual([]);
  });

  it('drops scratch files a dead process left a day ago at start, and keeps recent ones', async () => {
    const stale = join(engine.scratchDir, 'part-stale.parquet');
    const recent = join(engine.scratchDir, 'part-recent.parquet');
    writeFileSync(stale, 'x');
    writeFileSync(recent, 'y');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    utimesSync(stale, twoDaysAgo, twoDaysAgo);
    const second = new DuckDbEngine({ ...loadConfig({}), cacheDir });
    await second.onModuleDestroy();
    expect(readdirSync(engine.scratchDir).sort()).toEqual(['part-recent.parquet']);
  });
});
