import { generateApiKey } from '@omega/accounts';
import { loadConfig } from '@omega/core';
import type { MongoClient } from 'mongodb';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sendForJson } from '../support/http';
import { formatMs, LatencyStats, median } from '../support/latency';
import { startApi } from '../support/platform';
import { formatInt, formatRatio, formatTable, formatTarget } from '../support/report';
import type { LoadSpec } from './load-client';

/** Database prefix of the http suite: `benchhttp_default`. */
export const HTTP_PREFIX = 'benchhttp';
/** An authenticated cheap route must reach this share of the unauthenticated ping's throughput. */
export const AUTH_RATIO_TARGET = 0.8;

const ROOT = join(__dirname, '..', '..');

export interface HttpBenchOptions {
  client: MongoClient;
  mongoUrl: string;
  /** Measured requests per path and round. */
  requests: number;
  clients: number;
  rounds: number;
}

export interface HttpBenchResult {
  table: string;
  results: Record<string, unknown>;
}

/**
 * The fixed cost of a request: `GET /api/v1/ping` (public) next to `GET /api/v1/config` (the cheapest
 * authenticated route) with an API key and with a Bearer token, on the embedded default (no broker,
 * SQLite accounts database, rate limits as shipped). The API runs in this process, the load comes from a
 * child process; paths alternate over several rounds and each path's median round counts, so a passing
 * load on the machine weighs on all paths alike. `/proc/loadavg` is printed with the figures, and the
 * API's CPU time per request beside the throughput: on a busy machine the throughput ratio swings with
 * whatever else runs, the CPU ratio is what it would be on an idle one.
 */
export async function runHttpBench(options: HttpBenchOptions): Promise<HttpBenchResult> {
  const target = await startHttpTarget(options);
  try {
    const { paths } = target;
    const loadBefore = loadAverage();
    const rounds: Record<string, Array<LatencyStats & { cpuUs: number }>> = {
      ping: [],
      apikey: [],
      bearer: [],
    };
    const warmup = Math.min(500, options.requests);
    for (let round = 0; round < options.rounds; round++) {
      // Each round in another order, so no path always runs first (or last) in a round.
      for (let index = 0; index < paths.length; index++) {
        const path = paths[(index + round) % paths.length][2];
        // The API's own CPU time per request (this process serves, the load comes from a child): a
        // figure that other work on the machine does not move the way it moves throughput.
        const cpuBefore = process.cpuUsage();
        const figures = await runLoad({
          paths: [path],
          requests: options.requests,
          clients: options.clients,
          warmup,
        });
        const cpu = process.cpuUsage(cpuBefore);
        const cpuUs = (cpu.user + cpu.system) / (warmup + options.requests);
        rounds[path.key].push({ ...figures[path.key], cpuUs });
      }
    }
    const loadAfter = loadAverage();
    const medianOf = (key: string) => median(rounds[key].map((stats) => stats.perSecond));
    const ping = medianOf('ping');
    const cpuOf = (key: string) => median(rounds[key].map((stats) => stats.cpuUs));
    const pingCpu = cpuOf('ping');
    const results: Record<string, unknown> = {
      clients: options.clients,
      requests: options.requests,
      rounds: options.rounds,
      loadavg: { before: loadBefore, after: loadAfter },
    };
    const rows = paths.map(([key, label]) => {
      const perSecond = medianOf(key);
      const ratio = perSecond / ping;
      const p50 = median(rounds[key].map((stats) => stats.p50Ms));
      const p99 = median(rounds[key].map((stats) => stats.p99Ms));
      const cpuUs = cpuOf(key);
      results[key] = {
        perSecond,
        p50Ms: p50,
        p99Ms: p99,
        ratioToPing: ratio,
        serverCpuUs: cpuUs,
        cpuRatioToPing: pingCpu / cpuUs,
      };
      const target = key === 'ping' ? undefined : AUTH_RATIO_TARGET;
      return [
        label,
        formatInt(perSecond),
        formatMs(p50),
        formatMs(p99),
        formatRatio(ratio),
        formatTarget(ratio, target),
        formatInt(cpuUs),
        formatRatio(pingCpu / cpuUs),
      ];
    });
    const table = [
      formatTable(
        ['path', 'req/s', 'p50 ms', 'p99 ms', '× ping', 'target', 'API CPU µs/req', 'ping CPU ÷ path CPU'],
        rows,
      ),
      `loadavg before: ${loadBefore}`,
      `loadavg after:  ${loadAfter}`,
    ].join('\n');
    return { table, results };
  } finally {
    await target.close();
  }
}

export type HttpPath = [key: string, label: string, spec: LoadSpec['paths'][number]];

/** The API under test (embedded default, in this process) and the three paths it is measured on. */
export interface HttpTarget {
  paths: HttpPath[];
  close(): Promise<void>;
}

export async function startHttpTarget(
  options: Pick<HttpBenchOptions, 'client' | 'mongoUrl'>,
): Promise<HttpTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), 'omega-bench-http-'));
  const apikey = generateApiKey();
  const password = randomBytes(18).toString('base64url');
  const config = loadConfig({
    OMEGA_MONGO_URL: options.mongoUrl,
    OMEGA_MONGO_DB_PREFIX: HTTP_PREFIX,
    OMEGA_DATA_DIR: dataDir,
    OMEGA_ADMIN_APIKEY: apikey,
    OMEGA_ADMIN_PASSWORD: password,
  });
  await dropDatabases(options.client);
  const api = await startApi(config);
  const close = async () => {
    await api.close();
    await dropDatabases(options.client);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const login = await sendForJson<{ token: string }>(
      `${api.url}/api/v1/auth/login`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userid: config.adminUserid, password }),
      },
      'login',
    );
    const paths: HttpPath[] = [
      ['ping', 'GET /api/v1/ping (public)', { key: 'ping', url: `${api.url}/api/v1/ping`, headers: {} }],
      [
        'apikey',
        'GET /api/v1/config with ApiKey',
        {
          key: 'apikey',
          url: `${api.url}/api/v1/config`,
          headers: { authorization: `ApiKey ${config.adminUserid}:${apikey}` },
        },
      ],
      [
        'bearer',
        'GET /api/v1/config with Bearer',
        {
          key: 'bearer',
          url: `${api.url}/api/v1/config`,
          headers: { authorization: `Bearer ${login.token}` },
        },
      ],
    ];
    return { paths, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Runs the load client (a child process) and answers its figures per path. */
export async function runLoad(spec: LoadSpec): Promise<Record<string, LatencyStats>> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', join(__dirname, 'load-client.ts'), JSON.stringify(spec)],
    { cwd: ROOT, env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') }, timeout: 600_000 },
  );
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, LatencyStats>;
}

/** The machine's load (1, 5 and 15 minutes, runnable/total tasks), to read the figures by. */
function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

async function dropDatabases(client: MongoClient): Promise<void> {
  const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
  for (const { name } of databases)
    if (name.startsWith(`${HTTP_PREFIX}_`) || name.startsWith(`${HTTP_PREFIX}-`))
      await client.db(name).dropDatabase();
}
