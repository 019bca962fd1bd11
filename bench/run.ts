import { MongoClient } from 'mongodb';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBatchPredictBench } from './batch-predict/batch-predict.bench';
import { runDatasetsBench } from './datasets/datasets.bench';
import { runFilesBench } from './files/files.bench';
import { runHttpBench } from './http/http.bench';
import { runRuntimeBench } from './runtime/runtime.bench';
import { readRuntimeSettings } from './runtime/settings';
import { runSqlBench } from './sql/sql.bench';
import { runScriptsBench } from './scripts/scripts.bench';
import { runTrackingBench } from './tracking/tracking.bench';
import { loadServicesEnv, positiveInt, readSettings, redactUrl } from './support/env';
import { useDefaultHeaders } from './support/http';
import { BENCH_DB_PATTERN, benchAuth, benchConfig, openStores, startApi } from './support/platform';
import { writeJson } from './support/report';

const RESULTS_FILE = join(__dirname, 'results', 'latest.json');

const SUITES = [
  'datasets',
  'files',
  'runtime',
  'batch-predict',
  'sql',
  'scripts',
  'http',
  'tracking',
] as const;
type Suite = (typeof SUITES)[number];

/**
 * `npm run bench`: every suite in one process against one MongoDB-wire server, each platform path next to
 * the raw driver doing the same work. `npm run bench -- runtime files` runs just those suites. Prints
 * tables and writes bench/results/latest.json, keeping the figures of suites this run left out.
 */
async function main(): Promise<void> {
  const suites = selectSuites(process.argv.slice(2));
  loadServicesEnv();
  const settings = readSettings();
  const config = benchConfig(settings.mongoUrl);
  useDefaultHeaders(benchAuth(config));
  const client = await new MongoClient(settings.mongoUrl, { serverSelectionTimeoutMS: 5000 }).connect();
  const started = new Date();
  const server = await client.db('admin').command({ buildInfo: 1 });

  console.log(`omega-ts bench — ${started.toISOString()}`);
  console.log(`suites  ${[...suites].join(', ')}`);
  console.log(`server  ${redactUrl(settings.mongoUrl)} (${serverName(server)})`);
  console.log(
    `node    ${process.version}, ${settings.rows.toLocaleString('en-US')} rows, ${settings.fileMb} MiB file`,
  );

  // A crashed earlier run may have left its databases behind: start clean, and clean up whatever happens.
  await dropBenchDatabases(client);
  // The datasets and files suites share the storage core and one API; the runtime suite starts its own.
  const shared = suites.has('datasets') || suites.has('files');
  const stores = shared ? await openStores(config) : undefined;
  const api = shared ? await startApi(config) : undefined;
  try {
    const sections: Partial<Record<Suite, unknown>> = {};
    if (stores && api && suites.has('datasets')) {
      console.log('\ndatasets: N rows × 10 float columns');
      const datasets = await runDatasetsBench({
        rows: settings.rows,
        client,
        stores: stores.stores,
        apiUrl: api.url,
        cacheDir: config.cacheDir,
      });
      console.log(`\n${datasets.table}`);
      sections.datasets = {
        rows: datasets.rows,
        columns: datasets.columns,
        paths: datasets.paths,
        parquet: datasets.parquet,
      };
    }

    if (api && suites.has('files')) {
      console.log('\nfiles: one generated file, streamed both ways');
      const files = await runFilesBench({ fileMb: settings.fileMb, client, apiUrl: api.url });
      console.log(`\n${files.table}`);
      sections.files = { bytes: files.bytes, chunkSizeBytes: files.chunkSizeBytes, paths: files.paths };
    }

    if (suites.has('runtime')) {
      const runtimeSettings = readRuntimeSettings();
      console.log(
        `\nruntime: iris ONNX predict via a worker, and no-op tasks, on ${redactUrl(runtimeSettings.brokerUrl)}`,
      );
      const runtime = await runRuntimeBench({ client, mongoUrl: settings.mongoUrl, ...runtimeSettings });
      console.log(`\n${runtime.table}`);
      sections.runtime = runtime.results;
    }

    if (suites.has('batch-predict')) {
      const runtimeSettings = readRuntimeSettings();
      const bp = {
        rows: positiveInt(process.env, 'BENCH_BP_ROWS', 1_000_000),
        batch: positiveInt(process.env, 'BENCH_BP_BATCH', 16_384),
      };
      console.log(
        `\nbatch-predict: ${bp.rows.toLocaleString('en-US')} rows × 13 features through a worker, against onnxruntime alone`,
      );
      const batchPredict = await runBatchPredictBench({
        client,
        mongoUrl: settings.mongoUrl,
        brokerUrl: runtimeSettings.brokerUrl,
        workerConcurrency: runtimeSettings.workerConcurrency,
        ...bp,
      });
      console.log(`\n${batchPredict.table}`);
      sections['batch-predict'] = batchPredict.results;
    }

    if (suites.has('sql')) {
      const postgresUrl = process.env.OMEGA_TEST_POSTGRES_URL;
      if (!postgresUrl) throw new Error('OMEGA_TEST_POSTGRES_URL is not set: run `npm run services` first');
      console.log(`\nsql: a SQL reference read vs pg + pg-cursor on ${redactUrl(postgresUrl)}`);
      const sql = await runSqlBench({ rows: settings.rows, postgresUrl, config });
      console.log(`\n${sql.table}`);
      sections.sql = { rows: sql.rows, paths: sql.paths, target: sql.target, targetMet: sql.targetMet };
    }

    if (suites.has('scripts')) {
      console.log('\nscripts: run overhead of an empty script through REST (sandbox child per run)');
      const scripts = await runScriptsBench({
        client,
        mongoUrl: settings.mongoUrl,
        runs: Number(process.env.BENCH_SCRIPT_RUNS ?? 30),
      });
      console.log(`\n${scripts.table}`);
      sections.scripts = scripts.results;
    }

    if (suites.has('http')) {
      const clients = positiveInt(process.env, 'BENCH_HTTP_CLIENTS', 16);
      console.log(
        `\nhttp: the fixed cost of a request, ${clients} clients, public ping vs authenticated config`,
      );
      const http = await runHttpBench({
        client,
        mongoUrl: settings.mongoUrl,
        requests: positiveInt(process.env, 'BENCH_HTTP_REQUESTS', 5000),
        clients,
        rounds: positiveInt(process.env, 'BENCH_HTTP_ROUNDS', 5),
      });
      console.log(`\n${http.table}`);
      sections.http = http.results;
    }

    if (suites.has('tracking')) {
      console.log(
        '\ntracking: metric points logged in batches, and predict latency with tracking off and on',
      );
      const tracking = await runTrackingBench({ client, config });
      console.log(`\n${tracking.table}`);
      sections.tracking = tracking.results;
    }

    writeJson(
      RESULTS_FILE,
      withEarlierSections(RESULTS_FILE, sections, {
        started: started.toISOString(),
        seconds: (Date.now() - started.getTime()) / 1000,
        server: { url: redactUrl(settings.mongoUrl), ...serverInfo(server) },
        node: process.version,
        // A string, not an array: the file stays as prettier would print it.
        suites: [...suites].join(', '),
      }),
    );
    console.log(`\nresults written to ${RESULTS_FILE}`);
  } finally {
    // After the API stops: its in-process worker's heartbeat would write the directory again.
    await api?.close();
    await stores?.close();
    await dropBenchDatabases(client).catch((error: Error) =>
      console.error(`cleanup failed: ${error.message}`),
    );
    await client.close();
  }
}

