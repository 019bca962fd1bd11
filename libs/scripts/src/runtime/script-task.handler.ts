import { Inject, Injectable } from '@nestjs/common';
import { OMEGA_CONFIG, OmegaConfig, OmegaError, TenantContext } from '@omega/core';
import { TaskHandler, TaskHandlerContract, TaskMessage } from '@omega/runtime';
import { assertRunIdentity, ScopedTokens } from '../auth/scoped-token';
import { LIMIT_EXCEEDED, SandboxRunError, SCRIPT_FAILED } from '../sandbox/sandbox-limits';
import { SandboxOutcome, ScriptSandbox } from '../sandbox/script-sandbox';
import type { ScriptKindMeta } from '../storage/script.plugin';
import { ScriptsService } from '../scripts.service';

export const SCRIPT_RUN_ACTION = 'script.run';

/** omega-ml's answer to a script run, plus what the script printed. */
export interface ScriptRunResult {
  script: string;
  result: unknown;
  /** Seconds the run took. */
  runtimes: number;
  started: string;
  ended: string;
  stdout: string;
  stderr: string;
}

/** How much of a failed run's stderr its task error keeps (the message is what callers read). */
const ERROR_TAIL_CHARS = 1500;

/**
 * Runs a script on a worker, in a sandbox child process. The task's `object` is the script, `args` its
 * positional arguments, `kwargs.kwargs` its keyword arguments (passed last, as one object, when any) and
 * `kwargs.runAs` the user it acts for (else the script's owner).
 */
@Injectable()
@TaskHandler({ actions: [SCRIPT_RUN_ACTION] })
export class ScriptTaskHandler implements TaskHandlerContract {
  constructor(
    private readonly scripts: ScriptsService,
    private readonly sandbox: ScriptSandbox,
    private readonly tokens: ScopedTokens,
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
  ) {}

  async handle(ctx: TenantContext, task: TaskMessage): Promise<ScriptRunResult> {
    if (!task.object) throw OmegaError.invalidInput('A script task names its script');
    const { meta, code } = await this.scripts.bundle(ctx, task.object);
    const identity = task.kwargs.runAs ?? (meta.kindMeta as unknown as ScriptKindMeta).owner;
    assertRunIdentity(identity);
    const kwargs = task.kwargs.kwargs;
    const args =
      typeof kwargs === 'object' && kwargs !== null && Object.keys(kwargs).length > 0
        ? [...task.args, kwargs]
        : task.args;
    const limits = this.sandbox.limits();
    const outcome = await this.tokens.during(ctx, identity, Math.ceil(limits.timeoutMs / 1000), (token) =>
      this.sandbox.run(
        { mode: 'script', code, args },
        { url: this.config.apiUrl, token, tenant: ctx.tenant, bucket: ctx.bucket, qualifier: ctx.qualifier },
        limits,
      ),
    );
    if (!outcome.ok) throw runError(`Script ${task.object}`, outcome);
    return {
      script: task.object,
      result: outcome.result ?? null,
      runtimes: (outcome.ended.getTime() - outcome.started.getTime()) / 1000,
      started: outcome.started.toISOString(),
      ended: outcome.ended.toISOString(),
      stdout: outcome.stdout,
      stderr: outcome.stderr,
    };
  }
}

/** A failed run as a task error: what failed, and the end of what it printed to stderr. */
export function runError(what: string, outcome: SandboxOutcome): SandboxRunError {
  const failure = outcome.error?.stack ?? `${outcome.error?.name}: ${outcome.error?.message}`;
  const summary = outcome.code === LIMIT_EXCEEDED ? outcome.error?.message : failure;
  const stderr = outcome.stderr.trim();
  const tail =
    stderr && !stderr.includes(summary ?? '') ? `\nstderr: ${stderr.slice(-ERROR_TAIL_CHARS)}` : '';
  return new SandboxRunError(
    outcome.code === LIMIT_EXCEEDED ? LIMIT_EXCEEDED : SCRIPT_FAILED,
    `${what} failed: ${(summary ?? 'unknown error').slice(0, 2000)}${tail}`,
  );
}
