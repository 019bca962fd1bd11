import { Injectable } from '@nestjs/common';
import { TenantContext } from '@omega/core';
import { RunRequest, RunsService, StoredRun, StoredRuns } from '@omega/runtime';
import { SCRIPT_RUN_ACTION } from './runtime/script-task.handler';
import { ScriptsService } from './scripts.service';

// The base of runnable kinds' runs lives in the runtime; the API's run routes know it from here too.
export { StoredRuns } from '@omega/runtime';
export type { RunRequest } from '@omega/runtime';

/** Script runs: `script.run` with the request's args and kwargs, acting for the caller. */
@Injectable()
export class ScriptRunsService extends StoredRuns {
  constructor(
    private readonly scripts: ScriptsService,
    runs: RunsService,
  ) {
    super(runs);
  }

  protected async prepare(ctx: TenantContext, name: string, request: RunRequest): Promise<StoredRun> {
    const meta = await this.scripts.metadata(ctx, name);
    return {
      action: SCRIPT_RUN_ACTION,
      object: name,
      args: request.args,
      // The script sees its keyword arguments under `kwargs`; `runAs` sits beside them.
      kwargs: { kwargs: request.kwargs },
      runAs: request.runAs,
      attributes: meta.attributes,
      require: request.require,
      timeoutSeconds: request.timeoutSeconds,
      requestId: request.requestId,
    };
  }
}
