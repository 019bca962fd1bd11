import { MongoClient } from 'mongodb';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { runLoad } from '../http/http.bench';
import { loadServicesEnv, positiveInt, readSettings } from '../support/env';
import { sendForJson } from '../support/http';
import { formatMs } from '../support/latency';
import { BENCH_DB_PREFIX, benchAuth, benchConfig, startApi } from '../support/platform';

/**
 * The small-table hot path on its own: a 3-row `table.parquet` (or `BENCH_SMALL_KIND`) read as JSON
 * records by `BENCH_SMALL_CLIENTS` (16) keep-alive clients in a child process, the API in this process.
 * `ts-node -r tsconfig-paths/register --transpile-only bench/datasets/small-read.ts [profile-file]`
 * prints req/s, p50, the API's CPU time per request and the machine's load; with a file name it also
 * writes a `.cpuprofile` of the measured requests (read it with `bench/http/profile-summary.ts`). Not part
 * of `npm run bench` (the datasets suite measures the same read among its figures).
 */
async function main(): Promise<void> {
  const [profileFile] = process.argv.slice(2);
  loadServicesEnv();
  const settings = readSettings();
  const requests = positiveInt(process.env, 'BENCH_SMALL_REQUESTS', 10_000);
  const clients = positiveInt(process.env, 'BENCH_SMALL_CLIENTS', 16);
  const kind = process.env.BENCH_SMALL_KIND ?? 'table.parquet';
  const config = benchConfig(settings.mongoUrl);
  const auth = benchAuth(config);
  const client = await new MongoClient(settings.mongoUrl, { serverSelectionTimeoutMS: 5000 }).connect();
  const api = await startApi(config);
  const session = new Session();
  try {
    const url = `${api.url}/api/v1/dataset/bench-small`;
    await sendForJson(
      `${url}?kind=${kind}`,
      {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({
          data: [
            { a: 1, b: 'x' },
            { a: 2, b: 'y' },
            { a: 3, b: null },
          ],
        }),
      },
      'PUT bench-small',
    );
    const path = { key: 'small', url: `${url}?orient=records`, headers: auth };
    await runLoad({ paths: [path], requests: 1000, clients, warmup: 500 });
    // The bare pipeline at one client (issue 13's bound): the public ping, then the 3-row read.
    const ping = { key: 'ping', url: `${api.url}/api/v1/ping`, headers: {} };
    const single = await runLoad({ paths: [ping, path], requests: 2000, clients: 1, warmup: 300 });
    console.log(
      `1 client: GET /api/v1/ping p50 ${formatMs(single.ping.p50Ms)}, 3-row read p50 ${formatMs(single.small.p50Ms)}`,
    );
    if (process.env.BENCH_SMALL_FLOOR) {
      // The floor under the same load: the cheapest authenticated route.
      const floor = { key: 'floor', url: `${api.url}/api/v1/config`, headers: auth };
      const cpu = process.cpuUsage();
      const figures = await runLoad({ paths: [floor], requests, clients, warmup: 500 });
      const used = process.cpuUsage(cpu);
      console.log(
        `GET /api/v1/config: ${Math.round(figures.floor.perSecond)} req/s, ` +
          `${Math.round((used.user + used.system) / (requests + 500))} µs API CPU/request`,
      );
    }
    if (profileFile) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 100 });
      await session.post('Profiler.start');
    }
    const load = readFileSync('/proc/loadavg', 'utf8').trim();
    const cpu = process.cpuUsage();
    const { small } = await runLoad({ paths: [path], requests, clients, warmup: 0 });
    const used = process.cpuUsage(cpu);
    if (profileFile) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(profileFile, JSON.stringify(profile));
      console.log(`profile written to ${profileFile}`);
    }
    const perRequest = (used.user + used.system) / requests;
    console.log(
      `${kind} 3 rows, ${clients} clients: ${Math.round(small.perSecond)} req/s, p50 ${formatMs(small.p50Ms)}, ` +
        `${Math.round(perRequest)} µs API CPU/request; load before ${load}, after ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
    );
  } finally {
    session.disconnect();
    await api.close();
    const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
    for (const { name } of databases)
      if (name.startsWith(`${BENCH_DB_PREFIX}_`)) await client.db(name).dropDatabase();
    await client.close();
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exitCode = 1;
});
