import type { Db, Document, Filter } from 'mongodb';

/** A query on task documents (ids are strings). */
type TaskFilter = Record<string, unknown>;

/**
 * Task records as the tests inspect them: the record of each task (`omega_tasks`) with the outcome of an
 * asynchronous task (`omega_task_outcomes`) laid over it, as TaskRecordsRepository reads them, but with
 * the stored fields (`resultJson`) rather than the decoded record. Filters apply to the merged document:
 * `status` is matched after the merge, every other condition on the record.
 */
export interface StoredTasks<T extends Document> {
  find(filter?: TaskFilter): Promise<T[]>;
  findOne(filter: TaskFilter): Promise<T | null>;
  countDocuments(filter?: TaskFilter): Promise<number>;
}

export function storedTasks<T extends Document>(db: () => Db): StoredTasks<T> {
  const find = async (filter: TaskFilter = {}): Promise<T[]> => {
    const { status, ...onRecord } = filter;
    const records = await db()
      .collection('omega_tasks')
      .find(onRecord as Filter<Document>)
      .toArray();
    const outcomes = records.length
      ? await db()
          .collection('omega_task_outcomes')
          .find({ _id: { $in: records.map((record) => record._id) } } as Filter<Document>)
          .toArray()
      : [];
    const byId = new Map(outcomes.map((outcome) => [String(outcome._id), outcome]));
    const merged: Document[] = records.map((record) => {
      const outcome = byId.get(String(record._id));
      if (!outcome) return record;
      const { settled: _settled, ...fields } = outcome;
      return { ...record, ...fields };
    });
    return merged.filter((document) => status === undefined || document.status === status) as T[];
  };
  return {
    find,
    findOne: async (filter) => (await find(filter))[0] ?? null,
    countDocuments: async (filter) => (await find(filter)).length,
  };
}
