import { Agent, request, type OutgoingHttpHeaders } from 'node:http';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { LatencyStats, measureLatency, warmUp } from '../support/latency';
import type { IrisFixture } from './runtime-platform';

/** The body of one predict call: one iris row in omega-ml's `{columns, data}` form. */
export function predictBody(iris: IrisFixture, index: number): string {
  return JSON.stringify({ columns: iris.columns, data: [iris.X[index % iris.X.length]] });
}

interface PredictAnswer {
  model: string;
  result: unknown;
  resource_uri: string;
}

/**
 * `PUT /api/v1/model/<name>/predict` of one row, `concurrency` requests in flight over keep-alive
 * connections. Every answer must be 200 with the label scikit-learn predicted for that row.
 */
export async function restPredict(
  apiUrl: string,
  model: string,
  iris: IrisFixture,
  options: { count: number; warmup: number; concurrency: number; auth: OutgoingHttpHeaders },
): Promise<LatencyStats> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const url = new URL(`/api/v1/model/${encodeURIComponent(model)}/predict`, apiUrl);
  const bodies = iris.X.map((_row, index) => Buffer.from(predictBody(iris, index)));
  const predict = async (index: number): Promise<void> => {
    const row = index % bodies.length;
    const { status, text } = await call(agent, 'PUT', url, bodies[row], options.auth);
    if (status !== 200) throw new Error(`PUT ${url.pathname}: HTTP ${status} ${text.slice(0, 500)}`);
    const answer = JSON.parse(text) as PredictAnswer;
    const labels = answer.result as unknown[];
    if (!Array.isArray(labels) || labels.length !== 1 || labels[0] !== iris.predict[row]) {
      throw new Error(
        `PUT ${url.pathname}: row ${row} predicted ${JSON.stringify(answer.result)}, expected [${iris.predict[row]}]`,
      );
    }
  };
  try {
    await warmUp(options.warmup, options.concurrency, predict);
    return await measureLatency(options.count, options.concurrency, predict);
  } finally {
    agent.destroy();
  }
}

/**
 * `GET /api/v1/ping`, which answers without touching the database: the floor of an HTTP call through
 * express and Nest on this machine, with the same client.
 */
export async function restPing(
  apiUrl: string,
  options: { count: number; warmup: number; concurrency: number },
): Promise<LatencyStats> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const url = new URL('/api/v1/ping', apiUrl);
  const ping = async (): Promise<void> => {
    const { status, text } = await call(agent, 'GET', url);
    if (status !== 200) throw new Error(`GET ${url.pathname}: HTTP ${status} ${text.slice(0, 500)}`);
  };
  try {
    await warmUp(options.warmup, options.concurrency, ping);
    return await measureLatency(options.count, options.concurrency, ping);
  } finally {
    agent.destroy();
  }
}

function call(
  agent: Agent,
  method: 'GET' | 'PUT',
  url: URL,
  body?: Buffer,
  auth: OutgoingHttpHeaders = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers = {
      ...auth,
      ...(body ? { 'content-type': 'application/json', 'content-length': body.length } : {}),
    };
    const req = request(url, { method, agent, headers }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') }),
      );
      response.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${url.pathname}: no answer within 60 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The same prediction on an onnxruntime session in this process: a float32 [1, 4] tensor from the row,
 * then `run` fetching the `label` output only, as the platform's predict does.
 */
export async function onnxDirect(
  iris: IrisFixture,
  options: { count: number; warmup: number },
): Promise<LatencyStats> {
  const session = await InferenceSession.create(iris.file);
  try {
    const [input] = session.inputNames;
    if (!session.outputNames.includes('label'))
      throw new Error(`the iris model has no label output: ${session.outputNames.join(', ')}`);
    const predict = async (index: number): Promise<void> => {
      const row = index % iris.X.length;
      const feeds = { [input]: new Tensor('float32', Float32Array.from(iris.X[row]), [1, 4]) };
      const { label } = await session.run(feeds, ['label']);
      const predicted = Number((label.data as BigInt64Array | Int32Array)[0]);
      if (predicted !== iris.predict[row])
        throw new Error(`onnxruntime: row ${row} predicted ${predicted}, expected ${iris.predict[row]}`);
    };
    await warmUp(options.warmup, 1, predict);
    return await measureLatency(options.count, 1, predict);
  } finally {
    await session.release();
  }
}
