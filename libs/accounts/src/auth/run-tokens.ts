import type { Db } from 'mongodb';

/**
 * Run tokens: the Bearer token user code gets for one run of a script or job. This file is what the
 * issuer (workers, `@omega/scripts`) and the verifier (the API) share, and it must stay free of TypeORM:
 * a worker loads it without the accounts database.
 *
 * A run token names its user, tenant, qualifier and bucket, and a token id (`jti`) recorded in the run's
 * tenant database while the run lasts. The API accepts the token only while that record exists, so ending
 * the run (on whichever worker) revokes it for every API process at once.
 */

/** Must equal the issuer AuthService verifies. */
export const TOKEN_ISSUER = 'omega-ts';

/** The `scope` claim of a run token; login tokens have none. */
export const RUN_SCOPE = 'run';

/** The collection, in the run's tenant database (tenant and qualifier), holding one record per live run token. */
export const RUN_TOKENS_COLLECTION = 'omega_run_tokens';

export interface RunTokenClaims {
  sub: string;
  uid: string;
  ten: string;
  bkt: string;
  qual: string;
  jti: string;
  scope: typeof RUN_SCOPE;
}

interface RunTokenRecord {
  _id: string;
  /** When the token expires anyway: records of runs that never ended (a killed worker) are swept after. */
  expires: Date;
}

function runTokens(db: Db) {
  return db.collection<RunTokenRecord>(RUN_TOKENS_COLLECTION);
}

/** Records a token as live. A plain insert with a unique `_id`: atomic on MongoDB and FerretDB alike. */
export async function recordRunToken(db: Db, tokenId: string, expires: Date): Promise<void> {
  // Housekeeping on the way (the collection holds only the tenant's running runs, so the scan is small):
  // a run killed with its worker left its record behind, and that record expired with its token.
  await runTokens(db).deleteMany({ expires: { $lt: new Date() } });
  await runTokens(db).insertOne({ _id: tokenId, expires });
}

/** Revokes a token: from now on the API refuses it. */
export async function revokeRunToken(db: Db, tokenId: string): Promise<void> {
  await runTokens(db).deleteOne({ _id: tokenId });
}

/** Whether the token's run is still going (its record exists and has not expired). One read by `_id`. */
export async function isRunTokenLive(db: Db, tokenId: string): Promise<boolean> {
  const found = await runTokens(db).findOne({ _id: tokenId }, { projection: { expires: 1 } });
  return found !== null && found.expires.getTime() > Date.now();
}

/**
 * The routes a run token may call: the data plane of its own tenant, qualifier and bucket. Route patterns
 * as registered (`req.route.path`), not the URL as sent, so no encoding of a path can pass for another.
 * Everything else is refused: `/api/v1/auth/*` (keys, logins), `/api/v1/admin/*`, the console, the
 * client configuration, worker listings, and schedules (a trigger that keeps acting for the user after
 * the run has ended is the user's decision, not their code's).
 */
export const RUN_TOKEN_ROUTES: readonly string[] = [
  '/api/v1/dataset',
  '/api/v1/file',
  '/api/v1/model',
  '/api/v1/script',
  '/api/v1/job',
  '/api/v1/task',
  '/api/v1/runtime/ping',
  // Experiment tracking: a training script logs its runs (om.runtime.experiment).
  '/api/v1/experiment',
];

/** Route patterns under RUN_TOKEN_ROUTES that still stay closed to run tokens. */
export const RUN_TOKEN_CLOSED_ROUTES: readonly string[] = ['/api/v1/job/:name/schedule'];

function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** Whether a run token may call the route with this registered pattern. */
export function isRunTokenRoute(routePattern: string | undefined): boolean {
  if (routePattern === undefined) return false;
  return (
    RUN_TOKEN_ROUTES.some((prefix) => under(routePattern, prefix)) &&
    !RUN_TOKEN_CLOSED_ROUTES.some((prefix) => under(routePattern, prefix))
  );
}
