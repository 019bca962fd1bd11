import { summariseArgs } from './args-summary';
import { decodeTask } from './task-message';

const valid = {
  id: '0f0e0d0c-0000-4000-8000-000000000001',
  tenant: 'default',
  bucket: 'default',
  action: 'model.predict',
  object: 'iris',
  args: [{ data: [[1, 2]] }],
  kwargs: {},
  label: 'default',
  trace: { submitted: '2026-01-01T00:00:00.000Z' },
};

describe('task messages from the broker', () => {
  it('accepts a well-formed task with its tenant context', () => {
    const decoded = decodeTask(valid);
    expect(decoded.ok).toBe(true);
    expect(decoded.ctx).toMatchObject({ tenant: 'default', bucket: 'default', qualifier: 'default' });
  });

  it.each([
    [null, 'not an object', false],
    ['text', 'not an object', false],
    [{ ...valid, id: 'x' }, 'id', false],
    [{ ...valid, tenant: 'Bad Tenant' }, 'tenant', false],
    [{ ...valid, bucket: '../x' }, 'bucket', false],
    [{ ...valid, qualifier: 'Dev/x' }, 'qualifier', false],
    [{ ...valid, action: '$where' }, 'action', true],
    [{ ...valid, args: 'x' }, 'args', true],
    [{ ...valid, kwargs: [] }, 'kwargs', true],
    [{ ...valid, trace: undefined }, 'trace', true],
  ])('refuses %j naming %s', (data, reason, identified) => {
    const decoded = decodeTask(data);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.reason).toContain(reason);
    // Only a task whose id and tenant are usable can have its failure recorded.
    expect(decoded.ctx !== undefined).toBe(identified);
  });

  it('summarises arguments without bulk data and with safe keys', () => {
    expect(
      summariseArgs([{ data: [[1], [2], [3]] }, 'iris_y', [1, 2]], { $where: 'x', 'a.b': 1, n: 3 }),
    ).toEqual({
      args: [{ rows: 3 }, 'iris_y', { items: 2 }],
      kwargs: { '~swhere': 'x', 'a~db': 1, n: 3 },
    });
    expect(summariseArgs('oops', null)).toEqual({ args: 'oops', kwargs: null });
  });
});
