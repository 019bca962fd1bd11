import { OmegaError, OmegaErrorCode } from '@omega/core';
import { TenantGate } from './tenant-gate';

/** Whether a promise settled by now (after the microtasks queued so far ran). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await Promise.resolve();
  await Promise.resolve();
  return done;
}

describe('TenantGate', () => {
  afterEach(() => jest.useRealTimers());

  it('admits a tenant up to its running share, then lines its tasks up in order', async () => {
    const gate = new TenantGate<string>(2, 10, 60_000);
    expect(gate.enter('a', 't1', 'one').immediate).toBe(true);
    expect(gate.enter('a', 't2', 'two').immediate).toBe(true);
    const third = gate.enter('a', 't3', 'three');
    const fourth = gate.enter('a', 't4', 'four');
    expect(third.immediate).toBe(false);
    expect(await settled(third.admitted)).toBe(false);
    // Another tenant is not behind A's line.
    expect(gate.enter('b', 'u1', 'other').immediate).toBe(true);

    expect(gate.leave('t1')).toBe('one');
    expect(await settled(third.admitted)).toBe(true);
    expect(await settled(fourth.admitted)).toBe(false);
    expect(gate.usage().get('a')).toEqual({ running: 2, waiting: 1 });
  });

  it('refuses one more than the line holds with 429 and a retry time, and forgets idle tenants', () => {
    const gate = new TenantGate<null>(1, 1, 60_000);
    gate.enter('a', 't1', null);
    gate.enter('a', 't2', null);
    let refusal: unknown;
    try {
      gate.enter('a', 't3', null);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(OmegaError);
    expect(refusal).toMatchObject({ code: OmegaErrorCode.RateLimited, retryAfterSeconds: 1 });
    gate.leave('t1');
    gate.leave('t2');
    expect(gate.usage().size).toBe(0);
  });

  it('lets a caller that gave up leave the line, and frees a slot whose task never reports back', async () => {
    jest.useFakeTimers();
    const gate = new TenantGate<null>(1, 5, 1_000);
    gate.enter('a', 't1', null);
    const waiting = gate.enter('a', 't2', null);
    const next = gate.enter('a', 't3', null);
    waiting.cancel();
    expect(gate.usage().get('a')).toEqual({ running: 1, waiting: 1 });
    // t1's notice never comes: its slot is given back after the hold time, to t3.
    jest.advanceTimersByTime(1_000);
    expect(await settled(next.admitted)).toBe(true);
    expect(gate.leave('t1')).toBeUndefined();
  });
});
