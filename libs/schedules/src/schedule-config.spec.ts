import { ConfigValidationError, loadConfig } from '@omega/core';

describe('schedule settings in the environment', () => {
  it('default to a 15 s tick and catching up once', () => {
    expect(loadConfig({})).toMatchObject({ scheduleTickSeconds: 15, scheduleCatchUp: 'once' });
  });

  it('are read from OMEGA_SCHEDULE_TICK_SECONDS and OMEGA_SCHEDULE_CATCH_UP', () => {
    const config = loadConfig({ OMEGA_SCHEDULE_TICK_SECONDS: '60', OMEGA_SCHEDULE_CATCH_UP: 'skip' });
    expect(config).toMatchObject({ scheduleTickSeconds: 60, scheduleCatchUp: 'skip' });
  });

  it('name every bad value', () => {
    const load = () => loadConfig({ OMEGA_SCHEDULE_TICK_SECONDS: '0', OMEGA_SCHEDULE_CATCH_UP: 'always' });
    expect(load).toThrow(ConfigValidationError);
    expect(load).toThrow(/OMEGA_SCHEDULE_TICK_SECONDS="0".*\n.*OMEGA_SCHEDULE_CATCH_UP="always"/);
  });
});
