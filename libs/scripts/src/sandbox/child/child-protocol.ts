/**
 * Where a run's `om` connects: the API, a short-lived token scoped to the caller's tenant, and the
 * bucket and environment the run was started in.
 */
export interface OmConnection {
  url: string;
  token: string;
  tenant: string;
  bucket: string;
  qualifier: string;
}

/** The one message the worker sends its sandbox child (over the IPC channel, never argv or env). */
export type ChildRequest =
  | { mode: 'script'; api: OmConnection; file: string; args: unknown[] }
  | { mode: 'notebook'; api: OmConnection; cells: { index: number; code: string }[] };

export interface ChildError {
  name: string;
  message: string;
  stack?: string;
}

/** Outputs of one executed notebook cell, in nbformat v4's shape. */
export type CellOutput =
  | { output_type: 'stream'; name: 'stdout' | 'stderr'; text: string[] }
  | {
      output_type: 'execute_result';
      execution_count: number;
      data: Record<string, unknown>;
      metadata: Record<string, unknown>;
    }
  | { output_type: 'error'; ename: string; evalue: string; traceback: string[] };

export interface CellOutcome {
  index: number;
  outputs: CellOutput[];
  ok: boolean;
}

/** What the child answers before it exits. */
export type ChildResponse =
  | { ok: true; result?: unknown; cells?: CellOutcome[] }
  | { ok: false; error: ChildError; cells?: CellOutcome[] };

/**
 * Messages from the child: each finished notebook cell as it finishes (so a run stopped at a limit keeps
 * the cells before), then the one final answer.
 */
export type ChildMessage = { type: 'cell'; cell: CellOutcome } | ({ type: 'done' } & ChildResponse);

/** Text a notebook's cells may print in all; past it, output is dropped with a note. */
export const MAX_NOTEBOOK_OUTPUT_CHARS = 1024 * 1024;
