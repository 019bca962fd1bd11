import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { parse as parseCsv } from 'csv-parse/sync';
import { readParquetBatches, writeParquet } from '../apps/cli/src/formats/parquet';
import { startTestApp, TestApp } from './support/test-app';

const ROOT = join(__dirname, '..');
const MAIN = join(ROOT, 'apps', 'cli', 'src', 'main.ts');
const NODE_ARGS = [
  '-r',
  require.resolve('ts-node/register'),
  '-r',
  require.resolve('tsconfig-paths/register'),
  MAIN,
];
const ONNX = join(__dirname, 'fixtures', 'onnx');
const iris = JSON.parse(readFileSync(join(ONNX, 'iris-logreg.expected.json'), 'utf8')) as {
  X: number[][];
  predict: number[];
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A port nothing listens on: bound, read, closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('om, the command line (a child process against the real platform)', () => {
  let app: TestApp;
  const scratch = mkdtempSync(join(tmpdir(), 'omega-cli-'));

  const baseEnv = (): Record<string, string> => ({
    PATH: process.env.PATH ?? '',
    HOME: scratch,
    TS_NODE_TRANSPILE_ONLY: '1',
    TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
    NO_COLOR: '1',
  });
  const credentialsEnv = (): Record<string, string> => ({
    OMEGA_URL: app.url,
    OMEGA_USERID: app.admin.userid,
    OMEGA_APIKEY: app.admin.apikey,
  });

  function run(
    args: string[],
    options: { env?: Record<string, string>; cwd?: string; credentials?: boolean } = {},
  ): Promise<Run> {
    const env = { ...baseEnv(), ...(options.credentials === false ? {} : credentialsEnv()), ...options.env };
    const child = spawn(process.execPath, [...NODE_ARGS, ...args], {
      cwd: options.cwd ?? scratch,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  }

  /** `om --json …`: exit 0 and exactly one JSON document on stdout. */
  async function json<T = unknown>(args: string[]): Promise<T> {
    const answer = await run(['--json', ...args]);
    expect({ args, code: answer.code, stderr: answer.stderr }).toMatchObject({ code: 0 });
    return JSON.parse(answer.stdout) as T;
  }

  const salesCsv = join(scratch, 'sales.csv');
  const sales = [
    { region: 'east', units: 3, price: 2.5 },
    { region: 'west', units: 5, price: 1.25 },
    { region: 'east', units: 7, price: 4 },
  ];
  const blob = join(scratch, 'blob.bin');
  const blobBytes = randomBytes(3 * 1024 * 1024);
  const irisX = join(scratch, 'iris-X.json');

  beforeAll(async () => {
    app = await startTestApp();
    writeFileSync(
      salesCsv,
      `region,units,price\n${sales.map((row) => `${row.region},${row.units},${row.price}`).join('\n')}\n`,
    );
    writeFileSync(blob, blobBytes);
    writeFileSync(irisX, JSON.stringify(iris.X));
  });

  afterAll(async () => {
    await app?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('puts and reads datasets, files and models, runs a model, and never prints the key', async () => {
    const [config, put, model, file] = await Promise.all([
      run(['--json', 'config', 'show']),
      run(['datasets', 'put', salesCsv, 'sales']),
      json<{ name: string; kind: string }>(['models', 'put', join(ONNX, 'iris-logreg.onnx'), 'iris']),
      run(['--json', 'files', 'put', blob, 'docs/blob.bin']),
    ]);
    expect(config.code).toBe(0);
    expect(JSON.parse(config.stdout)).toEqual({
      url: app.url,
      userid: app.admin.userid,
      tenant: app.admin.tenant,
      bucket: 'default',
      qualifier: 'default',
    });
    expect(put).toMatchObject({ code: 0, stdout: 'stored sales (table.parquet, 3 rows)\n' });
    // Not a terminal: one plain progress line with the rate.
    expect(put.stderr).toMatch(/^put sales: \d+ B [\d.]+ k?B\/s in [\d.]+ s\n$/);
    expect(model).toMatchObject({ name: 'iris', kind: 'onnx.model' });
    expect(file.code).toBe(0);
    expect(JSON.parse(file.stdout)).toMatchObject({ name: 'docs/blob.bin', size: blobBytes.length });

    const out = join(scratch, 'out.csv');
    const blobOut = join(scratch, 'blob.out');
    const [got, list, query, predicted, fileGot, versions, asyncRun] = await Promise.all([
      json<{ rows: number; format: string }>(['datasets', 'get', 'sales', '--out', out]),
      run(['datasets', 'list']),
      json<Record<string, unknown>[]>([
        'datasets',
        'query',
        'sales',
        '--groupby',
        'region',
        '--agg',
        'units=sum',
      ]),
      json<number[]>(['runtime', 'model', 'iris', 'predict', irisX]),
      json<{ bytes: number }>(['files', 'get', 'docs/blob.bin', '--out', blobOut]),
      json<{ versions: { version: number }[] }>(['models', 'versions', 'iris']),
      json<{ task_id: string }>(['runtime', 'model', 'iris', 'predict', irisX, '--async']),
    ]);
    expect(got).toMatchObject({ rows: 3, format: 'csv' });
    expect(parseCsv(readFileSync(out, 'utf8'), { columns: true, cast: true })).toEqual(sales);
    expect(list.code).toBe(0);
    const [header, rule, ...lines] = list.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^name\s+kind\s+rows\s+columns\s+modified$/);
    expect(rule).toMatch(/^-+ +-+ +-+ +-+ +-+$/);
    const salesLine = lines.find((line) => line.startsWith('sales '));
    expect(salesLine).toMatch(/^sales\s+table\.parquet\s+3\s+region,units,price\s+\d{4}-/);
    // Aligned: each value starts under its header.
    expect(salesLine!.indexOf('table.parquet')).toBe(header.indexOf('kind'));
    expect(salesLine!.indexOf('region,units')).toBe(header.indexOf('columns'));
    expect(
      query
        .map((row) => [row.region ?? row._id, Object.values(row).find((v) => typeof v === 'number')])
        .sort(),
    ).toEqual([
      ['east', 10],
      ['west', 5],
    ]);
    expect(predicted).toEqual(iris.predict);
    expect(fileGot.bytes).toBe(blobBytes.length);
    expect(readFileSync(blobOut).equals(blobBytes)).toBe(true);
    expect(versions.versions.map((version) => version.version)).toEqual([1]);
    expect(asyncRun.task_id).toMatch(/\S+/);

    const [result, status, models, files, workers] = await Promise.all([
      json<{ status: string; result: number[] }>(['runtime', 'result', asyncRun.task_id, '--wait']),
      run(['runtime', 'status', asyncRun.task_id]),
      run(['models', 'list']),
      json<{ name: string }[]>(['files', 'list']),
      json<{ workers: { mode: string }[] }>(['runtime', 'workers']),
    ]);
    expect(result).toMatchObject({ status: 'SUCCESS', result: iris.predict });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(
      new RegExp(`^task_id +${asyncRun.task_id}\\nstatus +(SUCCESS|STARTED|PENDING)\\n`),
    );
    expect(models.stdout).toMatch(/^name +kind +latest +modified\n[- ]+\niris +onnx\.model +1 /);
    expect(files.map((item) => item.name)).toEqual(['docs/blob.bin']);
    expect(workers.workers.length).toBeGreaterThan(0);

    for (const answer of [config, put, list, status, models]) {
      expect(answer.stdout + answer.stderr).not.toContain(app.admin.apikey);
    }

    const [dropped, droppedFile] = await Promise.all([
      json<{ deleted: string }>(['datasets', 'drop', 'sales']),
      run(['files', 'drop', 'docs/blob.bin']),
    ]);
    expect(dropped).toEqual({ deleted: 'sales' });
    expect(droppedFile).toMatchObject({ code: 0, stdout: 'dropped docs/blob.bin\n' });
  });

  it('puts and gets Parquet, Arrow, CSV and JSON, streaming rows to the file', async () => {
    const rowsCount = 50_000;
    const start = Date.UTC(2026, 0, 1);
    const generated = Array.from({ length: rowsCount }, (_, k) => ({
      id: k,
      region: k % 3 === 0 ? 'east' : 'west',
      price: k / 4,
      active: k % 2 === 0,
      at: new Date(start + k * 60_000),
      note: k % 10 === 0 ? null : `row ${k}`,
    }));
    const source = join(scratch, 'source.parquet');
    await writeParquet(source, generated);

    const put = await run(['datasets', 'put', source, 'events']);
    expect(put).toMatchObject({ code: 0, stdout: `stored events (table.parquet, ${rowsCount} rows)\n` });
    const meta = await json<{ kindMeta: { columns: { name: string; type: string }[] } }>([
      'datasets',
      'metadata',
      'events',
    ]);
    // The file's column types arrive as they were, integers included.
    expect(
      Object.fromEntries(meta.kindMeta.columns.map((column) => [column.name, column.type])),
    ).toMatchObject({
      id: 'integer',
      region: 'string',
      price: 'number',
      active: 'boolean',
      at: 'datetime',
    });

    const back = join(scratch, 'back.parquet');
    const arrowOut = join(scratch, 'back.arrow');
    const csvOut = join(scratch, 'back.csv');
    const [parquet, arrow, csv, jsonOut, noOut] = await Promise.all([
      json<{ rows: number; format: string }>(['datasets', 'get', 'events', '--out', back]),
      json<{ rows: number; format: string }>(['datasets', 'get', 'events', '--out', arrowOut]),
      json<{ rows: number }>(['datasets', 'get', 'events', '--out', csvOut, '--limit', '5']),
      run(['datasets', 'get', 'events', '--format', 'json', '--limit', '3']),
      run(['datasets', 'get', 'events', '--format', 'parquet']),
    ]);
    expect(parquet).toMatchObject({ rows: rowsCount, format: 'parquet' });
    const read: Record<string, unknown>[] = [];
    for await (const batch of readParquetBatches(back)) read.push(...batch);
    expect(read).toHaveLength(rowsCount);
    for (const k of [0, 1, 9_999, 10_000, rowsCount - 1]) {
      const row = read.find((candidate) => candidate.id === k)!;
      expect({ ...row, at: (row.at as Date).toISOString() }).toMatchObject({
        ...generated[k],
        at: generated[k].at.toISOString(),
      });
    }
    expect(arrow).toMatchObject({ rows: rowsCount, format: 'arrow' });
    const table = tableFromIPC(readFileSync(arrowOut));
    expect(table.numRows).toBe(rowsCount);
    expect(csv.rows).toBe(5);
    expect(readFileSync(csvOut, 'utf8').split('\n')[0]).toBe('id,region,price,active,at,note');
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain('Parquet needs --out');
    expect(jsonOut.code).toBe(0);
    expect((JSON.parse(jsonOut.stdout) as { id: number }[]).map((row) => row.id)).toEqual([0, 1, 2]);

    const notParquet = join(scratch, 'fake.parquet');
    writeFileSync(notParquet, 'region,units\neast,1\n');
    const refused = await run(['datasets', 'put', notParquet, 'fake']);
    expect(refused.code).not.toBe(0);
    // The file goes up as it is; the server reads it and refuses it.
    expect(refused.stderr).toMatch(/Parquet file could not be read/);
    expect((await run(['datasets', 'get', 'fake'])).code).toBe(4);
  });

  it('runs SQL over the columnar tables, stores an answer, and converts a table', async () => {
    // `events` is the 50,000-row table of the test above: a third of its rows are east.
    const totals = await json<{ region: string; n: number }[]>([
      'datasets',
      'sql',
      'SELECT region, count(*) AS n FROM events GROUP BY region ORDER BY region',
    ]);
    expect(totals).toEqual([
      { region: 'east', n: 16_667 },
      { region: 'west', n: 33_333 },
    ]);
    const shown = await run(['datasets', 'sql', 'SELECT count(*) AS cheap FROM events WHERE price < 10']);
    expect(shown.code).toBe(0);
    expect(shown.stdout.split('\n')[0].trim()).toBe('cheap');
    expect(shown.stdout).toMatch(/^\s*40\s*$/m);
    const into = await run([
      'datasets',
      'sql',
      'SELECT id, price FROM events WHERE id < 10',
      '--into',
      'first-events',
    ]);
    expect(into).toMatchObject({ code: 0, stdout: 'stored first-events (table.parquet, 10 rows)\n' });
    const converted = await run(['datasets', 'convert', 'first-events', '--kind', 'table.rows']);
    expect(converted).toMatchObject({ code: 0, stdout: 'converted first-events to table.rows (10 rows)\n' });
    expect((await json<{ kind: string }>(['datasets', 'metadata', 'first-events'])).kind).toBe('table.rows');
    const back = await json<{ kind: string }>(['datasets', 'convert', 'first-events']);
    expect(back.kind).toBe('table.parquet');
    const refused = await run(['datasets', 'sql', 'DELETE FROM events']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('INVALID_INPUT');
  });

  it('stores and runs scripts and notebook jobs, and sets, shows and drops schedules', async () => {
    const scriptFile = join(scratch, 'double.ts');
    writeFileSync(
      scriptFile,
      [
        "import ms from 'ms';",
        'export function run(_om: unknown, value: number, kwargs?: { label?: string }) {',
        "  console.log('doubling', value);",
        "  return { doubled: value * 2, label: kwargs?.label ?? 'none', day: ms('1d') };",
        '}',
      ].join('\n'),
    );
    const failingFile = join(scratch, 'fail.js');
    writeFileSync(failingFile, 'exports.run = () => { throw new Error("no such customer"); };');
    const notebookFile = join(scratch, 'nightly.ipynb');
    writeFileSync(
      notebookFile,
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
        cells: ['const n: number = 6;\nconsole.log("n is", n);', 'n * 7'].map((source) => ({
          cell_type: 'code',
          source,
          metadata: {},
          outputs: [],
          execution_count: null,
        })),
      }),
    );

    const [stored, failing, job] = await Promise.all([
      run(['scripts', 'put', scriptFile, 'tools/double', '--dependency', 'ms@^2.1.3']),
      json<{ name: string }>(['scripts', 'put', failingFile, 'tools/fail']),
      json<{ name: string; kind: string }>(['jobs', 'put', notebookFile, 'nightly']),
    ]);
    expect(stored.code).toBe(0);
    expect(stored.stdout).toMatch(/^name +tools\/double\nkind +script\.js\nlanguage +typescript\n/);
    expect(stored.stdout).toMatch(/dependencies +\{"ms":"2\.1\.\d+"\}/);
    expect(failing.name).toBe('tools/fail');
    expect(job).toMatchObject({ name: 'nightly', kind: 'notebook.ipynb' });

    const [human, machine, failed, list, ranJob] = await Promise.all([
      run(['runtime', 'script', 'tools/double', '21', '--param', 'label=weekly']),
      json<{ script: string; result: unknown; stdout: string }>(['runtime', 'script', 'tools/double', '4']),
      run(['runtime', 'script', 'tools/fail']),
      run(['scripts', 'list']),
      run(['runtime', 'job', 'nightly']),
    ]);
    // The result on stdout, the script's own output on stderr.
    expect(human).toMatchObject({ code: 0, stdout: 'doubled  42\nlabel    weekly\nday      86400000\n' });
    expect(human.stderr).toContain('doubling 21');
    expect(machine).toMatchObject({
      script: 'tools/double',
      result: { doubled: 8, label: 'none' },
      stdout: expect.stringContaining('doubling 4'),
    });
    expect(failed).toMatchObject({ code: 1, stdout: '' });
    expect(failed.stderr).toMatch(
      /^error SCRIPT_FAILED: Script tools\/fail failed: Error: no such customer\n {4}at exports\.run \(script\.js:\d+:\d+\) \(om runtime status \S+\)\n$/,
    );
    expect(list.stdout).toMatch(
      /^name +language +dependencies +modified\n[- ]+\ntools\/double +typescript +ms /,
    );
    expect(ranJob.code).toBe(0);
    expect(ranJob.stdout).toMatch(
      /^job +nightly\nstatus +SUCCESS\nseconds +[\d.]+\nresult +results\/nightly_/,
    );

    const resultName = /result +(\S+)/.exec(ranJob.stdout)![1];
    const [described, results, executed] = await Promise.all([
      run(['jobs', 'get', 'nightly']),
      json<{ name: string }[]>(['jobs', 'list', '--results']),
      json<{ cells: { outputs: unknown[] }[] }>(['jobs', 'notebook', resultName]),
    ]);
    expect(described.stdout).toMatch(
      /\nruns\nstarted +status +seconds +result +error\n[- ]+\n\S+ +SUCCESS +[\d.]+ +results\//,
    );
    expect(results.map((item) => item.name)).toEqual([resultName]);
    expect(JSON.stringify(executed.cells[1].outputs)).toContain('42');

    const set = await run([
      'jobs',
      'schedule',
      'nightly',
      'weekdays',
      'at',
      '06:30',
      '--timezone',
      'Europe/Zurich',
    ]);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(
      /^name +nightly\ncron +30 6 \* \* 1-5\ntext +weekdays at 06:30\ntimezone +Europe\/Zurich\n/,
    );
    expect(set.stdout.split('\n').filter((line) => /^ {2}\d{4}-/.test(line))).toHaveLength(5);
    const cron = await json<{ cron: string; next_times: string[] }>([
      'jobs',
      'schedule',
      'nightly',
      '*/10',
      '*',
      '*',
      '*',
      '*',
      '--next',
      '3',
    ]);
    expect(cron.cron).toBe('*/10 * * * *');
    expect(cron.next_times).toHaveLength(3);
    expect(new Date(cron.next_times[1]).getTime() - new Date(cron.next_times[0]).getTime()).toBe(600_000);
    const [triggers, badSpec, both] = await Promise.all([
      json<unknown[]>(['jobs', 'schedule', 'nightly', '--triggers']),
      run(['jobs', 'schedule', 'nightly', 'now', 'and', 'then']),
      run(['jobs', 'schedule', 'nightly', 'every', 'hour', '--drop']),
    ]);
    expect(triggers).toEqual([]);
    expect(badSpec.code).toBe(1);
    expect(badSpec.stderr).toMatch(/^error INVALID_INPUT: .*every N minutes/);
    expect(both).toMatchObject({ code: 2 });
    expect(await run(['jobs', 'schedule', 'nightly', '--drop'])).toMatchObject({
      code: 0,
      stdout: 'dropped the schedule of nightly\n',
    });
    expect((await run(['jobs', 'schedule', 'nightly'])).code).toBe(4);

    const [droppedScript, droppedJob] = await Promise.all([
      run(['scripts', 'drop', 'tools/double']),
      json<{ deleted: string }>(['jobs', 'drop', 'nightly']),
    ]);
    expect(droppedScript).toMatchObject({ code: 0, stdout: 'dropped tools/double\n' });
    expect(droppedJob).toEqual({ deleted: 'nightly' });
    expect((await run(['runtime', 'script', 'tools/double', '1'])).code).toBe(4);
  });

  it('exits 4 for not found, 5 for a bad key, 3 for a closed port, 2 for bad usage', async () => {
    const port = await closedPort();
    const [missing, badKey, closed, usage, badAgg] = await Promise.all([
      run(['datasets', 'get', 'no-such-dataset']),
      run(['datasets', 'list'], { env: { OMEGA_APIKEY: 'not-the-key' } }),
      run(['datasets', 'list'], { env: { OMEGA_URL: `http://127.0.0.1:${port}` } }),
      run(['datasets', 'put', salesCsv]),
      run(['datasets', 'query', 'sales', '--agg', 'units=median']),
    ]);
    expect(missing).toMatchObject({ code: 4, stdout: '' });
    expect(missing.stderr).toMatch(/^error NOT_FOUND: .*no-such-dataset/);
    expect(badKey.code).toBe(5);
    expect(badKey.stderr).toMatch(/^error \w+: /);
    expect(badKey.stderr).not.toContain('not-the-key');
    expect(closed.code).toBe(3);
    expect(closed.stderr).toMatch(/^error CONNECTION: .*ECONNREFUSED|^error CONNECTION: .*fetch failed/);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("missing required argument 'name'");
    expect(badAgg).toMatchObject({ code: 2 });
    expect(badAgg.stderr).toContain('median is not one of count, sum, mean, min, max');
  });

  it('logs in (credentials.json, mode 0600), shows help, and draws a progress bar on a terminal', async () => {
    const home = mkdtempSync(join(scratch, 'login-'));
    const login = await run(
      ['login', '--url', app.url, '--userid', app.admin.userid, '--apikey', app.admin.apikey],
      { cwd: home, credentials: false },
    );
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`logged in as ${app.admin.userid} (tenant ${app.admin.tenant})`);
    expect(login.stdout).not.toContain(app.admin.apikey);
    const path = join(home, '.omega', 'credentials.json');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ url: app.url, userid: app.admin.userid });

    // `script` gives the child a pseudo-terminal: the bar, its percentage and the rate are drawn on stderr.
    const env = { ...baseEnv(), ...credentialsEnv() };
    const command = [process.execPath, ...NODE_ARGS, 'files', 'put', blob, 'tty/blob.bin']
      .map((part) => `'${part}'`)
      .join(' ');
    const [shown, help, tty] = await Promise.all([
      run(['config', 'show'], { cwd: home, credentials: false }),
      run(['help', 'datasets']),
      new Promise<Run>((resolve) => {
        const child = spawn('script', ['-qfec', command, '/dev/null'], {
          cwd: scratch,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.once('close', (code) => resolve({ code, stdout, stderr: '' }));
      }),
    ]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(
      new RegExp(
        `^url +${app.url}\\nuserid +${app.admin.userid}\\ntenant +${app.admin.tenant}\\nbucket +default\\n`,
      ),
    );
    expect(shown.stdout).not.toContain(app.admin.apikey);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: om datasets/);
    expect(help.stdout).toMatch(/query \[options\] <name>/);
    expect(tty.code).toBe(0);
    expect(tty.stdout).toMatch(/put tty\/blob\.bin \[#{24}\] 100% 3\.1 MB [\d.]+ [kMG]?B\/s in [\d.]+ s/);
    expect(tty.stdout).toContain('stored tty/blob.bin (3.1 MB');
  });
});
