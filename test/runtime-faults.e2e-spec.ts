import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { HTTP_STATUS_BY_CODE, OmegaError, TenantContext } from '@omega/core';
import {
  deadLetterQueueName,
  RuntimeClient,
  TaskMessage,
  TaskRecordsRepository,
  taskQueueName,
} from '@omega/runtime';
import { connect } from 'amqplib';
import { queueDepth } from './support/broker';
import { StoredTasks, storedTasks } from './support/stored-tasks';
import { startTestApp, TestApp } from './support/test-app';
import { startWorker, WorkerProcess } from './support/worker-process';

/**
 * Faults the runtime must survive with real processes: a worker killed with SIGKILL while tasks are in
 * flight, RabbitMQ restarting while tasks are submitted, and a task that kills every worker that runs it.
 * Every wait has a deadline, so a lost task fails its test instead of hanging it.
 */

const ROOT = join(__dirname, '..');
const PING = 'runtime.ping';

/** A task record as stored (`omega_tasks`, with its outcome laid over it: see support/stored-tasks). */
interface TaskDocument {
  _id: string;
  status: 'PENDING' | 'STARTED' | 'SUCCESS' | 'FAILURE';
  attempts: number;
  worker?: string;
  started?: Date;
  finished?: Date;
  resultJson?: string;
  error?: { code: string; message: string };
  argsSummary?: { kwargs?: Record<string, unknown> };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs: number,
  detail: () => Promise<string> | string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${await detail()}`);
}

/** Runs `scripts/services.sh <command>` with a deadline; resolves with what it printed. */
function services(command: string, timeoutMs = 90_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [join(ROOT, 'scripts', 'services.sh'), command],
      { cwd: ROOT, timeout: timeoutMs },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`services.sh ${command} failed: ${error.message}\n${stdout}${stderr}`));
        else resolve(`${stdout}${stderr}`);
      },
    );
  });
}

async function brokerAnswers(url: string): Promise<boolean> {
  try {
    const connection = await connect(url);
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

function countBy(documents: TaskDocument[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { status } of documents) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

describe('runtime faults: killed workers, a restarting broker, poison tasks', () => {
  let app: TestApp;
  let client: RuntimeClient;
  let tasks: StoredTasks<TaskDocument>;
  let brokerUrl: string;
  let taskQueue: string;
  let deadQueue: string;
  const ctx = TenantContext.of('default');
  /** Workers started and not yet stopped or killed: afterEach stops those a failed test left behind. */
  const running = new Set<WorkerProcess>();

  const spawnWorker = async (options: Parameters<typeof startWorker>[1] = {}): Promise<WorkerProcess> => {
    const worker = await startWorker(app.config, options);
    running.add(worker);
    return worker;
  };

  const killWorker = async (worker: WorkerProcess): Promise<void> => {
    running.delete(worker);
    await worker.kill();
  };

  /** SIGTERM with a deadline, SIGKILL after it: cleanup must never hang the suite. */
  const stopWorker = async (worker: WorkerProcess): Promise<number | null | 'killed'> => {
    running.delete(worker);
    const stopped = await Promise.race([worker.stop(), sleep(20_000).then(() => 'timeout' as const)]);
    if (stopped !== 'timeout') return stopped;
    await worker.kill();
    return 'killed';
  };

  const read = (ids: string[]): Promise<TaskDocument[]> => tasks.find({ _id: { $in: ids } });

  /**
   * The tasks a worker's last heartbeat listed as running. A first delivery writes nothing until its
   * outcome, so what runs where is known from the heartbeats (as a redelivery learns it too).
   */
  const runningOn = async (workerId: string): Promise<string[]> => {
    const workers = app.databases
      .client()
      .db(`${app.config.mongoDbPrefix}__runtime`)
      .collection<{ _id: string; running?: string[] }>('workers');
    return (await workers.findOne({ _id: workerId }))?.running ?? [];
  };

  const submitPing = (kwargs: Record<string, unknown>) => client.submit(ctx, { action: PING, kwargs });

  beforeAll(async () => {
    app = await startTestApp({ broker: true });
    client = app.app.get(RuntimeClient);
    tasks = storedTasks<TaskDocument>(() => app.databases.db(ctx));
    brokerUrl = app.config.brokerUrl as string;
    taskQueue = taskQueueName(app.config.mongoDbPrefix, 'default');
    deadQueue = deadLetterQueueName(app.config.mongoDbPrefix);
  });

  afterEach(async () => {
    // A worker a failed test left running would take the next test's tasks: stop it, show what it said.
    for (const worker of [...running]) {
      console.log(`worker ${worker.id} left running by the test; its output:\n${worker.output()}`);
      await stopWorker(worker);
    }
    // A failed broker test must not leave RabbitMQ down for the tests and suites after it.
    if (brokerUrl && !(await brokerAnswers(brokerUrl))) await services('restart-broker');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('runs every task once more after a worker is killed with 50 tasks in flight, recording each once', async () => {
    const recordsBefore = await tasks.countDocuments({});
    const deadBefore = await queueDepth(brokerUrl, deadQueue);
    const first = await spawnWorker({ concurrency: 8 });

    const submitted = await Promise.all(
      // Long enough that a task seen started is still running when the kill lands, even on a busy machine.
      Array.from({ length: 50 }, (_, n) => submitPing({ delay_ms: 1000, n })),
    );
    const ids = submitted.map((task) => task.id);
    const summary = async () => JSON.stringify(countBy(await read(ids)));

    // Kill once some are done and the worker's heartbeat lists at least 4 tasks still unfinished now:
    // those are mid-run (a first delivery records nothing before its outcome).
    let listed: string[] = [];
    await waitFor(
      async () => {
        listed = await runningOn(first.id);
        const documents = await read(ids);
        const unfinished = new Set(documents.filter((doc) => doc.status === 'PENDING').map((doc) => doc._id));
        return (
          documents.filter((doc) => doc.status === 'SUCCESS').length >= 8 &&
          listed.filter((id) => unfinished.has(id)).length >= 4
        );
      },
      '8 tasks done and 4 running',
      30_000,
      summary,
    );
    await killWorker(first);

    const atKill = await read(ids);
    const inFlight = atKill.filter((doc) => doc.status === 'PENDING' && listed.includes(doc._id));
    const doneBefore = atKill.filter((doc) => doc.status === 'SUCCESS');
    expect(inFlight.length).toBeGreaterThanOrEqual(1);
    expect(doneBefore.length).toBeGreaterThanOrEqual(8);
    expect(atKill.some((doc) => doc.status === 'FAILURE' || doc.status === 'STARTED')).toBe(false);
    // Running wrote nothing (no claim); each outcome was the one write after the PENDING insert.
    for (const doc of inFlight) expect(doc.attempts).toBe(0);
    for (const doc of doneBefore) expect(doc).toMatchObject({ worker: first.id, attempts: 1 });

    const second = await spawnWorker({ concurrency: 8 });
    await waitFor(
      async () => (await tasks.countDocuments({ _id: { $in: ids }, status: 'SUCCESS' })) === 50,
      'all 50 tasks to succeed on the second worker',
      60_000,
      async () => `${await summary()}\n--- second worker:\n${second.output()}`,
    );

    const final = await read(ids);
    // One record per task and none besides: redelivery created no duplicates or strays.
    expect(final).toHaveLength(50);
    expect(await tasks.countDocuments({})).toBe(recordsBefore + 50);
    const byId = new Map(final.map((doc) => [doc._id, doc]));
    for (const [n, task] of submitted.entries()) {
      const doc = byId.get(task.id) as TaskDocument;
      expect(doc.status).toBe('SUCCESS');
      expect(doc.error).toBeUndefined();
      expect(JSON.parse(doc.resultJson as string)).toMatchObject({
        message: 'ping return message',
        kwargs: { delay_ms: 1000, n },
      });
    }
    // The tasks cut off by the kill were delivered again and finished by the second worker.
    for (const { _id } of inFlight) {
      const doc = byId.get(_id) as TaskDocument;
      expect(doc.attempts).toBeGreaterThanOrEqual(2);
      expect(doc.worker).toBe(second.id);
    }
    // Outcomes recorded before the kill stand untouched: a redelivery of a finished task (done, not yet
    // acknowledged) is acknowledged from its record without a new claim, run or write.
    for (const before of doneBefore) {
      const doc = byId.get(before._id) as TaskDocument;
      expect(doc).toMatchObject({ worker: first.id, attempts: 1, resultJson: before.resultJson });
      expect(doc.finished?.getTime()).toBe(before.finished?.getTime());
    }
    // Nothing left behind in the queue, nothing dead-lettered.
    await waitFor(async () => (await queueDepth(brokerUrl, taskQueue)) === 0, 'an empty task queue', 10_000);
    expect(await queueDepth(brokerUrl, deadQueue)).toBe(deadBefore);
    console.log(
      `kill -9: ${inFlight.length} task(s) in flight, ${doneBefore.length} done, ${atKill.length - inFlight.length - doneBefore.length} pending`,
    );

    // What makes each outcome count once: every write is conditional on the record being unfinished. A
    // late delivery of a task already finished (the killed worker, had it only been cut off) can
    // neither claim it again nor replace its result.
    const records = app.app.get(TaskRecordsRepository);
    const late = submitted.find((task) => task.id === inFlight[0]._id) as TaskMessage;
    const settled = byId.get(late.id) as TaskDocument;
    expect((await records.claim(ctx, late, first.id, { maxAttempts: 3, takeOver: true })).kind).toBe(
      'finished',
    );
    expect(await records.finish(ctx, late, { status: 'SUCCESS', result: { late: true } })).toBe(false);
    expect(await records.finish(ctx, late, { status: 'FAILURE', error: { code: 'X', message: 'x' } })).toBe(
      false,
    );
    expect(await tasks.findOne({ _id: late.id })).toMatchObject({
      status: 'SUCCESS',
      attempts: settled.attempts,
      worker: second.id,
      resultJson: settled.resultJson,
    });
    expect(await stopWorker(second)).toBe(0);
  });

  it('loses no accepted task when RabbitMQ restarts during a stream of submissions', async () => {
    const earlier = new Set((await tasks.find({})).map((doc) => doc._id));
    const deadBefore = await queueDepth(brokerUrl, deadQueue);
    // One task at a time, slower than they arrive: a backlog waits in the queue across the restart.
    const worker = await spawnWorker({ concurrency: 1 });
    type Outcome = { n: number; id?: string; error?: unknown };
    const outcomes: Promise<Outcome>[] = [];
    const submit = (n: number) =>
      outcomes.push(
        submitPing({ delay_ms: 200, n }).then(
          (task) => ({ n, id: task.id }),
          (error: unknown) => ({ n, error }),
        ),
      );
    let restart: Promise<string> | undefined;
    let restarted = false;
    try {
      // A burst the broker confirms before going down: these must survive in the durable queue.
      for (let n = 0; n < 10; n++) submit(n);
      const beforeRestart = await Promise.all(outcomes);
      expect(beforeRestart.every((outcome) => outcome.id !== undefined)).toBe(true);
      let backlog = 0;
      await waitFor(
        async () => (backlog = await queueDepth(brokerUrl, taskQueue)) > 0,
        'a backlog in the task queue',
        5_000,
      );
      restart = services('restart-broker').finally(() => (restarted = true));
      // Not to become an unhandled rejection before it is awaited below.
      restart.catch(() => undefined);
      // The stream goes on during the outage; the last five go in once the broker answers again.
      for (let n = 10; n < 40; n++) {
        if (n === 35) await restart;
        submit(n);
        await sleep(150);
      }
      expect(restarted).toBe(true);
      await restart;
      // Each submission resolves or fails within the publisher's timeout (15 s): bounded.
      const results = await Promise.all(outcomes);
      const accepted = results.filter((result) => result.id !== undefined);
      const refused = results.filter((result) => result.id === undefined);
      console.log(
        `broker restart: ${backlog} task(s) queued when it began; ${accepted.length} of 40 submissions accepted, ${refused.length} refused`,
        refused.map(({ n, error }) => `\n  #${n}: ${(error as Error).message}`).join(''),
      );
      // A refusal is the clear 503 of an unavailable broker, nothing else.
      for (const { error } of refused) {
        expect(error).toBeInstanceOf(OmegaError);
        expect(HTTP_STATUS_BY_CODE[(error as OmegaError).code]).toBe(503);
      }
      // Submissions after the restart are accepted: the API's publisher reconnected by itself.
      expect(accepted.filter((result) => result.n >= 35)).toHaveLength(5);

      const ids = accepted.map((result) => result.id as string);
      await waitFor(
        async () => (await tasks.countDocuments({ _id: { $in: ids }, status: 'SUCCESS' })) === ids.length,
        `all ${ids.length} accepted tasks to succeed after the restart`,
        60_000,
        async () =>
          `${JSON.stringify(countBy(await read(ids)))}\n--- task queue depth ${await queueDepth(brokerUrl, taskQueue)}\n--- worker:\n${worker.output()}`,
      );
      // The worker reconnected by itself (it is the only one) and ran every task, the queued ones included.
      const final = new Map((await read(ids)).map((doc) => [doc._id, doc]));
      for (const { n, id } of accepted) {
        const doc = final.get(id as string) as TaskDocument;
        expect(doc).toMatchObject({ status: 'SUCCESS', worker: worker.id });
        expect(doc.error).toBeUndefined();
        expect(JSON.parse(doc.resultJson as string)).toMatchObject({ kwargs: { delay_ms: 200, n } });
      }
      // No record besides those of this stream's submissions: a publish cut off by the restart is sent
      // again with the same id until the broker confirms it, so nothing is both refused and run.
      const strays = await tasks.find({ _id: { $nin: [...earlier, ...ids] } });
      expect(strays.map((doc) => doc.argsSummary?.kwargs?.n)).toEqual([]);
      expect(worker.output()).toContain('Broker connection lost');
      await waitFor(
        async () => (await queueDepth(brokerUrl, taskQueue)) === 0,
        'an empty task queue',
        10_000,
      );
      expect(await queueDepth(brokerUrl, deadQueue)).toBe(deadBefore);
      const { body } = await app.api.get(`/api/v1/task/${ids[ids.length - 1]}/status`).expect(200);
      expect(body).toMatchObject({ status: 'SUCCESS', worker: worker.id });
      // A clean stop after the reconnect: it finishes and exits 0.
      expect(await stopWorker(worker)).toBe(0);
    } finally {
      await restart?.catch(() => undefined);
      if (!(await brokerAnswers(brokerUrl))) await services('restart-broker');
    }
  });

  it('runs a task once when RabbitMQ restarts while its worker is running it', async () => {
    const worker = await spawnWorker({ concurrency: 2 });
    const task = await submitPing({ delay_ms: 6000 });
    const record = async () => (await tasks.findOne({ _id: task.id })) as TaskDocument;
    try {
      await waitFor(async () => (await runningOn(worker.id)).includes(task.id), 'the task to start', 20_000);
      // The broker drops the worker's channel: the unacknowledged task goes back to the queue and comes
      // to the reconnected worker again while the first run goes on.
      await services('restart-broker');
      await waitFor(
        async () => (await record()).status === 'SUCCESS',
        'the task to succeed',
        60_000,
        async () => `${JSON.stringify(await record())}\n${worker.output()}`,
      );
      await waitFor(
        async () => (await queueDepth(brokerUrl, taskQueue)) === 0,
        'the redelivered copy to be acknowledged',
        20_000,
      );
      // One run and one write, by the worker that started it; the redelivery was answered by that run.
      expect(await record()).toMatchObject({ status: 'SUCCESS', attempts: 1, worker: worker.id });
      expect(worker.output()).toContain('Broker connection lost');
      expect(await stopWorker(worker)).toBe(0);
    } finally {
      if (!(await brokerAnswers(brokerUrl))) await services('restart-broker');
    }
  });

  it('dead-letters a task that kills every worker running it, with a POISON failure', async () => {
    const deadBefore = await queueDepth(brokerUrl, deadQueue);
    // Two deliveries allowed: the third claim finds a task that ended its worker twice.
    const env = { OMEGA_TASK_MAX_ATTEMPTS: '2' };
    const task = await submitPing({ delay_ms: 5000 });
    const record = async () => (await tasks.findOne({ _id: task.id })) as TaskDocument;

    for (const attempt of [1, 2]) {
      const victim = await spawnWorker({ env });
      await waitFor(
        async () => {
          // The first delivery runs without a claim: its worker's heartbeat shows it. The redelivery
          // claims the task, counting the first delivery too.
          if (attempt === 1) return (await runningOn(victim.id)).includes(task.id);
          const doc = await record();
          return doc?.status === 'STARTED' && doc.attempts === attempt && doc.worker === victim.id;
        },
        `delivery ${attempt} to start on ${victim.id}`,
        20_000,
        async () => JSON.stringify(await record()),
      );
      await killWorker(victim);
    }

    const judge = await spawnWorker({ env });
    await waitFor(
      async () => (await record()).status === 'FAILURE',
      'the poison task to fail',
      20_000,
      async () => `${JSON.stringify(await record())}\n${judge.output()}`,
    );
    const doc = await record();
    expect(doc).toMatchObject({ status: 'FAILURE', attempts: 3, worker: judge.id });
    expect(doc.error).toEqual({
      code: 'POISON',
      message: 'Gave up after 2 deliveries: the task ended its worker each time',
    });
    expect(doc.resultJson).toBeUndefined();
    const { body } = await app.api.get(`/api/v1/task/${task.id}/status`).expect(200);
    expect(body).toMatchObject({ task_id: task.id, status: 'FAILURE', attempts: 3 });

    // The message itself moved to the dead-letter queue, rejected from the task queue.
    await waitFor(
      async () => (await queueDepth(brokerUrl, deadQueue)) === deadBefore + 1,
      'one more dead letter',
      10_000,
    );
    expect(await queueDepth(brokerUrl, taskQueue)).toBe(0);
    const connection = await connect(brokerUrl);
    try {
      const channel = await connection.createChannel();
      const letters = [];
      for (let i = 0; i <= deadBefore; i++) {
        const message = await channel.get(deadQueue, { noAck: false });
        if (message) letters.push(message);
      }
      const letter = letters.find((message) => JSON.parse(message.content.toString()).data?.id === task.id);
      expect(letter).toBeDefined();
      expect(letter?.properties.headers?.['x-death']?.[0]).toMatchObject({
        reason: 'rejected',
        queue: taskQueue,
      });
    } finally {
      // Unacknowledged gets go back to the dead-letter queue.
      await connection.close();
    }
    expect(judge.output()).toContain(`Task ${task.id} (runtime.ping) is poison; dead-lettered`);
    expect(await stopWorker(judge)).toBe(0);
  });
});
