import { TenantContext } from '@omega/core';
import { TaskMessage, TaskRecordsPruner, TaskRecordsRepository, TaskRetentionModule } from '@omega/runtime';
import type { Document } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from './support/test-app';

const HOUR = 60 * 60 * 1000;

/**
 * Task retention on the real MongoDB-wire server: a pass deletes, in every tenant database of the
 * deployment, the finished tasks that finished longer ago than OMEGA_TASK_RETENTION_HOURS (default 168),
 * asynchronous ones (outcome and record) and synchronous ones (finished record), and nothing of a task that
 * has no outcome, however old.
 */
describe('task retention', () => {
  let app: TestApp;
  let pruner: TaskRecordsPruner;
  let records: TaskRecordsRepository;
  const tenants = [
    TenantContext.of('default'),
    TenantContext.of('retention_b'),
    TenantContext.of('retention_b', 'default', 'dev'),
  ];

  beforeAll(async () => {
    app = await startTestApp({ extra: { imports: [TaskRetentionModule] } });
    pruner = app.app.get(TaskRecordsPruner);
    records = app.app.get(TaskRecordsRepository);
  });
  afterAll(() => app?.close());

  const ago = (hours: number) => new Date(Date.now() - hours * HOUR);
  const described = (id: string, submitted: Date) => ({
    bucket: 'default',
    action: 'retention.test',
    label: 'default',
    argsSummary: {},
    submitted,
    _id: id,
  });

  /**
   * One task of each kind in the tenant's database, stored as TaskRecordsRepository stores them; answers
   * the ids a pass must keep and those it must delete.
   */
  async function storeTasks(ctx: TenantContext): Promise<{ kept: string[]; gone: string[] }> {
    const db = app.databases.db(ctx);
    const id = (name: string) => `${name}-${randomUUID()}`;
    const ids = {
      oldAsync: id('old-async'),
      oldRedelivered: id('old-redelivered'),
      recentAsync: id('recent-async'),
      oldSync: id('old-sync'),
      recentSync: id('recent-sync'),
      oldPending: id('old-pending'),
      oldStarted: id('old-started'),
      orphanOutcome: id('orphan-outcome'),
    };
    const pending = (name: string, submitted: Date, extra: Document = {}) => ({
      ...described(name, submitted),
      status: 'PENDING',
      attempts: 0,
      ...extra,
    });
    const outcome = (name: string, finished: Date, extra: Document = {}) => ({
      ...described(name, ago(1000)),
      settled: 'PENDING',
      status: 'SUCCESS',
      finished,
      resultJson: '1',
      ...extra,
    });
    const synchronous = (name: string, status: string, finished: Date) =>
      pending(name, ago(1000), { status, attempts: 1, finished, resultJson: '2' });
    const started = { status: 'STARTED', attempts: 2, started: ago(900), worker: 'w' };
    await db
      .collection('omega_tasks')
      .insertMany([
        pending(ids.oldAsync, ago(1000)),
        pending(ids.oldRedelivered, ago(1000), started),
        pending(ids.recentAsync, ago(1000)),
        synchronous(ids.oldSync, 'SUCCESS', ago(169)),
        synchronous(ids.recentSync, 'FAILURE', ago(167)),
        pending(ids.oldPending, ago(10_000)),
        pending(ids.oldStarted, ago(10_000), { ...started, started: ago(10_000) }),
      ] as Document[]);
    await db.collection('omega_task_outcomes').insertMany([
      outcome(ids.oldAsync, ago(200)),
      outcome(ids.oldRedelivered, ago(169), {
        settled: 'STARTED',
        status: 'FAILURE',
        error: { code: 'X', message: 'x' },
      }),
      outcome(ids.recentAsync, ago(167)),
      outcome(ids.orphanOutcome, ago(500)),
    ] as Document[]);
    // A task recorded by the runtime itself, finished just now.
    const live: TaskMessage = {
      id: id('live'),
      tenant: ctx.tenant,
      bucket: ctx.bucket,
      qualifier: ctx.qualifier,
      action: 'retention.test',
      args: [],
      kwargs: {},
      label: 'default',
      trace: { submitted: new Date().toISOString() },
    };
    await records.createPending(ctx, live);
    expect(await records.finishFirst(ctx, live, 'w', new Date(), { status: 'SUCCESS', result: 3 })).toBe(
      true,
    );
    return {
      kept: [ids.recentAsync, ids.recentSync, ids.oldPending, ids.oldStarted, live.id],
      gone: [ids.oldAsync, ids.oldRedelivered, ids.oldSync, ids.orphanOutcome],
    };
  }

  async function storedIds(ctx: TenantContext, collection: string): Promise<string[]> {
    const documents = await app.databases.db(ctx).collection(collection).find({}).toArray();
    return documents.map((document) => String(document._id)).sort();
  }

  it('deletes the tasks finished before the retention in every tenant, and nothing of unfinished ones', async () => {
    const stored = [];
    for (const ctx of tenants) stored.push(await storeTasks(ctx));
    const report = await pruner.prune();
    expect(report).toMatchObject({ outcomes: 3 * tenants.length, records: tenants.length, failed: 0 });
    expect(report.databases).toBeGreaterThanOrEqual(tenants.length);
    expect(report.cutoff?.getTime()).toBeLessThanOrEqual(Date.now() - 168 * HOUR);
    for (const [index, ctx] of tenants.entries()) {
      const { kept } = stored[index];
      const recordsKept = kept.filter((id) => !id.startsWith('orphan'));
      expect(await storedIds(ctx, 'omega_tasks')).toEqual([...recordsKept].sort());
      const withOutcome = kept.filter((id) => /^(recent-async|live)-/.test(id));
      expect(await storedIds(ctx, 'omega_task_outcomes')).toEqual([...withOutcome].sort());
      // What is kept still reads as before; what went reads as unknown.
      for (const id of kept) expect(await records.find(ctx, id)).not.toBeNull();
      for (const id of stored[index].gone) expect(await records.find(ctx, id)).toBeNull();
    }
    // A second pass finds nothing more to delete.
    expect(await pruner.prune()).toMatchObject({ outcomes: 0, records: 0, failed: 0 });
  });

  it('keeps every task when the retention is 0 hours', async () => {
    const ctx = TenantContext.of('retention_forever');
    const { kept, gone } = await storeTasks(ctx);
    const forever = new TaskRecordsPruner(records, app.databases, { ...app.config, taskRetentionHours: 0 });
    expect(await forever.prune()).toMatchObject({ cutoff: undefined, outcomes: 0, records: 0 });
    expect(await storedIds(ctx, 'omega_tasks')).toEqual(
      [...kept, ...gone].filter((id) => !id.startsWith('orphan')).sort(),
    );
    await pruner.prune();
    expect(await storedIds(ctx, 'omega_tasks')).toHaveLength(kept.length);
  });

  it('deletes in batches, and passes of several processes at once delete each task once', async () => {
    const ctx = TenantContext.of('retention_many');
    const db = app.databases.db(ctx);
    const count = 1500;
    const ids = Array.from({ length: count }, (_, index) => `many-${index}-${randomUUID()}`);
    const submitted = ago(1000);
    await db
      .collection('omega_tasks')
      .insertMany(
        ids.map((id) => ({ ...described(id, submitted), status: 'PENDING', attempts: 0 })) as Document[],
      );
    await db.collection('omega_task_outcomes').insertMany(
      ids.map((id) => ({
        ...described(id, submitted),
        settled: 'PENDING',
        status: 'SUCCESS',
        finished: ago(200),
      })) as Document[],
    );
    const unfinished = `many-pending-${randomUUID()}`;
    await db
      .collection('omega_tasks')
      .insertOne({ ...described(unfinished, submitted), status: 'PENDING', attempts: 0 } as Document);
    const other = new TaskRecordsPruner(records, app.databases, app.config);
    const reports = await Promise.all([pruner.prune(), other.prune()]);
    expect(reports.every((report) => report.failed === 0)).toBe(true);
    expect(reports[0].outcomes + reports[1].outcomes).toBe(count);
    expect(await storedIds(ctx, 'omega_tasks')).toEqual([unfinished]);
    expect(await storedIds(ctx, 'omega_task_outcomes')).toEqual([]);
  });
});
