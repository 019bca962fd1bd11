import { HEARTBEAT_INTERVAL_MS } from '@omega/runtime';
import { pollUntil } from './support/poll';
import type { TestApp, TestPrincipal } from './support/test-app';
import { agentFor, startTestApp } from './support/test-app';
import { ManagerProcess, startManager, TS_NODE, waitFor } from './cloud-manager-process';

/**
 * `/api/v1/cloud/…` end to end with the local driver: the real API, the real cloud manager process
 * (apps/manager) starting and stopping real worker processes on this machine, RabbitMQ and the
 * MongoDB-wire server. Pools scale while synchronous tasks keep flowing, and none is lost.
 */

const STEP_MS = 240_000;
/** How old a worker's last heartbeat may be for it to count as alive (three missed reports). */
const ALIVE_WINDOW_MS = 3 * HEARTBEAT_INTERVAL_MS;

interface PoolAnswer {
  pool: {
    label: string;
    replicas: number;
    generation: number;
    applied?: { generation: number; running: number; ready: number; driver: string; error?: string };
  };
  state: 'done' | 'pending' | 'failed';
}

interface LiveWorker {
  id: string;
  labels: string[];
  concurrency: number;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the cloud manager with the local driver', () => {
  let t: TestApp;
  let manager: ManagerProcess;
  let member: TestPrincipal;
  let otherAdmin: TestPrincipal;

  beforeAll(async () => {
    t = await startTestApp({ broker: true });
    member = await t.createPrincipal({ role: 'member' });
    // An admin of another tenant, not a platform admin.
    otherAdmin = await t.createPrincipal({ tenant: 'other', role: 'admin' });
    manager = await startManager(t.config, {
      OMEGA_CLOUD_DRIVER: 'local',
      OMEGA_CLOUD_WORKER_COMMAND: JSON.stringify([process.execPath, ...TS_NODE, 'apps/worker/src/main.ts']),
      OMEGA_WORKER_CONCURRENCY: '2',
    });
  }, STEP_MS);

  afterAll(async () => {
    const ended = await manager?.stop();
    expect(ended).toEqual({ code: null, signal: 'SIGTERM' });
    // The manager drained the workers it started before it went: none is left behind.
    const started = [...(manager?.output() ?? '').matchAll(/started worker (\d+) for/g)].map((m) =>
      Number(m[1]),
    );
    expect(started.length).toBeGreaterThanOrEqual(4);
    expect(started.filter((pid) => isRunning(pid))).toEqual([]);
    await t?.close();
  }, STEP_MS);

  const liveWorkers = async (): Promise<LiveWorker[]> =>
    ((await t.api.get('/api/v1/runtime/workers').expect(200)).body as { workers: LiveWorker[] }).workers;

  const pool = async (label: string): Promise<PoolAnswer | undefined> => {
    const { body } = await t.api.get('/api/v1/cloud/workers').expect(200);
    return (body as { pools: PoolAnswer[] }).pools.find((p) => p.pool.label === label);
  };

