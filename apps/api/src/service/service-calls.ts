import { Injectable } from '@nestjs/common';
import { MetadataRecord, OmegaError, OmegaErrorCode, TenantContext } from '@omega/core';
import { JobRunsService, JobsService } from '@omega/jobs';
import { ModelRunsService, ModelsService } from '@omega/models';
import type { TaskRecord } from '@omega/runtime';
import { ScriptRunsService, ScriptsService } from '@omega/scripts';
import type { Request } from 'express';
import { validateBody } from '../http/validate-body';
import { modelRunRequest } from '../models/model-requests';
import { MODEL_ACTION_QUERY_KEYS, ModelActionQueryDto } from '../models/model.dto';
import { runRequest } from '../scripts/run-requests';
import { assertSupportedSchema, JsonSchema, schemaErrors } from './json-schema';
import { bare, serviceResponse } from './service-response';
import { SERVICE_ACTIONS, ServiceKind, ServiceSignature, ServiceSignatures } from './service-signature';

export interface ServiceObject {
  kind: ServiceKind;
  name: string;
  meta: MetadataRecord;
}

/** A call's outcome: a value to answer, a submitted task, or a failed run (422 with the task's error). */
export type ServiceOutcome = { value: unknown } | { taskId: string } | { failed: TaskRecord };

/**
 * omega-ml's service API: a model, script or job called by name with its bare result as the answer,
 * the request checked against the signature linked to it (`X`) and the answer against its output
 * (`Y` / `result`).
 */
@Injectable()
export class ServiceCalls {
  constructor(
    private readonly models: ModelsService,
    private readonly modelRuns: ModelRunsService,
    private readonly scripts: ScriptsService,
    private readonly scriptRuns: ScriptRunsService,
    private readonly jobs: JobsService,
    private readonly jobRuns: JobRunsService,
    private readonly signatures: ServiceSignatures,
  ) {}

  /** The object a service name stands for: a model, else a script, else a job (404 when none). */
  async resolve(ctx: TenantContext, name: string): Promise<ServiceObject> {
    const lookups: Array<[ServiceKind, () => Promise<MetadataRecord>]> = [
      ['model', () => this.models.metadata(ctx, name)],
      ['script', () => this.scripts.metadata(ctx, name)],
      ['job', () => this.jobs.metadata(ctx, name)],
    ];
    for (const [kind, lookup] of lookups) {
      const meta = await lookup().catch((error: unknown) => {
        if (error instanceof OmegaError && error.code === OmegaErrorCode.NotFound) return undefined;
        throw error;
      });
      if (meta) return { kind, name, meta };
    }
    throw OmegaError.notFound(`service ${name} (no model, script or job of that name)`);
  }

  signature(ctx: TenantContext, object: ServiceObject): Promise<ServiceSignature | undefined> {
    return this.signatures.get(ctx, object.kind, object.name);
  }

  async link(
    ctx: TenantContext,
    object: ServiceObject,
    signature: ServiceSignature,
  ): Promise<ServiceSignature> {
    for (const key of ['X', 'Y', 'result'] as const) {
      if (signature[key] !== undefined) assertSupportedSchema(signature[key], key);
    }
    for (const action of signature.actions ?? []) this.assertAction(object, action);
    const stored: ServiceSignature = Object.fromEntries(
      Object.entries(signature).filter(([, value]) => value !== undefined),
    );
    await this.signatures.set(ctx, object.kind, object.name, stored);
    return stored;
  }

  async unlink(ctx: TenantContext, object: ServiceObject): Promise<void> {
    if (!(await this.signatures.remove(ctx, object.kind, object.name))) {
      throw OmegaError.notFound(`signature of service ${object.name}`);
    }
  }

  /** The action a call runs: the one named, else the signature's first, else the kind's default. */
  action(object: ServiceObject, signature: ServiceSignature | undefined, named?: string): string {
    const action = named ?? signature?.actions?.[0] ?? SERVICE_ACTIONS[object.kind][0];
    this.assertAction(object, action);
    return action;
  }

  async call(
    ctx: TenantContext,
    object: ServiceObject,
    action: string,
    signature: ServiceSignature | undefined,
    req: Request,
    asynchronous: boolean,
  ): Promise<ServiceOutcome> {
    const body: unknown = req.body;
    if (signature?.X) assertValid(body, signature.X, 'input');
    const output = signature?.Y ?? signature?.result;
    if (object.kind === 'model') {
      const query = req.query as Record<string, unknown>;
      const known = Object.fromEntries(
        Object.entries(query).filter(([key]) => MODEL_ACTION_QUERY_KEYS.has(key)),
      );
      const options = await validateBody(ModelActionQueryDto, known);
      const request = modelRunRequest(options, query, { X: body }, req.header('x-request-id'));
      if (asynchronous)
        return { taskId: (await this.modelRuns.submit(ctx, object.name, action, request)).id };
      const value = await this.modelRuns.call(ctx, object.name, action, request);
      if (output) assertValid(value, output, 'output');
      return { value: bare(value) };
    }
    const { request } = await runRequest(req, object.kind);
    // The service's body is one argument (omega-ml's payload), whatever JSON it is.
    const args = isEmpty(body) ? [] : [body];
    const runs = object.kind === 'script' ? this.scriptRuns : this.jobRuns;
    const run = { ...request, args: object.kind === 'script' ? args : [] };
    if (asynchronous) return { taskId: (await runs.submit(ctx, object.name, run)).id };
    const record = await runs.call(ctx, object.name, run);
    if (record.status === 'FAILURE') return { failed: record };
    const value = await serviceResponse(this.jobs, ctx, record);
    if (output) assertValid(value, output, 'output');
    return { value };
  }

  private assertAction(object: ServiceObject, action: string): void {
    const actions = SERVICE_ACTIONS[object.kind];
    if (!actions.includes(action)) {
      throw OmegaError.invalidInput(
        `${action} is not an action of ${object.kind} service ${object.name}; actions: ${actions.join(', ')}`,
      );
    }
  }
}

function isEmpty(body: unknown): boolean {
  return (
    body === undefined ||
    body === null ||
    (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0)
  );
}

function assertValid(value: unknown, schema: JsonSchema, what: 'input' | 'output'): void {
  const errors = schemaErrors(value, schema);
  if (errors.length > 0) {
    throw OmegaError.invalidInput(`ValidationError: invalid ${what}: ${errors.slice(0, 10).join('; ')}`);
  }
}
