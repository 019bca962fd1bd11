import { OmegaError, OmegaErrorCode } from '@omega/core';

/** The tracking lib's own settings, read once when the module is built. */
export interface TrackingConfig {
  /** Share of tracked model calls whose inputs and outputs are kept (0–1); every call is logged. */
  sample: number;
  /** Rows of X (and of the result) kept per logged call. */
  maxRows: number;
}

export const TRACKING_CONFIG = Symbol('TRACKING_CONFIG');

/**
 * `OMEGA_TRACK_SAMPLE` (default 1: every call's inputs) and `OMEGA_TRACK_MAX_ROWS` (default 100). A bad
 * value stops the boot with its name, like the platform's other settings.
 */
export function loadTrackingConfig(env: NodeJS.ProcessEnv = process.env): TrackingConfig {
  const sample = numberOf(env, 'OMEGA_TRACK_SAMPLE', 1);
  const maxRows = numberOf(env, 'OMEGA_TRACK_MAX_ROWS', 100);
  const problems: string[] = [];
  if (!(sample >= 0 && sample <= 1)) problems.push('OMEGA_TRACK_SAMPLE must be a number from 0 to 1');
  if (!Number.isInteger(maxRows) || maxRows < 0 || maxRows > 10_000)
    problems.push('OMEGA_TRACK_MAX_ROWS must be an integer from 0 to 10000');
  if (problems.length > 0) throw new OmegaError(OmegaErrorCode.InvalidInput, problems.join('; '));
  return { sample, maxRows };
}

function numberOf(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? fallback : Number(raw);
}
