import { INestApplication } from '@nestjs/common';
import { generateApiKey } from '@omega/accounts';
import { NestFactory } from '@nestjs/core';
import { loadConfig, OmegaConfig, TenantContext } from '@omega/core';
import { deadLetterQueueName, taskQueueName } from '@omega/runtime';
import { connect } from 'amqplib';
import type { MongoClient } from 'mongodb';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiModule } from '../../apps/api/src/api.module';
import { configureApp } from '../../apps/api/src/configure-app';
import { startWorker, WorkerProcess } from '../../test/support/worker-process';
import { sendForJson } from '../support/http';
import { withDeadline } from '../support/latency';

/**
 * Database and queue prefix of the runtime suite: databases `benchrt_default` and `benchrt__runtime`,
 * queues `benchrt.tasks.default` and `benchrt.tasks.dead`, plus the raw baselines' `benchrt.raw.*`.
 */
export const RUNTIME_PREFIX = 'benchrt';
export const RAW_QUEUE_PREFIX = `${RUNTIME_PREFIX}.raw`;
/** The durable queues the raw baselines declare. */
export const RAW_QUEUES = [
  `${RAW_QUEUE_PREFIX}.rpc`,
  `${RAW_QUEUE_PREFIX}.tasks`,
  `${RAW_QUEUE_PREFIX}.confirm`,
];
/** The label every task of the suite goes to. */
export const LABEL = 'default';

/** A worker finishes its tasks in flight on SIGTERM (60 s at most); past this it is killed. */
const WORKER_STOP_MS = 90_000;

const FIXTURES = join(__dirname, '..', '..', 'test', 'fixtures', 'onnx');

/** The iris logistic regression exported by skl2onnx, and what scikit-learn predicted for its rows. */
export interface IrisFixture {
  file: Buffer;
  columns: string[];
  X: number[][];
  predict: number[];
}

export function loadIris(): IrisFixture {
  const expected = JSON.parse(readFileSync(join(FIXTURES, 'iris-logreg.expected.json'), 'utf8')) as Omit<
    IrisFixture,
    'file'
  >;
  return {
    file: readFileSync(join(FIXTURES, 'iris-logreg.onnx')),
    columns: expected.columns,
    X: expected.X,
    predict: expected.predict,
  };
}

/** The API in broker mode inside this process, and one real worker process beside it. */
export interface RuntimePlatform {
  config: OmegaConfig;
  /** `http://127.0.0.1:<port>` */
  url: string;
  app: INestApplication;
  worker: WorkerProcess;
  ctx: TenantContext;
  /** The Authorization header of this platform's admin: the REST paths measured authenticate. */
  auth: OutgoingHttpHeaders;
  close(): Promise<void>;
}

export async function startRuntimePlatform(options: {
  mongoUrl: string;
  brokerUrl: string;
  workerConcurrency: number;
  client: MongoClient;
}): Promise<RuntimePlatform> {
  const config = loadConfig({
    ...process.env,
    OMEGA_MONGO_URL: options.mongoUrl,
    OMEGA_MONGO_DB_PREFIX: RUNTIME_PREFIX,
    OMEGA_BROKER_URL: options.brokerUrl,
    OMEGA_WORKER_LABELS: LABEL,
    OMEGA_WORKER_CONCURRENCY: String(options.workerConcurrency),
    // An admin of its own with a known key (its accounts live under this suite's prefix), and no
    // per-key request budget: the bench measures the runtime, not the rate limit.
    OMEGA_DATA_DIR: mkdtempSync(join(tmpdir(), 'omega-bench-runtime-')),
    OMEGA_ADMIN_APIKEY: generateApiKey(),
    OMEGA_ADMIN_PASSWORD: randomBytes(18).toString('base64url'),
    OMEGA_RATE_LIMIT_API: '0',
    // The no-op run submits thousands of tasks of one tenant at once: they wait their turn in the
    // tenant's line (OMEGA_TENANT_MAX_RUNNING keeps its default) instead of being refused with 429.
    OMEGA_TENANT_MAX_QUEUED: '1000000',
  });
  // A crashed earlier run may have left databases (a dead worker's heartbeat among them) and queues.
  await cleanRuntimeLeftovers(options.client, options.brokerUrl);

  const app = await NestFactory.create(ApiModule.forRoot(config), {
    bodyParser: false,
    logger: ['error', 'warn'],
  });
  let worker: WorkerProcess | undefined;
  try {
    configureApp(app, config);
    await app.listen(0, '127.0.0.1');
    worker = await startWorker(config, {
      labels: [LABEL],
      concurrency: options.workerConcurrency,
    });
  } catch (error) {
    await app.close();
    await cleanRuntimeLeftovers(options.client, options.brokerUrl);
    throw error;
  }
  const { port } = app.getHttpServer().address() as AddressInfo;
  const started = worker;
  return {
    config,
    url: `http://127.0.0.1:${port}`,
    app,
    worker: started,
    ctx: TenantContext.of('default'),
    auth: { authorization: `ApiKey ${config.adminUserid}:${config.adminApikey}` },
    // Cleanup reports its own failures rather than throwing: an error of the run itself must not be masked.
    close: async () => {
      const code = await withDeadline(started.stop(), WORKER_STOP_MS, 'the worker stop').catch(
        async (error: Error) => {
          console.error(`${error.message}: killing it`);
          await started.kill();
          return null;
        },
      );
      if (code !== 0) console.error(`worker exited with ${code}:\n${started.output().slice(-2000)}`);
      await app.close().catch((error: Error) => console.error(`API close failed: ${error.message}`));
      await cleanRuntimeLeftovers(options.client, options.brokerUrl).catch((error: Error) =>
        console.error(
          `runtime cleanup failed (queues or databases of ${RUNTIME_PREFIX} may remain): ${error.message}`,
        ),
      );
    },
  };
}

/** Uploads the iris model: `POST /api/v1/model/` as multipart, the way omega-ml's client does. */
export async function uploadModel(
  url: string,
  name: string,
  file: Buffer,
  auth: OutgoingHttpHeaders,
): Promise<void> {
  const boundary = `----omega-bench-${Date.now().toString(16)}`;
  const field = (key: string, value: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${key}"\r\n\r\n${value}\r\n`;
  const body = Buffer.concat([
    Buffer.from(field('name', name) + field('kind', 'onnx.model')),
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}.onnx"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    ),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const answer = await sendForJson<{ name: string; kind: string }>(
    `${url}/api/v1/model/`,
    {
      method: 'POST',
      headers: {
        ...auth,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': body.length,
      },
      body,
    },
    `upload model ${name}`,
  );
  if (answer.name !== name || answer.kind !== 'onnx.model')
    throw new Error(`upload model ${name}: unexpected answer ${JSON.stringify(answer).slice(0, 300)}`);
}

/** Drops the suite's databases and deletes its queues (the raw baselines' too). */
export async function cleanRuntimeLeftovers(client: MongoClient, brokerUrl: string): Promise<void> {
  const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
  for (const { name } of databases)
    if (name.startsWith(`${RUNTIME_PREFIX}_`)) await client.db(name).dropDatabase();
  const connection = await connect(brokerUrl);
  try {
    const channel = await connection.createChannel();
    for (const queue of [
      taskQueueName(RUNTIME_PREFIX, LABEL),
      deadLetterQueueName(RUNTIME_PREFIX),
      ...RAW_QUEUES,
    ])
      await channel.deleteQueue(queue);
  } finally {
    await connection.close();
  }
}
