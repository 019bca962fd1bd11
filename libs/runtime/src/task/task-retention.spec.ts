import { retentionCutoff, tenantDatabasesOf } from './task-retention';

describe('retentionCutoff', () => {
  const now = new Date('2030-06-15T12:00:00Z');

  it('is the retention before now', () => {
    expect(retentionCutoff(now, 168)).toEqual(new Date('2030-06-08T12:00:00Z'));
    expect(retentionCutoff(now, 1)).toEqual(new Date('2030-06-15T11:00:00Z'));
  });

  it('is absent for 0 hours: finished tasks are kept forever', () => {
    expect(retentionCutoff(now, 0)).toBeUndefined();
  });

  it('refuses a negative or non-finite retention', () => {
    expect(() => retentionCutoff(now, -1)).toThrow(RangeError);
    expect(() => retentionCutoff(now, Number.NaN)).toThrow(RangeError);
  });
});

describe('tenantDatabasesOf', () => {
  it("keeps this prefix's tenant databases, not its runtime database nor another prefix's", () => {
    const names = [
      'omega_default',
      'omega_acme-dev',
      'omega-3f2a',
      'omega__runtime',
      'omegax_default',
      'admin',
      'omega',
    ];
    expect(tenantDatabasesOf(names, 'omega')).toEqual(['omega_default', 'omega_acme-dev', 'omega-3f2a']);
  });
});