/** The suites named on the command line, all of them when none is. */
function selectSuites(args: string[]): Set<Suite> {
  const names = args.filter((arg) => arg.length > 0);
  for (const name of names) {
    if (!(SUITES as readonly string[]).includes(name))
      throw new Error(`unknown bench suite "${name}"; suites: ${SUITES.join(', ')}`);
  }
  return new Set(names.length > 0 ? (names as Suite[]) : SUITES);
}

/**
 * This run's figures, plus the sections of suites it did not run taken from the previous results file.
 * Every section says when it was measured (`measured`, the start of its run).
 */
function withEarlierSections(
  file: string,
  sections: Partial<Record<Suite, unknown>>,
  run: { started: string } & Record<string, unknown>,
): Record<string, unknown> {
  const previous = readPrevious(file);
  const merged: Record<string, unknown> = { ...run };
  for (const suite of SUITES) {
    const section = sections[suite] ?? previous[suite];
    if (typeof section !== 'object' || section === null) continue;
    const measured = suite in sections ? run.started : (previous.started ?? null);
    merged[suite] = { measured, ...section };
  }
  return merged;
}

function readPrevious(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/**
 * The tenant database, the raw baselines' and the runtime's worker directory (`<prefix>__runtime`) of this
 * run, and those an earlier run left behind when it crashed; never those of a run still going.
 */
async function dropBenchDatabases(client: MongoClient): Promise<void> {
  const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
  for (const { name } of databases) {
    const pid = BENCH_DB_PATTERN.exec(name)?.[1];
    if (pid !== undefined && (Number(pid) === process.pid || !processAlive(Number(pid))))
      await client.db(name).dropDatabase();
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
/** FerretDB adds `ferretdbVersion` to buildInfo; MongoDB answers just `version`. */
function serverInfo(buildInfo: Record<string, unknown>): { version: string; ferretdb?: string } {
  const ferretdb = buildInfo.ferretdbVersion as string | undefined;
  return { version: String(buildInfo.version), ...(ferretdb ? { ferretdb } : {}) };
}

function serverName(buildInfo: Record<string, unknown>): string {
  const info = serverInfo(buildInfo);
  return info.ferretdb
    ? `FerretDB ${String(info.ferretdb)}, MongoDB ${String(info.version)} wire`
    : `MongoDB ${String(info.version)}`;
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.stack ?? error.message}`);
  process.exitCode = 1;
});
