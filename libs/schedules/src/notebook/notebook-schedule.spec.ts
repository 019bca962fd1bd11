import { OmegaError } from '@omega/core';
import { scheduleFromNotebookMetadata } from './notebook-schedule';

const notebook = (omega: unknown) => ({ cells: [], metadata: { kernelspec: { name: 'python3' }, omega } });

describe('a schedule in a notebook', () => {
  it('reads plain English, cron and the object form from metadata.omega.schedule', () => {
    expect(scheduleFromNotebookMetadata(notebook({ schedule: 'weekdays at 06:00' }))).toEqual({
      text: 'weekdays at 06:00',
    });
    expect(scheduleFromNotebookMetadata(notebook({ schedule: '*/5 * * * *' }))).toEqual({
      cron: '*/5 * * * *',
    });
    expect(scheduleFromNotebookMetadata(notebook({ schedule: '0 6 * * MON-FRI' }))).toEqual({
      cron: '0 6 * * MON-FRI',
    });
    expect(
      scheduleFromNotebookMetadata(notebook({ schedule: { cron: '0 6 * * *', timezone: 'Europe/Zurich' } })),
    ).toEqual({ cron: '0 6 * * *', timezone: 'Europe/Zurich' });
  });

  it('answers undefined for a notebook without one', () => {
    expect(scheduleFromNotebookMetadata({ cells: [], metadata: {} })).toBeUndefined();
    expect(scheduleFromNotebookMetadata(notebook({}))).toBeUndefined();
    expect(scheduleFromNotebookMetadata('not a notebook')).toBeUndefined();
  });

  it('refuses a schedule of the wrong shape', () => {
    expect(() => scheduleFromNotebookMetadata(notebook({ schedule: 5 }))).toThrow(OmegaError);
    expect(() => scheduleFromNotebookMetadata(notebook({ schedule: { cron: ['0 6 * * *'] } }))).toThrow(
      /metadata.omega.schedule.cron must be a string/,
    );
  });
});