  it(
    'adds a pool, then scales it 1 → 3 → 1 while tasks keep flowing, and none is lost',
    async () => {
      const added = await t.api.post('/api/v1/cloud/workers?wait=0').send({ label: 'default', replicas: 1 });
      expect(added.status).toBe(202);
      expect(added.body).toMatchObject({
        pool: { label: 'default', replicas: 1, generation: 1 },
        state: 'pending',
      });
      await waitFor(async () => (await pool('default'))?.state === 'done', 'the first worker', STEP_MS);
      expect(await liveWorkers()).toHaveLength(1);

      // Synchronous pings from four callers for the whole test, each holding a worker for 200 ms.
      const answers: number[] = [];
      let pinging = true;
      const callers = Array.from({ length: 4 }, async () => {
        while (pinging) {
          const response = await t.api.get('/api/v1/runtime/ping?delay_ms=200');
          answers.push(response.status);
        }
      });
      const answered = (n: number) => waitFor(async () => answers.length >= n, `${n} answers`, STEP_MS);
      await answered(8);

      const up = await t.api
        .put(`/api/v1/cloud/workers/default?wait=${STEP_MS / 1000 - 10}`)
        .send({ replicas: 3 });
      expect(up.status).toBe(200);
      expect(up.body).toMatchObject({ state: 'done', pool: { replicas: 3, generation: 2 } });
      expect(up.body.pool.applied).toMatchObject({ generation: 2, running: 3, ready: 3, driver: 'local' });
      await waitFor(async () => (await liveWorkers()).length === 3, 'three live workers', 30_000);
      const before = answers.length;
      await answered(before + 20);

      const down = await t.api
        .put(`/api/v1/cloud/workers/default?wait=${STEP_MS / 1000 - 10}`)
        .send({ replicas: 1 });
      expect(down.status).toBe(200);
      expect(down.body).toMatchObject({ state: 'done', pool: { replicas: 1, generation: 3 } });
      expect(down.body.pool.applied).toMatchObject({ generation: 3, running: 1 });
      await waitFor(async () => (await liveWorkers()).length === 1, 'one live worker', 60_000);
      const after = answers.length;
      await answered(after + 8);

      pinging = false;
      await Promise.all(callers);
      expect(answers.length).toBeGreaterThan(36);
      expect(answers.filter((status) => status !== 200)).toEqual([]);
      expect(manager.output()).toMatch(/draining worker \d+ of default/);
    },
    3 * STEP_MS,
  );

  it('shows the services, workers with heartbeats, queue depths, managers and tenants', async () => {
    // The contract: the status lists the workers alive when it is read, those whose last heartbeat is at
    // most ALIVE_WINDOW_MS old then. A heartbeat late on a loaded machine drops a worker for a moment, so
    // the read is repeated until it lists one; the window is checked against the time the read was asked
    // for, which is before the server's read, so no delay in answering can make it fail.
    let asked = 0;
    const status = async () => {
      asked = Date.now();
      return (await t.api.get('/api/v1/cloud/status').expect(200)).body;
    };
    const defaultWorkers = (read: { labels: { label: string; workers: unknown[] }[] }) =>
      read.labels.find((l) => l.label === 'default')?.workers ?? [];
    const body = await pollUntil(status, (read) => defaultWorkers(read).length > 0);
    const answered = Date.now();
    expect(body.services).toMatchObject({
      mongodb: { status: 'up' },
      broker: { status: 'up' },
      accounts: { status: 'up' },
    });
    const label = body.labels.find((l: { label: string }) => l.label === 'default');
    expect(label.queued).toBe(0);
    expect(label.workers).toHaveLength(1);
    const seen = new Date(label.workers[0].seen).getTime();
    expect(seen).toBeGreaterThanOrEqual(asked - ALIVE_WINDOW_MS);
    expect(seen).toBeLessThanOrEqual(answered);
    expect(label.workers[0].processed).toBeGreaterThanOrEqual(0);
    expect(label.pool).toMatchObject({ pool: { replicas: 1 }, state: 'done' });
    expect(body.managers).toEqual([expect.objectContaining({ driver: 'local', leader: true })]);
    expect(body.tenants.total).toBeGreaterThanOrEqual(2);
    expect(body.tenants.names).toEqual(expect.arrayContaining(['default', 'other']));
  });

  it(
    'changes a live setting: the manager replaces its worker with one of the new concurrency',
    async () => {
      const { body: listed } = await t.api.get('/api/v1/cloud/config').expect(200);
      expect(listed.settings.map((s: { name: string }) => s.name).sort()).toEqual([
        'workers.concurrency',
        'workers.maxReplicas',
      ]);
      expect(listed.settings.find((s: { name: string }) => s.name === 'workers.concurrency')).toMatchObject({
        source: 'default',
        value: t.config.workerConcurrency,
      });
      const set = await t.api.put('/api/v1/cloud/config/workers.concurrency').send({ value: 3 }).expect(200);
      expect(set.body).toMatchObject({
        name: 'workers.concurrency',
        value: 3,
        source: 'set',
        setBy: 'admin',
      });
      await waitFor(
        async () => {
          const workers = await liveWorkers();
          return workers.length === 1 && workers[0].concurrency === 3;
        },
        'a worker of concurrency 3 in place of the old one',
        STEP_MS,
      );
      await t.api.get('/api/v1/runtime/ping').expect(200);
    },
    2 * STEP_MS,
  );

