import type { MetricBlock } from './metric-blocks';

export type RunStatus = 'running' | 'completed' | 'failed' | 'killed';
export const END_STATUSES = ['completed', 'failed', 'killed'] as const;
export type EndStatus = (typeof END_STATUSES)[number];

/**
 * What an experiment's collection holds, one `type` per document shape. Nothing is ever updated: a run is
 * a `run` document when it starts and an `end` document when it ends (their `_id`s, `run:<n>` and
 * `end:<n>`, make starting a number and ending a run each happen once, since an insert with a unique
 * `_id` is atomic on every MongoDB-wire server), and everything logged is appended.
 */
export interface RunDocument {
  _id: string;
  type: 'run';
  run: number;
  user: string;
  dt: Date;
  tags: Record<string, string>;
}

export interface EndDocument {
  _id: string;
  type: 'end';
  run: number;
  status: EndStatus;
  user: string;
  dt: Date;
}

/** Event names a client may log besides metrics; model actions log `fit`, `predict`, `score`, … */
export type EventName = 'param' | 'artifact' | 'tag' | string;

export interface EventDocument {
  type: 'event';
  run: number;
  event: EventName;
  key: string;
  /** Numbers here (filterable as numbers); anything else as `text`. */
  value: number | null;
  text: string | null;
  step: number | null;
  user: string;
  dt: Date;
}

/** A packed block of metric points (see metric-blocks.ts). */
export interface MetricsDocument extends MetricBlock {
  type: 'metrics';
  run: number;
  user: string;
  /** The block's first time, so blocks sort among events. */
  dt: Date;
}

export type ExperimentDocument = RunDocument | EndDocument | EventDocument | MetricsDocument;

export function runId(run: number): string {
  return `run:${run}`;
}

export function endId(run: number): string {
  return `end:${run}`;
}
