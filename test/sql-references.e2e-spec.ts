import { TenantContext } from '@omega/core';
import { TableReader } from '@omega/datasets';
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { CapturingLogger } from './support/capturing-logger';
import { collectGarbage } from './support/memory';
import { createTestSqlDatabase, SqlKind, TestSqlDatabase } from './support/sql-databases';
import { sqliteFile } from './support/sqlite-file';
import { startTestApp, TestApp } from './support/test-app';

const SECRET_KEY = `sql-reference-test-key-${randomBytes(16).toString('hex')}`;

type Person = { id: number; name: string; score: number };
const PEOPLE: Person[] = Array.from({ length: 40 }, (_, i) => ({
  id: i + 1,
  name: `${['Ann', 'Bob', 'Cleo', 'Dan'][i % 4]}-${i + 1}`,
  score: Math.round(((i * 37) % 50) * 2.5 * 100) / 100,
}));

/**
 * A database with a `people` table, reached by a user of its own whose password appears nowhere else:
 * so "the password is absent" means something.
 */
interface SourceDatabase {
  kind: SqlKind;
  /** The reference URL, with the password written in (the API must move it into the secrets). */
  url: string;
  password?: string;
  /** Runs SQL as the owner (setup and checks). */
  run(sql: string): Promise<Record<string, unknown>[]>;
  drop(): Promise<void>;
}

/** The folder SQLite references of this file may read from (`OMEGA_SQL_SQLITE_DIRS`). */
const SQLITE_DIR = mkdtempSync(join(tmpdir(), 'omega-sqlref-'));