  it('refuses bad input with a 4xx and changes nothing', async () => {
    const generation = (await pool('default'))!.pool.generation;
    for (const body of [
      { replicas: -1 },
      { replicas: 'three' },
      { replicas: 1, extra: true },
      {},
      { replicas: 21 },
    ]) {
      const response = await t.api.put('/api/v1/cloud/workers/default?wait=0').send(body);
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
    }
    await t.api.put('/api/v1/cloud/workers/Bad!?wait=0').send({ replicas: 1 }).expect(400);
    await t.api.put('/api/v1/cloud/workers/nosuchpool?wait=0').send({ replicas: 1 }).expect(404);
    await t.api.put('/api/v1/cloud/workers/default?wait=9999').send({ replicas: 1 }).expect(400);
    const duplicate = await t.api.post('/api/v1/cloud/workers?wait=0').send({ label: 'default' }).expect(409);
    expect(duplicate.body.code).toBe('ALREADY_EXISTS');
    expect((await pool('default'))!.pool.generation).toBe(generation);

    // A lower cap refuses what it used to allow; a setting out of its range is refused and not stored.
    await t.api.put('/api/v1/cloud/config/workers.maxReplicas').send({ value: 2 }).expect(200);
    const capped = await t.api.put('/api/v1/cloud/workers/default?wait=0').send({ replicas: 3 }).expect(400);
    expect(capped.body.message).toContain('workers.maxReplicas');
    await t.api.put('/api/v1/cloud/config/workers.maxReplicas').send({ value: 0 }).expect(400);
    await t.api.put('/api/v1/cloud/config/workers.maxReplicas').send({ value: '2x' }).expect(400);
    await t.api.put('/api/v1/cloud/config/no.such.setting').send({ value: 1 }).expect(400);
    const kept = await t.api.get('/api/v1/cloud/config/workers.maxReplicas').expect(200);
    expect(kept.body).toMatchObject({ value: 2, source: 'set' });
    await t.api.put('/api/v1/cloud/config/workers.maxReplicas').send({ value: 20 }).expect(200);
    expect((await pool('default'))!.pool.generation).toBe(generation);
  });

  it('adds, disables, enables and removes a tenant (removal needs the name again)', async () => {
    const made = await t.api
      .post('/api/v1/cloud/tenants')
      .send({ name: 'acme', admin: 'acme_admin', password: 'a long enough password' })
      .expect(201);
    expect(made.body).toMatchObject({
      tenant: { name: 'acme', disabled: false },
      database: `${t.config.mongoDbPrefix}_acme`,
      admin: { userid: 'acme_admin', created: true },
    });
    const acme = agentFor(t.url, { Authorization: `ApiKey acme_admin:${made.body.apikey}` });
    await acme
      .put('/api/v1/dataset/sales')
      .send({ data: [{ a: 1 }, { a: 2 }] })
      .expect(200);
    const indexes = await t.databases.client().db(made.body.database).collection('metadata').indexes();
    expect(indexes.length).toBeGreaterThan(1);

    // Refused before anything is made.
    await t.api.post('/api/v1/cloud/tenants').send({ name: 'Bad Name', admin: 'x' }).expect(400);
    await t.api.post('/api/v1/cloud/tenants').send({ name: 'acme', admin: 'someone_else' }).expect(409);
    await t.api
      .post('/api/v1/cloud/tenants')
      .send({ name: 'shortpw', admin: 'newbie', password: 'short' })
      .expect(400);
    expect((await t.api.get('/api/v1/cloud/status').expect(200)).body.tenants.names).not.toContain('shortpw');

    await t.api.post('/api/v1/cloud/tenants/acme/disable').expect(200);
    await acme.get('/api/v1/dataset/').expect(401);
    await t.api.post('/api/v1/cloud/tenants/acme/enable').expect(200);
    await acme.get('/api/v1/dataset/').expect(200);

    await t.api.post('/api/v1/cloud/tenants/acme/remove').send({}).expect(400);
    await t.api.post('/api/v1/cloud/tenants/acme/remove').send({ confirm: 'acm' }).expect(400);
    await acme.get('/api/v1/dataset/sales').expect(200);
    await t.api.post('/api/v1/cloud/tenants/default/remove').send({ confirm: 'default' }).expect(409);

    const removed = await t.api
      .post('/api/v1/cloud/tenants/acme/remove')
      .send({ confirm: 'acme' })
      .expect(200);
    expect(removed.body).toEqual({
      tenant: 'acme',
      databasesDropped: [made.body.database],
      keysRevoked: 1,
      membershipsRemoved: 1,
    });
    await acme.get('/api/v1/dataset/').expect(401);
    const { databases } = await t.databases.client().db('admin').admin().listDatabases({ nameOnly: true });
    expect(databases.map((db) => db.name)).not.toContain(made.body.database);
    await t.api.post('/api/v1/cloud/tenants/nosuch/remove').send({ confirm: 'nosuch' }).expect(404);
  });

