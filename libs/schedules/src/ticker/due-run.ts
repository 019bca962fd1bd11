import { latestTimeAtOrBefore, nextTimeAfter } from '../cron/cron-expression';

export type CatchUpMode = 'once' | 'skip';

/** What to do with a schedule found due: fire one run (for which due time) or not, and when it runs next. */
export interface DueRunDecision {
  /** The due time to fire for; absent when nothing should fire now. */
  fire?: Date;
  /** More than one due time passed since the schedule last moved on: the manager was away. */
  missed: boolean;
  nextRun: Date;
}

/**
 * Decides a due schedule. However many due times passed since `nextRun` (the manager was down, or ticks
 * are far apart), at most one run fires, for the latest of them. With `skip`, that run fires only if it is
 * recent (within `graceMs`, about a tick): runs missed during downtime are dropped and the schedule waits
 * for its next time. `nextRun` always moves strictly after `now`.
 */
export function decideDueRun(
  schedule: { cron: string; timezone: string; nextRun: Date },
  now: Date,
  mode: CatchUpMode,
  graceMs: number,
): DueRunDecision {
  const nextRun = nextTimeAfter(schedule.cron, schedule.timezone, now);
  const latest = latestTimeAtOrBefore(schedule.cron, schedule.timezone, now);
  if (!latest || latest.getTime() < schedule.nextRun.getTime()) {
    // The stored next run is due but names no time of the expression (it changed): move on only.
    return { missed: false, nextRun };
  }
  const missed = latest.getTime() > schedule.nextRun.getTime();
  if (mode === 'skip' && now.getTime() - latest.getTime() > graceMs) return { missed, nextRun };
  return { fire: latest, missed, nextRun };
}
