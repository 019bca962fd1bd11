import { TenantContext } from '@omega/core';
import { TaskMessage, TaskRecord, TaskRecordsRepository } from '@omega/runtime';
import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Task records on the real MongoDB-wire server, written as the runtime writes them: an asynchronous
 * task's record at submission and its outcome in a document of its own, a synchronous call's record whole.
 * Reads put them together: one task, listings by status (with their totals) and pages by cursor.
 */
describe('task records', () => {
  let app: TestApp;
  let records: TaskRecordsRepository;
  const ctx = TenantContext.of('default');
  const base = Date.parse('2030-01-01T00:00:00Z');
  let next = 0;

  /** A task submitted `next` seconds after `base`, so listings have a known order. */
  const task = (action = 'records.test'): TaskMessage => ({
    id: randomUUID(),
    tenant: ctx.tenant,
    bucket: ctx.bucket,
    action,
    args: [],
    kwargs: {},
    label: 'default',
    trace: { submitted: new Date(base + 1000 * next++).toISOString() },
  });

  beforeAll(async () => {
    app = await startTestApp();
    records = app.app.get(TaskRecordsRepository);
  });
  afterAll(() => app?.close());

  it('counts one outcome per task, whichever delivery records first, and shows it with its record', async () => {
    const t = task();
    await records.createPending(ctx, t);
    const started = new Date();
    const [first, second] = await Promise.all([
      records.finishFirst(ctx, t, 'worker-a', started, { status: 'SUCCESS', result: { n: 1 } }),
      records.finishFirst(ctx, t, 'worker-b', started, { status: 'SUCCESS', result: { n: 2 } }),
    ]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    const record = (await records.find(ctx, t.id)) as TaskRecord;
    expect(record).toMatchObject({
      id: t.id,
      action: 'records.test',
      status: 'SUCCESS',
      attempts: 1,
      worker: first ? 'worker-a' : 'worker-b',
      result: { n: first ? 1 : 2 },
    });
    // A late redelivery neither claims the finished task nor replaces its outcome.
    expect((await records.claim(ctx, t, 'worker-c', { maxAttempts: 3, takeOver: true })).kind).toBe(
      'finished',
    );
    expect(await records.finish(ctx, t, { status: 'FAILURE', error: { code: 'X', message: 'late' } })).toBe(
      false,
    );
    await records.failUnrun(ctx, t, { code: 'POISON', message: 'late' });
    expect(await records.find(ctx, t.id)).toMatchObject({ status: 'SUCCESS', result: { n: first ? 1 : 2 } });
  });

  it('keeps the claim of a redelivery: its worker, start and attempts, with its outcome', async () => {
    const t = task();
    await records.createPending(ctx, t);
    const claim = await records.claim(ctx, t, 'worker-r', { maxAttempts: 3, takeOver: true });
    expect(claim.kind).toBe('run');
    expect(await records.finish(ctx, t, { status: 'SUCCESS', result: 7 }, claim.record.started)).toBe(true);
    // The first delivery, finishing late, does not count.
    expect(await records.finishFirst(ctx, t, 'worker-a', new Date(), { status: 'SUCCESS', result: 1 })).toBe(
      false,
    );
    expect(await records.find(ctx, t.id)).toMatchObject({
      status: 'SUCCESS',
      result: 7,
      worker: 'worker-r',
      attempts: 2,
    });
  });

  it('lists every state with exact totals and pages, finished records and outcomes merged', async () => {
    const action = `records.list.${randomUUID()}`;
    const made: Record<string, string[]> = { PENDING: [], STARTED: [], SUCCESS: [], FAILURE: [] };
    // Interleaved, so every page mixes records with outcomes and records without.
    for (let i = 0; i < 12; i++) {
      const t = task(action);
      switch (i % 4) {
        case 0: // still pending
          await records.createPending(ctx, t);
          made.PENDING.push(t.id);
          break;
        case 1: // claimed by a redelivery, running
          await records.createPending(ctx, t);
          await records.claim(ctx, t, 'worker-r', { maxAttempts: 3, takeOver: true });
          made.STARTED.push(t.id);
          break;
        case 2: // an asynchronous task's outcome
          await records.createPending(ctx, t);
          await records.finishFirst(ctx, t, 'worker-a', new Date(), { status: 'SUCCESS', result: i });
          made.SUCCESS.push(t.id);
          break;
        default: {
          // a synchronous call's whole record, and an asynchronous failure
          const finished = new Date();
          if (i % 8 === 3) {
            await records.insertFinished(ctx, [
              {
                task: t,
                worker: 'worker-s',
                started: finished,
                outcome: { status: 'FAILURE', error: { code: 'E', message: 'e' }, finished },
              },
            ]);
          } else {
            await records.createPending(ctx, t);
            await records.finishFirst(ctx, t, 'worker-a', finished, {
              status: 'FAILURE',
              error: { code: 'E', message: 'e' },
            });
          }
          made.FAILURE.push(t.id);
        }
      }
    }
    const newestFirst = (ids: string[]) => [...ids].reverse();
    const all = await records.list(ctx, { action });
    expect(all.total).toBe(12);
    const shown = new Map(all.items.map((record) => [record.id, record.status]));
    for (const [status, ids] of Object.entries(made))
      for (const id of ids) expect(shown.get(id)).toBe(status);

    for (const [status, ids] of Object.entries(made)) {
      const listing = await records.list(ctx, { action, status: status as TaskRecord['status'] });
      expect({ status, total: listing.total }).toEqual({ status, total: ids.length });
      expect(listing.items.map((record) => record.id)).toEqual(newestFirst(ids));
      // Page by page, two at a time, by cursor and by offset: the same tasks in the same order.
      const byCursor: string[] = [];
      let before: { submitted: Date; id: string } | undefined;
      for (;;) {
        const page = await records.list(ctx, {
          action,
          status: status as TaskRecord['status'],
          before,
          limit: 2,
        });
        byCursor.push(...page.items.map((record) => record.id));
        if (page.items.length < 2) break;
        const last = page.items[page.items.length - 1];
        before = { submitted: last.submitted, id: last.id };
      }
      expect(byCursor).toEqual(newestFirst(ids));
      const second = await records.list(ctx, {
        action,
        status: status as TaskRecord['status'],
        skip: 1,
        limit: 1,
      });
      expect(second.items.map((record) => record.id)).toEqual(newestFirst(ids).slice(1, 2));
    }
  });
});
