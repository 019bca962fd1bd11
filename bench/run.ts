import { MongoClient } from 'mongodb';
import { join } from 'node:path';
import { runDatasetsBench } from './datasets/datasets.bench';
import { runFilesBench } from './files/files.bench';
import { loadServicesEnv, readSettings, redactUrl } from './support/env';
import { BENCH_DB_PREFIX, benchConfig, openStores, RAW_DB, startApi } from './support/platform';
import { writeJson } from './support/report';

const RESULTS_FILE = join(__dirname, 'results', 'latest.json');

/**
 * `npm run bench`: every suite in one process against one MongoDB-wire server, each platform path next to
 * the raw driver doing the same work. Prints tables and writes bench/results/latest.json.
 */
async function main(): Promise<void> {
  loadServicesEnv();
  const settings = readSettings();
  const config = benchConfig(settings.mongoUrl);
  const client = await new MongoClient(settings.mongoUrl, { serverSelectionTimeoutMS: 5000 }).connect();
  const started = new Date();
  const server = await client.db('admin').command({ buildInfo: 1 });

  console.log(`omega-ts bench — ${started.toISOString()}`);
  console.log(`server  ${redactUrl(settings.mongoUrl)} (${serverName(server)})`);
  console.log(
    `node    ${process.version}, ${settings.rows.toLocaleString('en-US')} rows, ${settings.fileMb} MiB file`,
  );

  // A crashed earlier run may have left its databases behind: start clean, and clean up whatever happens.
  await dropBenchDatabases(client);
  const stores = await openStores(config);
  const api = await startApi(config);
  try {
    console.log('\ndatasets: N rows × 10 float columns');
    const datasets = await runDatasetsBench({
      rows: settings.rows,
      client,
      stores: stores.stores,
      apiUrl: api.url,
    });
    console.log(`\n${datasets.table}`);

    console.log('\nfiles: one generated file, streamed both ways');
    const files = await runFilesBench({ fileMb: settings.fileMb, client, apiUrl: api.url });
    console.log(`\n${files.table}`);

    writeJson(RESULTS_FILE, {
      started: started.toISOString(),
      seconds: (Date.now() - started.getTime()) / 1000,
      server: { url: redactUrl(settings.mongoUrl), ...serverInfo(server) },
      node: process.version,
      datasets: {
        rows: datasets.rows,
        columns: datasets.columns,
        paths: datasets.paths,
      },
      files: { bytes: files.bytes, chunkSizeBytes: files.chunkSizeBytes, paths: files.paths },
    });
    console.log(`\nresults written to ${RESULTS_FILE}`);
  } finally {
    await dropBenchDatabases(client).catch((error: Error) =>
      console.error(`cleanup failed: ${error.message}`),
    );
    await api.close();
    await stores.close();
    await client.close();
  }
}

async function dropBenchDatabases(client: MongoClient): Promise<void> {
  for (const name of [`${BENCH_DB_PREFIX}_default`, RAW_DB]) await client.db(name).dropDatabase();
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
