import { OmegaError } from '@omega/core';
import { AlgorithmAdapter } from '../algorithms/algorithm-adapter';
import { adapterFor } from '../algorithms/algorithms';
import { ClassLabel } from '../input/class-labels';
import { FeatureLayout } from '../input/feature-rows';
import { HyperParams, validateParams } from '../params/hyper-params';

export const MLJS_FORMAT = 'omega-ts.mljs';
export const MLJS_FORMAT_VERSION = 1;

/** The stored model: UTF-8 JSON, readable without this code and diffable between versions. */
export interface MljsArtifact {
  format: typeof MLJS_FORMAT;
  formatVersion: typeof MLJS_FORMAT_VERSION;
  /** The kind's suffix, e.g. `random-forest-classifier`. */
  algorithm: string;
  /** Hyper-parameters with defaults filled in. */
  params: HyperParams;
  /** The library model's `toJSON()`; null until the first fit. */
  fitted: unknown;
  /** What partial_fit resumes from, where the model alone is not enough (see each adapter). */
  trainingState?: unknown;
  /** A classifier's original labels; the model itself predicts their indices. */
  classes?: ClassLabel[];
  featureCount?: number;
  columns?: string[];
}

/** An artifact that passed `readArtifact`, with the adapter of its algorithm. */
export interface CheckedArtifact {
  artifact: MljsArtifact;
  adapter: AlgorithmAdapter;
}

export function writeArtifact(artifact: MljsArtifact): Buffer {
  return Buffer.from(JSON.stringify(artifact), 'utf8');
}

/** The unfitted artifact of a spec. */
export function specArtifact(adapter: AlgorithmAdapter, params: HyperParams): MljsArtifact {
  return {
    format: MLJS_FORMAT,
    formatVersion: MLJS_FORMAT_VERSION,
    algorithm: adapter.name,
    params,
    fitted: null,
  };
}

/**
 * Parses and checks an artifact's envelope. The fitted model inside is checked by loading it, which
 * only the library can do.
 */
export function readArtifact(bytes: Buffer): CheckedArtifact {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalid('it is not valid JSON');
  }
  if (!isRecord(parsed) || parsed.format !== MLJS_FORMAT) throw invalid(`its format is not "${MLJS_FORMAT}"`);
  if (parsed.formatVersion !== MLJS_FORMAT_VERSION) {
    throw invalid(
      `formatVersion ${JSON.stringify(parsed.formatVersion)} is not supported (only ${MLJS_FORMAT_VERSION})`,
    );
  }
  const adapter = adapterFor(parsed.algorithm);
  const params = validateParams(adapter.name, adapter.params, parsed.params);
  const artifact: MljsArtifact = {
    ...specArtifact(adapter, params),
    fitted: parsed.fitted,
    trainingState: parsed.trainingState,
    classes: parsed.classes as ClassLabel[] | undefined,
    featureCount: parsed.featureCount as number | undefined,
    columns: parsed.columns as string[] | undefined,
  };
  if (artifact.fitted === undefined) throw invalid('"fitted" is missing (null for an unfitted model)');
  if (artifact.fitted !== null) checkFittedEnvelope(artifact, adapter);
  return { artifact, adapter };
}

/** The features a fitted artifact was trained on (checked by `readArtifact`). */
export function featureLayout(artifact: MljsArtifact): FeatureLayout {
  return { featureCount: artifact.featureCount as number, columns: artifact.columns };
}

function checkFittedEnvelope(artifact: MljsArtifact, adapter: AlgorithmAdapter): void {
  const { featureCount, columns, classes } = artifact;
  if (!Number.isInteger(featureCount) || (featureCount as number) < 1) {
    throw invalid('a fitted model needs "featureCount", a positive integer');
  }
  if (columns !== undefined && !(isStringArray(columns) && columns.length === featureCount)) {
    throw invalid(`"columns" must name the ${featureCount} features`);
  }
  if (adapter.task === 'classifier') {
    const labels = Array.isArray(classes) ? classes : [];
    const valid = labels.every((label) => typeof label === 'string' || Number.isFinite(label));
    if (labels.length === 0 || !valid || new Set(labels).size !== labels.length) {
      throw invalid('a fitted classifier needs "classes", its distinct labels');
    }
  }
}

function invalid(reason: string): OmegaError {
  return OmegaError.invalidInput(`Not an ml.js model artifact: ${reason}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