async function sourceDatabase(kind: SqlKind): Promise<SourceDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(SQLITE_DIR, 'people-'));
    const file = sqliteFile(
      join(dir, 'people.db'),
      'CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL NOT NULL)',
    );
    const insert = file.db.prepare('INSERT INTO people (id, name, score) VALUES (?, ?, ?)');
    for (const person of PEOPLE) insert.run(person.id, person.name, person.score);
    return {
      kind,
      url: file.url,
      run: file.run,
      drop: async () => {
        file.db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const database: TestSqlDatabase = await createTestSqlDatabase(kind);
  const owner = new DataSource({ type: kind === 'postgres' ? 'postgres' : 'mysql', url: database.url });
  await owner.initialize();
  const user = `sqlref_${randomBytes(4).toString('hex')}`;
  const password = `Pw-${randomBytes(12).toString('hex')}`;
  const dbName = new URL(database.url).pathname.slice(1);
  const numeric = kind === 'postgres' ? 'double precision' : 'DOUBLE';
  await owner.query(
    `CREATE TABLE people (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL, score ${numeric} NOT NULL)`,
  );
  const marker = (index: number) => (kind === 'postgres' ? `$${index}` : '?');
  for (const person of PEOPLE) {
    await owner.query(
      `INSERT INTO people (id, name, score) VALUES (${marker(1)}, ${marker(2)}, ${marker(3)})`,
      [person.id, person.name, person.score],
    );
  }
  if (kind === 'postgres') {
    await owner.query(`CREATE ROLE ${user} LOGIN PASSWORD '${password}'`);
    await owner.query(`GRANT SELECT ON people TO ${user}`);
  } else {
    await owner.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    await owner.query(`GRANT SELECT ON \`${dbName}\`.* TO '${user}'@'%'`);
  }
  const server = new URL(database.url);
  const scheme = kind === 'postgres' ? 'postgresql' : 'mariadb';
  return {
    kind,
    url: `${scheme}://${user}:${password}@${server.host}/${dbName}`,
    password,
    run: (sql) => owner.query(sql),
    drop: async () => {
      if (kind === 'postgres') {
        await owner.destroy();
        await database.drop();
        const admin = new DataSource({ type: 'postgres', url: process.env.OMEGA_TEST_POSTGRES_URL });
        await admin.initialize();
        await admin.query(`DROP ROLE IF EXISTS ${user}`);
        await admin.destroy();
      } else {
        await owner.query(`DROP USER IF EXISTS '${user}'@'%'`);
        await owner.destroy();
        await database.drop();
      }
    },
  };
}

const KINDS: SqlKind[] = ['postgres', 'mariadb', 'sqlite'];

describe('SQL references', () => {
  let t: TestApp;
  const logger = new CapturingLogger();
  const sources = new Map<SqlKind, SourceDatabase>();
  const responses: string[] = [];
  /** Every answer body is kept, to check no password ever went out. */
  const keep = <T extends { text: string }>(response: T): T => {
    responses.push(response.text);
    return response;
  };

  beforeAll(async () => {
    for (const kind of KINDS) sources.set(kind, await sourceDatabase(kind));
    // The local test servers are on loopback and the SQLite files in a temporary folder: both are refused
    // unless allowed, as a deployment would allow its own (OMEGA_SQL_HOSTS=127.0.0.1,
    // OMEGA_SQL_SQLITE_DIRS=<folder>).
    t = await startTestApp({
      config: { secretKey: SECRET_KEY, sqlHosts: ['127.0.0.1'], sqlSqliteDirs: [SQLITE_DIR] },
      logger,
    });
  });
  afterAll(async () => {
    await t?.close();
    for (const source of sources.values()) await source.drop();
    rmSync(SQLITE_DIR, { recursive: true, force: true });
  });

  const put = async (name: string, sql: Record<string, unknown>) =>
    keep(await t.api.put(`/api/v1/dataset/${name}`).send({ sql }));
  const get = async (name: string, query: Record<string, string>, expectStatus = 200) =>
    keep(await t.api.get(`/api/v1/dataset/${name}`).query(query).expect(expectStatus));

  describe.each(KINDS)('on %s', (kind) => {
    const name = `people-${kind}`;
    const source = () => sources.get(kind) as SourceDatabase;
    const query = 'SELECT id, name, score FROM people WHERE score >= {min_score} ORDER BY id';
    const records = (rows: Person[]) => rows.map(({ id, name: n, score }) => ({ id, name: n, score }));

    beforeAll(async () => {
      const answer = await put(name, { url: source().url, query });
      expect(answer.status).toBe(200);
    });

    it('stores the connection and query, never the password', async () => {
      const meta = keep(await t.api.get(`/api/v1/dataset/${name}/metadata`).expect(200));
      expect(meta.body.kind).toBe('sql.reference');
      expect(meta.body.kindMeta).toEqual({
        dialect: kind === 'mariadb' ? 'mysql' : kind,
        url:
          kind === 'sqlite' ? source().url : source().url.replace(`:${source().password}@`, ':{password}@'),
        query,
        placeholders: ['min_score'],
        secretNames: kind === 'sqlite' ? [] : ['password'],
      });
      const raw = await t.databases.db(TenantContext.of('default')).collection('metadata').findOne({ name });
      expect(raw?.kind).toBe('sql.reference');
      if (source().password) {
        expect(JSON.stringify(raw)).not.toContain(source().password);
        expect(String(raw?.kindMeta?.secrets)).toMatch(/^v1\./);
      }
    });

    it('binds placeholders and serves records, dict, filters, sort, paging and CSV', async () => {
      const min = 60;
      const expected = records(PEOPLE.filter((p) => p.score >= min));
      expect(expected.length).toBeGreaterThan(5);
      const all = await get(name, { orient: 'records', sqlvars: JSON.stringify({ min_score: min }) });
      expect(all.body).toEqual(expected);

      const filtered = await get(name, {
        orient: 'records',
        sqlvars: JSON.stringify({ min_score: min }),
        name__startswith: 'Bob',
        id__gte: '10',
        sort: '-score,id',
        limit: '3',
        columns: 'name,score',
      });
      const want = expected
        .filter((p) => p.name.startsWith('Bob') && p.id >= 10)
        .sort((a, b) => b.score - a.score || a.id - b.id)
        .slice(0, 3)
        .map(({ name: n, score }) => ({ name: n, score }));
      expect(want.length).toBeGreaterThan(0);
      expect(filtered.body).toEqual(want);

      const inList = await get(name, { orient: 'records', sqlvars: '{"min_score": 0}', id__in: '2,4,99' });
      expect(inList.body.map((row: Person) => row.id)).toEqual([2, 4]);

      const dict = await get(name, { sqlvars: '{"min_score": 0}', skip: '1', limit: '2' });
      expect(dict.body).toEqual({
        data: {
          id: { '1': 2, '2': 3 },
          name: { '1': PEOPLE[1].name, '2': PEOPLE[2].name },
          score: { '1': PEOPLE[1].score, '2': PEOPLE[2].score },
        },
        index: { values: [1, 2], type: 'Int64Index' },
      });

      const csv = keep(
        await t.api
          .get(`/api/v1/dataset/${name}`)
          .query({ sqlvars: '{"min_score": 0}', limit: '2' })
          .set('Accept', 'text/csv')
          .expect(200),
      );
      expect(csv.text).toBe(
        `id,name,score\n1,${PEOPLE[0].name},${PEOPLE[0].score}\n2,${PEOPLE[1].name},${PEOPLE[1].score}\n`,
      );
    });

    it('answers POST /query with bound filters, sort and paging, and aggregates in the database', async () => {
      const sqlvars = { min_score: 50 };
      const expected = records(PEOPLE.filter((p) => p.score >= 50));
      const filtered = keep(
        await t.api
          .post(`/api/v1/dataset/${name}/query`)
          .send({ sqlvars, filter: { name__startswith: 'Ann' }, sort: ['-score', 'id'], limit: 4 })
          .expect(200),
      );
      expect(filtered.body).toEqual(
        expected
          .filter((p) => p.name.startsWith('Ann'))
          .sort((a, b) => b.score - a.score || a.id - b.id)
          .slice(0, 4),
      );

      const grouped = keep(
        await t.api
          .post(`/api/v1/dataset/${name}/query`)
          .send({
            sqlvars,
            filter: { id__lte: 30 },
            agg: { score: ['count', 'sum', 'mean', 'min', 'max'], id: 'max' },
          })
          .expect(200),
      );
      const kept = expected.filter((p) => p.id <= 30);
      const scores = kept.map((p) => p.score);
      const sum = scores.reduce((a, b) => a + b, 0);
      expect(grouped.body).toHaveLength(1);
      const [total] = grouped.body as Record<string, number>[];
      expect(total).toMatchObject({
        score_count: kept.length,
        score_min: Math.min(...scores),
        score_max: Math.max(...scores),
        id_max: Math.max(...kept.map((p) => p.id)),
      });
      expect(total.score_sum).toBeCloseTo(sum, 6);
      expect(total.score_mean).toBeCloseTo(sum / kept.length, 6);

      // Groups come back ordered by their key.
      const byScore = keep(
        await t.api
          .post(`/api/v1/dataset/${name}/query`)
          .send({
            sqlvars: { min_score: 0 },
            groupby: ['score'],
            agg: { id: 'count' },
            filter: { score__gte: 100 },
          })
          .expect(200),
      );
      const bands = new Map<number, number>();
      for (const p of PEOPLE.filter((p) => p.score >= 100)) bands.set(p.score, (bands.get(p.score) ?? 0) + 1);
      expect(byScore.body).toEqual(
        [...bands.entries()].sort((a, b) => a[0] - b[0]).map(([score, n]) => ({ score, id_count: n })),
      );

      const bad = keep(
        await t.api
          .post(`/api/v1/dataset/${name}/query`)
          .send({ sqlvars, agg: { name: 'sum' } })
          .expect(400),
      );
      expect(bad.body.message).toMatch(/sum needs a numeric column; name is string/);
      const injected = keep(
        await t.api
          .post(`/api/v1/dataset/${name}/query`)
          .send({ sqlvars, filter: { name: "x' OR '1'='1" } })
          .expect(200),
      );
      expect(injected.body).toEqual([]);
    });

    it('keeps injection attempts as data', async () => {
      const byName = `${name}-by-name`;
      expect(
        (await put(byName, { url: source().url, query: 'SELECT id, name FROM people WHERE name = {who}' }))
          .status,
      ).toBe(200);
      for (const attempt of ["' OR 1=1 --", '1; DROP TABLE people', "x' OR '1'='1"]) {
        const answer = await get(byName, { orient: 'records', sqlvars: JSON.stringify({ who: attempt }) });
        expect(answer.body).toEqual([]);
        const filtered = await get(name, { orient: 'records', sqlvars: '{"min_score": 0}', name: attempt });
        expect(filtered.body).toEqual([]);
      }
      const hit = await get(byName, { orient: 'records', sqlvars: JSON.stringify({ who: PEOPLE[3].name }) });
      expect(hit.body).toEqual([{ id: 4, name: PEOPLE[3].name }]);
      const column = await get(name, { sqlvars: '{"min_score": 0}', 'id" OR 1=1 --': '1' }, 400);
      expect(column.body.message).toContain('unknown column');
      const [{ n }] = await source().run('SELECT COUNT(*) AS n FROM people');
      expect(Number(n)).toBe(PEOPLE.length);
    });

    it('copies the result into a table, then reads it back', async () => {
      const copy = keep(
        await t.api
          .post(`/api/v1/dataset/${name}/copy`)
          .send({ to: `${name}-copy`, sqlvars: { min_score: 100 } })
          .expect(201),
      );
      const expected = records(PEOPLE.filter((p) => p.score >= 100));
      expect(copy.body.kind).toBe('table.parquet');
      expect(copy.body.kindMeta.rows).toBe(expected.length);
      const back = await get(`${name}-copy`, { orient: 'records' });
      expect(back.body).toEqual(expected);
    });

    it('answers 400 with the database error for a bad query or a missing value', async () => {
      const broken = `${name}-broken`;
      expect((await put(broken, { url: source().url, query: 'SELECT id FROM people WHERE' })).status).toBe(
        200,
      );
      const answer = await get(broken, {}, 400);
      expect(answer.body.code).toBe('INVALID_INPUT');
      expect(answer.body.message).toMatch(/sql query failed on \w+: .*(syntax|incomplete)/);
      const missing = await get(name, {}, 400);
      expect(missing.body.message).toContain('without a value in sqlvars: min_score');
      const unknownTable = `${name}-no-table`;
      await put(unknownTable, { url: source().url, query: 'SELECT * FROM no_such_table' });
      expect((await get(unknownTable, {}, 400)).body.message).toContain('no_such_table');
    });

    it('answers 502 with one message, and without the password, when the database cannot be reached', async () => {
      const url =
        kind === 'sqlite'
          ? `sqlite://${join(SQLITE_DIR, `omega-missing-${randomBytes(4).toString('hex')}.db`)}`
          : source().url.replace(/@[^/]+\//, '@127.0.0.1:1/');
      const unreachable = `${name}-unreachable`;
      expect((await put(unreachable, { url, query: 'SELECT 1 AS one' })).status).toBe(200);
      const answer = await get(unreachable, {}, 502);
      expect(answer.body.code).toBe('UPSTREAM_FAILED');
      expect(answer.body.message).toMatch(
        /^cannot connect to the \w+ database at \S+ \(error id [0-9a-f-]{36}\)$/,
      );
      if (source().password) {
        expect(answer.text).not.toContain(source().password);
        const wrong = `${name}-wrong-password`;
        const badPassword = `Wrong-${randomBytes(8).toString('hex')}`;
        await put(wrong, {
          url: source().url.replace(source().password as string, badPassword),
          query: 'SELECT 1 AS one',
        });
        const refused = await get(wrong, {}, 502);
        // The cause (a wrong password) is only in the log, under the error id the answer names.
        expect(refused.body.message).toMatch(
          /^cannot connect to the \w+ database at \S+ \(error id [0-9a-f-]{36}\)$/,
        );
        const errorId = /error id ([0-9a-f-]{36})/.exec(refused.body.message)?.[1] as string;
        expect(logger.lines.find((line) => line.includes(errorId))).toMatch(/denied|authentication failed/i);
        expect(refused.text).not.toContain(badPassword);
      }
    });
  });

  it('keeps references in their tenant', async () => {
    const other = await t.createPrincipal({ tenant: `sqlref${randomBytes(3).toString('hex')}` });
    keep(await other.api.get('/api/v1/dataset/people-postgres/metadata').expect(404));
    const mine = await put('tenant-check', { url: sources.get('sqlite')?.url, query: 'SELECT 1 AS one' });
    expect(mine.status).toBe(200);
    expect(await t.stores.datasets.exists(TenantContext.of('default'), 'tenant-check')).toBe(true);
    expect(await t.stores.datasets.exists(TenantContext.of(other.tenant), 'tenant-check')).toBe(false);
  });

  it('creates through the store API and streams 1M PostgreSQL rows in bounded memory', async () => {
    const source = sources.get('postgres') as SourceDatabase;
    const ctx = TenantContext.of('default');
    await t.stores.datasets.put(ctx, 'million', {
      sqlUrl: source.url,
      query:
        'SELECT n, repeat(md5(n::text), 4) AS label, n * 0.5 AS half FROM generate_series(1, {rows}::int) AS n',
    });
    const rows = 1_000_000;
    const reader = await t.stores.datasets.get<TableReader>(ctx, 'million', { sqlvars: { rows } });
    expect(reader.columns.map((column) => [column.name, column.type])).toEqual([
      ['n', 'integer'],
      ['label', 'string'],
      ['half', 'number'],
    ]);
    const memory = await streamAndMeasure(reader);
    expect(memory.rows).toBe(rows);
    expect(memory.sum).toBe((rows * (rows + 1)) / 2);
    expect(memory.maxChunk).toBeLessThanOrEqual(5000);
    expect(memory.heapGrowthMb).toBeLessThan(150);
    expect(memory.rssGrowthMb).toBeLessThan(150);
  });

  it('streams 1M SQLite rows from a recursive CTE over REST in bounded memory', async () => {
    const source = sources.get('sqlite') as SourceDatabase;
    await put('million-sqlite', {
      url: source.url,
      query:
        'WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < {rows}) SELECT n, hex(randomblob(32)) AS label FROM c',
    });
    collectGarbage();
    const before = process.memoryUsage();
    let peakHeap = before.heapUsed;
    let peakRss = before.rss;
    let bytes = 0;
    let lines = 0;
    const response = await fetch(
      `${t.url}/api/v1/dataset/million-sqlite?sqlvars=${encodeURIComponent('{"rows": 1000000}')}`,
      { headers: { ...t.auth, Accept: 'text/csv' } },
    );
    expect(response.status).toBe(200);
    for await (const data of response.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += data.length;
      for (const byte of data) if (byte === 10) lines++;
      const now = process.memoryUsage();
      peakHeap = Math.max(peakHeap, now.heapUsed);
      peakRss = Math.max(peakRss, now.rss);
    }
    expect(lines).toBe(1_000_001);
    expect(bytes).toBeGreaterThan(64 * 1_000_000);
    expect((peakHeap - before.heapUsed) / 2 ** 20).toBeLessThan(150);
    expect((peakRss - before.rss) / 2 ** 20).toBeLessThan(150);
  });

  it('never sent a password in an answer or wrote one to a log', () => {
    const passwords = [...sources.values()].map((source) => source.password).filter((p): p is string => !!p);
    expect(passwords).toHaveLength(2);
    expect(responses.length).toBeGreaterThan(30);
    expect(logger.lines.some((line) => line.includes('opened a postgres pool'))).toBe(true);
    expect(logger.lines.some((line) => line.includes('opened a mysql pool'))).toBe(true);
    for (const password of passwords) {
      for (const text of responses) expect(text).not.toContain(password);
      for (const line of logger.lines) expect(line).not.toContain(password);
    }
  });
});

describe('SQL references with OMEGA_SQL_HOSTS and OMEGA_SQL_SQLITE_DIRS', () => {
  let t: TestApp;
  const allowed = mkdtempSync(join(tmpdir(), 'omega-sqlite-allowed-'));
  const elsewhere = mkdtempSync(join(tmpdir(), 'omega-sqlite-elsewhere-'));
  beforeAll(async () => {
    for (const folder of [allowed, elsewhere]) {
      const db = new Database(join(folder, 'sales.db'));
      db.exec("CREATE TABLE sales (region TEXT, units INTEGER); INSERT INTO sales VALUES ('EU', 3);");
      db.close();
    }
    t = await startTestApp({
      config: { sqlHosts: ['db.example.com', '*.internal'], sqlSqliteDirs: [allowed] },
    });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(allowed, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  });
  const put = (name: string, url: string) =>
    t.api.put(`/api/v1/dataset/${name}`).send({ sql: { url, query: 'SELECT region, units FROM sales' } });

  it('connects only to the hosts and folders allowed, and stores nothing else', async () => {
    const host = await put('local', 'postgresql://reports@127.0.0.1:5432/sales').expect(400);
    expect(host.body.message).toBe('host 127.0.0.1 is not one OMEGA_SQL_HOSTS allows');
    await put('lookalike', 'postgresql://reports@db.example.com.evil.net/sales').expect(400);
    await put('exact', 'postgresql://reports@db.example.com/sales').expect(200);
    await put('domain', 'mysql://reports@warehouse.internal:3306/sales').expect(200);

    const outside = await put('outside', `sqlite://${join(elsewhere, 'sales.db')}`).expect(400);
    expect(outside.body.message).toContain('OMEGA_SQL_SQLITE_DIRS');
    await put('inside', `sqlite://${join(allowed, 'sales.db')}`).expect(200);
    const read = await t.api.get('/api/v1/dataset/inside').query({ orient: 'records' }).expect(200);
    expect(read.body).toEqual([{ region: 'EU', units: 3 }]);
    for (const name of ['local', 'lookalike', 'outside'])
      await t.api.get(`/api/v1/dataset/${name}/metadata`).expect(404);
  });
});

describe('SQL references without OMEGA_SECRET_KEY', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Any folder under the temporary one, which also holds this app's data folder: that stays out of reach.
    t = await startTestApp({
      config: { secretKey: undefined, sqlHosts: ['127.0.0.1'], sqlSqliteDirs: [tmpdir()] },
    });
  });
  afterAll(() => t.close());

  it('refuses to store a secret, naming the variable, and stores none', async () => {
    const answer = await t.api
      .put('/api/v1/dataset/needs-key')
      .send({ sql: { url: 'postgresql://someone:Pw-not-stored@127.0.0.1:5432/x', query: 'SELECT 1 AS one' } })
      .expect(409);
    expect(answer.body.message).toContain('OMEGA_SECRET_KEY is not set');
    expect(answer.text).not.toContain('Pw-not-stored');
    await t.api.get('/api/v1/dataset/needs-key/metadata').expect(404);
  });

  it("keeps the platform's own files out of reach, through links too", async () => {
    const inside = join(t.config.dataDir, 'accounts.sqlite');
    const direct = await t.api
      .put('/api/v1/dataset/own-files')
      .send({ sql: { url: `sqlite://${inside}`, query: 'SELECT 1 AS one' } })
      .expect(400);
    expect(direct.body.message).toContain('platform data directory');

    const folder = mkdtempSync(join(tmpdir(), 'omega-sqlite-link-'));
    try {
      symlinkSync(t.config.dataDir, join(folder, 'data'));
      await t.api
        .put('/api/v1/dataset/own-files')
        .send({
          sql: { url: `sqlite://${join(folder, 'data', 'accounts.sqlite')}`, query: 'SELECT 1 AS one' },
        })
        .expect(400);
      // A file that is not there yet when the reference is stored, and then is a link into the data folder.
      const later = join(folder, 'later.db');
      await t.api
        .put('/api/v1/dataset/later')
        .send({ sql: { url: `sqlite://${later}`, query: 'SELECT 1 AS one' } })
        .expect(200);
      symlinkSync(inside, later);
      const read = await t.api.get('/api/v1/dataset/later').expect(400);
      expect(read.body.message).toContain('platform data directory');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
    await t.api.get('/api/v1/dataset/own-files/metadata').expect(404);
  });

  it('validates the body: sql needs a url and a query, and no unknown fields', async () => {
    await t.api
      .put('/api/v1/dataset/bad')
      .send({ sql: { url: 'sqlite:///tmp/x.db' } })
      .expect(400);
    await t.api
      .put('/api/v1/dataset/bad')
      .send({ sql: { url: 'sqlite:///tmp/x.db', query: 'SELECT 1', extra: true } })
      .expect(400);
    const scheme = await t.api
      .put('/api/v1/dataset/bad')
      .send({ sql: { url: 'oracle://db/x', query: 'SELECT 1' } })
      .expect(400);
    expect(scheme.body.message).toContain('must start with');
    await t.api
      .put('/api/v1/dataset/$bad')
      .send({ sql: { url: 'sqlite:///tmp/x.db', query: 'SELECT 1' } })
      .expect(400);
  });
});

/** Reads every chunk, keeping no rows, and samples memory after each. */
async function streamAndMeasure(reader: TableReader) {
  collectGarbage();
  const before = process.memoryUsage();
  let peakHeap = before.heapUsed;
  let peakRss = before.rss;
  let rows = 0;
  let sum = 0;
  let maxChunk = 0;
  for await (const chunk of reader.chunks()) {
    rows += chunk.length;
    maxChunk = Math.max(maxChunk, chunk.length);
    for (const row of chunk) sum += row.n as number;
    const now = process.memoryUsage();
    peakHeap = Math.max(peakHeap, now.heapUsed);
    peakRss = Math.max(peakRss, now.rss);
  }
  return {
    rows,
    sum,
    maxChunk,
    heapGrowthMb: (peakHeap - before.heapUsed) / 2 ** 20,
    rssGrowthMb: (peakRss - before.rss) / 2 ** 20,
  };
}
