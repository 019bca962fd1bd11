import { Module } from '@nestjs/common';
import { RuntimeClientModule } from '@omega/runtime';
import { ScopedTokens } from './auth/scoped-token';
import { ScriptBuilder } from './build/script-builder';
import { ScriptTaskHandler } from './runtime/script-task.handler';
import { ScriptSandbox } from './sandbox/script-sandbox';
import { ScriptRunsService } from './script-runs.service';
import { ScriptsService } from './scripts.service';
import { ScriptPlugin } from './storage/script.plugin';

/**
 * Scripts in `scripts/` (kind `script.js`) and the worker-side handler of `script.run`, with the sandbox
 * that runs user code in child processes. Workers import this; the jobs lib reuses its sandbox.
 */
@Module({
  providers: [ScriptPlugin, ScriptBuilder, ScriptsService, ScriptSandbox, ScopedTokens, ScriptTaskHandler],
  exports: [ScriptsService, ScriptSandbox, ScopedTokens],
})
export class ScriptsModule {}

/** Scripts plus running them through the runtime: what the API imports. */
@Module({
  imports: [ScriptsModule, RuntimeClientModule],
  providers: [ScriptRunsService],
  exports: [ScriptsModule, ScriptRunsService, RuntimeClientModule],
})
export class ScriptRunsModule {}