  it('is for platform admins only: members and other tenants’ admins are refused and change nothing', async () => {
    const generation = (await pool('default'))!.pool.generation;
    for (const who of [member, otherAdmin]) {
      await who.api.get('/api/v1/cloud/status').expect(403);
      await who.api.get('/api/v1/cloud/workers').expect(403);
      await who.api.put('/api/v1/cloud/workers/default?wait=0').send({ replicas: 5 }).expect(403);
      await who.api.post('/api/v1/cloud/workers?wait=0').send({ label: 'gpu' }).expect(403);
      await who.api.post('/api/v1/cloud/tenants').send({ name: 'sneaky', admin: who.userid }).expect(403);
      await who.api.post(`/api/v1/cloud/tenants/${t.config.adminTenant}/disable`).expect(403);
      await who.api.post('/api/v1/cloud/tenants/other/remove').send({ confirm: 'other' }).expect(403);
      await who.api.put('/api/v1/cloud/config/workers.maxReplicas').send({ value: 1 }).expect(403);
      await who.api.get('/api/v1/cloud/config').expect(403);
    }
    await agentFor(t.url, { Authorization: 'ApiKey admin:wrong-key-wrong-key-wrong-key-00' })
      .get('/api/v1/cloud/status')
      .expect(401);
    expect((await pool('default'))!.pool.generation).toBe(generation);
    expect(await pool('gpu')).toBeUndefined();
    await otherAdmin.api.get('/api/v1/dataset/').expect(200);
    const config = await t.api.get('/api/v1/cloud/config/workers.maxReplicas').expect(200);
    expect(config.body.value).toBe(20);
  });

  it('audits every command with who asked and how it ended', async () => {
    const trail = async (action: string) =>
      (await t.api.get(`/api/v1/admin/audit?action=${action}&limit=100`).expect(200)).body as {
        actor: string;
        outcome: string;
        object: string | null;
      }[];
    const scaled = await trail('cloud.workers.scale');
    expect(
      scaled.filter((e) => e.outcome === 'success' && e.actor === 'admin').length,
    ).toBeGreaterThanOrEqual(2);
    expect(scaled.some((e) => e.outcome === 'failure' && e.object === 'nosuchpool')).toBe(true);
    expect((await trail('cloud.workers.add_label')).some((e) => e.outcome === 'success')).toBe(true);
    expect(
      (await trail('cloud.tenants.add')).some((e) => e.object === 'acme' && e.outcome === 'success'),
    ).toBe(true);
    expect((await trail('cloud.tenants.remove')).map((e) => e.outcome)).toEqual(
      expect.arrayContaining(['success', 'failure']),
    );
    expect((await trail('cloud.config.set')).length).toBeGreaterThanOrEqual(3);
    expect((await trail('cloud.status')).length).toBeGreaterThanOrEqual(2);
  });
});
