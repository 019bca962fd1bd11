import { NestFactory } from '@nestjs/core';
import { generateApiKey } from '@omega/accounts';
import { loadConfig } from '@omega/core';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MongoClient } from 'mongodb';
import { ApiModule } from '../../apps/api/src/api.module';
import { configureApp } from '../../apps/api/src/configure-app';
import { sendForJson } from '../support/http';
import { formatMs, LatencyStats, measureLatency } from '../support/latency';
import { formatTable, note } from '../support/report';

/** Database prefix of the scripts suite: `benchsc_default`. */
export const SCRIPTS_PREFIX = 'benchsc';

export interface ScriptsBenchOptions {
  client: MongoClient;
  mongoUrl: string;
  runs: number;
}

export interface ScriptsBenchResult {
  table: string;
  results: Record<string, LatencyStats>;
}

const EMPTY_SCRIPT = 'exports.run = function () { return null; };';
const OM_SCRIPT = 'exports.run = async function (om) { return (await om.datasets.list()).length; };';

/**
 * The cost of running user code: an empty script through `POST /api/v1/script/{name}/run` (embedded
 * runtime: the API runs the task itself, in a sandbox child) next to what the sandbox cannot avoid — a
 * bare `node` start with the same flags — and a script that calls the API back once through `om`.
 */
export async function runScriptsBench(options: ScriptsBenchOptions): Promise<ScriptsBenchResult> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'omega-bench-scripts-'));
  const apikey = generateApiKey();
  const config = loadConfig({
    OMEGA_MONGO_URL: options.mongoUrl,
    OMEGA_MONGO_DB_PREFIX: SCRIPTS_PREFIX,
    OMEGA_DATA_DIR: dataDir,
    OMEGA_ADMIN_APIKEY: apikey,
    OMEGA_SECRET_KEY: randomBytes(32).toString('base64url'),
    OMEGA_API_URL: url,
    OMEGA_RATE_LIMIT_API: '0',
  });
  await dropDatabases(options.client);
  const app = await NestFactory.create(ApiModule.forRoot(config), {
    bodyParser: false,
    logger: ['error', 'warn'],
  });
  const auth = { authorization: `ApiKey ${config.adminUserid}:${apikey}` };
  try {
    configureApp(app, config);
    await app.listen(port, '127.0.0.1');
    await upload(url, auth, 'empty', EMPTY_SCRIPT);
    await upload(url, auth, 'om-call', OM_SCRIPT);
    const runScript = (name: string) => async () => {
      const answer = await sendForJson<{ script: string }>(
        `${url}/api/v1/script/${name}/run`,
        { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '[]' },
        `run ${name}`,
      );
      if (answer.script !== name) throw new Error(`run ${name}: unexpected answer`);
    };
    const bareFile = join(dataDir, 'bare.js');
    writeFileSync(bareFile, '');
    const results: Record<string, LatencyStats> = {};
    const paths: [string, string, () => Promise<void>][] = [
      ['bare', 'node start with the sandbox flags (baseline)', () => bareNode(dataDir, bareFile)],
      ['empty', 'empty script via REST (embedded runtime)', runScript('empty')],
      ['om-call', 'script calling om.datasets.list() once', runScript('om-call')],
    ];
    for (const [key, label, operation] of paths) {
      for (let i = 0; i < 3; i++) await operation();
      note(`${label}: ${options.runs} runs`);
      results[key] = await measureLatency(options.runs, 1, operation);
    }
    const table = formatTable(
      ['path', 'p50 ms', 'p99 ms', 'runs/s'],
      paths.map(([key, label]) => [
        label,
        formatMs(results[key].p50Ms),
        formatMs(results[key].p99Ms),
        results[key].perSecond.toFixed(1),
      ]),
    );
    return { table, results };
  } finally {
    await app.close();
    await dropDatabases(options.client);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function upload(
  url: string,
  auth: Record<string, string>,
  name: string,
  source: string,
): Promise<void> {
  const boundary = `----omega-bench-${randomBytes(6).toString('hex')}`;
  const body = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\n${name}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}.js"\r\n` +
      `Content-Type: text/javascript\r\n\r\n${source}\r\n--${boundary}--\r\n`,
  );
  await sendForJson(
    `${url}/api/v1/script/`,
    {
      method: 'POST',
      headers: {
        ...auth,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': body.length,
      },
      body,
    },
    `upload script ${name}`,
  );
}

function bareNode(folder: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--experimental-permission',
        `--allow-fs-read=${folder}/`,
        '--disable-warning=ExperimentalWarning',
        file,
      ],
      { cwd: folder, env: {}, stdio: 'ignore' },
    );
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`bare node exited with ${code}`)),
    );
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function dropDatabases(client: MongoClient): Promise<void> {
  const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
  for (const { name } of databases)
    if (name.startsWith(`${SCRIPTS_PREFIX}_`) || name.startsWith(`${SCRIPTS_PREFIX}-`))
      await client.db(name).dropDatabase();
}
