import { ChangeEvents, MetadataRecord, TenantContext } from '@omega/core';
import {
  ANSWER_MAX_BYTES,
  answerKey,
  DATASETS_TOPIC,
  DatasetCache,
  datasetKey,
  KeptAnswer,
} from './dataset-cache';

const ctx = TenantContext.of('acme');

function answerOf(text: string): KeptAnswer {
  return { mediaType: 'application/json; charset=utf-8', body: Buffer.from(text) };
}

function metaOf(name: string): MetadataRecord {
  return { name, kind: 'table.parquet', kindMeta: { rows: 3 } } as unknown as MetadataRecord;
}

describe('DatasetCache answers', () => {
  it('keeps an answer by version, rows, format and options, and not one past the per-answer cap', () => {
    const cache = new DatasetCache(new ChangeEvents());
    const key = answerKey(ctx, 'parts_1', 3, 'json', { orient: 'records' });
    cache.keepAnswer(ctx, 'parts_1', key, answerOf('[1]'));
    expect(cache.answer(key)?.body.toString()).toBe('[1]');
    // Another row count (an append), another tenant, other options: another answer.
    expect(cache.answer(answerKey(ctx, 'parts_1', 4, 'json', { orient: 'records' }))).toBeUndefined();
    expect(
      cache.answer(answerKey(TenantContext.of('other'), 'parts_1', 3, 'json', { orient: 'records' })),
    ).toBeUndefined();
    expect(cache.answer(answerKey(ctx, 'parts_1', 3, 'json', { orient: 'dict' }))).toBeUndefined();
    const large = answerKey(ctx, 'parts_1', 3, 'json', {});
    cache.keepAnswer(ctx, 'parts_1', large, answerOf('x'.repeat(ANSWER_MAX_BYTES + 1)));
    expect(cache.answer(large)).toBeUndefined();
  });

  it("drops a version's answers when the version is released, and only those", () => {
    const cache = new DatasetCache(new ChangeEvents());
    const gone = answerKey(ctx, 'parts_1', 3, 'json', {});
    const kept = answerKey(ctx, 'parts_2', 3, 'json', {});
    cache.keepAnswer(ctx, 'parts_1', gone, answerOf('[1]'));
    cache.keepAnswer(ctx, 'parts_2', kept, answerOf('[2]'));
    cache.forgetParts(ctx, 'parts_1');
    expect(cache.answer(gone)).toBeUndefined();
    expect(cache.answer(kept)?.body.toString()).toBe('[2]');
  });

  it("releases a version's answers without a walk over the other versions' answers", () => {
    const cache = new DatasetCache(new ChangeEvents());
    for (let version = 0; version < 2_000; version++)
      for (const limit of [1, 2])
        cache.keepAnswer(
          ctx,
          `parts_${version}`,
          answerKey(ctx, `parts_${version}`, 3, 'json', { limit }),
          answerOf('[1]'),
        );
    expect(cache.answers.size).toBe(4_000);
    // Every way of walking a Map (the kept answers are one), watched while the version is released.
    const walks = (['keys', 'values', 'entries', 'forEach', Symbol.iterator] as const).map((method) =>
      jest.spyOn(Map.prototype, method),
    );
    const deletes = jest.spyOn(cache.answers, 'delete');
    try {
      cache.forgetParts(ctx, 'parts_7');
      expect(walks.map((walk) => walk.mock.calls.length)).toEqual([0, 0, 0, 0, 0]);
      expect(deletes.mock.calls.map(([key]) => key).sort()).toEqual([
        answerKey(ctx, 'parts_7', 3, 'json', { limit: 1 }),
        answerKey(ctx, 'parts_7', 3, 'json', { limit: 2 }),
      ]);
    } finally {
      for (const walk of walks) walk.mockRestore();
    }
    expect(cache.answers.size).toBe(3_998);
    expect(cache.answer(answerKey(ctx, 'parts_7', 3, 'json', { limit: 1 }))).toBeUndefined();
    expect(cache.answer(answerKey(ctx, 'parts_8', 3, 'json', { limit: 1 }))?.body.toString()).toBe('[1]');
  });

  it('calls a version settled only while it holds its part list for those rows', async () => {
    const cache = new DatasetCache(new ChangeEvents());
    expect(cache.settled(ctx, 'parts_1', 3)).toBe(false);
    // Parts that do not add up to the rows (an append being written) are used once, not kept.
    await cache.parts(ctx, 'parts_1', 3, async () => [{ rows: 2 }]);
    expect(cache.settled(ctx, 'parts_1', 3)).toBe(false);
    await cache.parts(ctx, 'parts_1', 3, async () => [{ rows: 2 }, { rows: 1 }]);
    expect(cache.settled(ctx, 'parts_1', 3)).toBe(true);
    expect(cache.settled(ctx, 'parts_1', 4)).toBe(false);
  });
});

describe('DatasetCache metadata', () => {
  it('answers a copy, or the entry itself when shared, until an event names the dataset', async () => {
    const events = new ChangeEvents();
    const cache = new DatasetCache(events);
    let reads = 0;
    const read = async () => {
      reads += 1;
      return metaOf('t');
    };
    const first = await cache.metadata(ctx, 't', read);
    first.name = 'changed by a caller';
    const shared = await cache.metadata(ctx, 't', read, { shared: true });
    expect(shared.name).toBe('t');
    expect(await cache.metadata(ctx, 't', read, { shared: true })).toBe(shared);
    expect(await cache.metadata(ctx, 't', read)).not.toBe(shared);
    expect(reads).toBe(1);
    await events.publish({ topic: DATASETS_TOPIC, key: datasetKey(ctx, 't') });
    await cache.metadata(ctx, 't', read, { shared: true });
    expect(reads).toBe(2);
  });
});
