import { MongoClient } from 'mongodb';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadServicesEnv, positiveInt, readSettings } from '../support/env';
import { runLoad, startHttpTarget } from './http.bench';

/**
 * A CPU profile of the API while it serves one path of the http suite under the same load (16 clients):
 * `ts-node -r tsconfig-paths/register --transpile-only bench/http/profile.ts apikey|bearer|ping [file]`.
 * Only the measured requests are profiled (after a warm-up), and the profile is written as a
 * `.cpuprofile` file (Chrome DevTools, or `bench/http/profile-summary.ts`). Not part of `npm run bench`.
 */
async function main(): Promise<void> {
  const [key = 'apikey', file = `/tmp/omega-http-${key}.cpuprofile`] = process.argv.slice(2);
  loadServicesEnv();
  const settings = readSettings();
  const client = await new MongoClient(settings.mongoUrl, { serverSelectionTimeoutMS: 5000 }).connect();
  const target = await startHttpTarget({ client, mongoUrl: settings.mongoUrl });
  const session = new Session();
  try {
    const path = target.paths.find(([name]) => name === key)?.[2];
    if (!path) throw new Error(`No path '${key}': ${target.paths.map(([name]) => name).join(', ')}`);
    const requests = positiveInt(process.env, 'BENCH_HTTP_REQUESTS', 20_000);
    const clients = positiveInt(process.env, 'BENCH_HTTP_CLIENTS', 16);
    await runLoad({ paths: [path], requests: 1000, clients, warmup: 500 });
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    const cpu = process.cpuUsage();
    const figures = await runLoad({ paths: [path], requests, clients, warmup: 0 });
    const used = process.cpuUsage(cpu);
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    const perRequest = (used.user + used.system) / requests;
    console.log(
      `${key}: ${Math.round(figures[key].perSecond)} req/s, ${Math.round(perRequest)} µs CPU/request`,
    );
    console.log(`profile written to ${file}`);
  } finally {
    session.disconnect();
    await target.close();
    await client.close();
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exitCode = 1;
});
