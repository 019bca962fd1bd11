import { NestFactory, Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { AuthService, generateApiKey, OmegaAuthGuard, RateLimiter } from '@omega/accounts';
import { loadConfig } from '@omega/core';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiModule } from '../../apps/api/src/api.module';
import { ClientConfigController } from '../../apps/api/src/config/client-config.controller';
import { SystemController } from '../../apps/api/src/system/system.controller';
import { loadServicesEnv, positiveInt, readSettings } from '../support/env';

/**
 * The authentication guard's own CPU time per call, outside HTTP: the public ping's route and the
 * config route with a cached API key and a cached Bearer token, rate limits counted as shipped (with a
 * limit these calls never reach). A figure that load on the machine moves far less than throughput:
 * `ts-node -r tsconfig-paths/register --transpile-only bench/http/guard-cost.ts` (GUARD_CALLS, default
 * 100,000 per path and round). Not part of `npm run bench`.
 */
async function main(): Promise<void> {
  loadServicesEnv();
  const apikey = generateApiKey();
  const password = randomBytes(18).toString('base64url');
  const dataDir = mkdtempSync(join(tmpdir(), 'omega-guard-cost-'));
  const config = loadConfig({
    OMEGA_MONGO_URL: readSettings().mongoUrl,
    OMEGA_MONGO_DB_PREFIX: 'benchguard',
    OMEGA_DATA_DIR: dataDir,
    OMEGA_ADMIN_APIKEY: apikey,
    OMEGA_ADMIN_PASSWORD: password,
    OMEGA_RATE_LIMIT_API: '1000000000',
  });
  const app = await NestFactory.create(ApiModule.forRoot(config), { logger: ['error', 'warn'] });
  await app.init();
  try {
    const auth = app.get(AuthService);
    const guard = new OmegaAuthGuard(app.get(Reflector), auth, app.get(RateLimiter));
    const { token } = await auth.login(config.adminUserid, password, {});
    const calls = positiveInt(process.env, 'GUARD_CALLS', 100_000);
    const paths: Array<[string, string | undefined, object, (...args: never[]) => unknown]> = [
      ['ping', undefined, SystemController, SystemController.prototype.ping],
      [
        'apikey',
        `ApiKey ${config.adminUserid}:${apikey}`,
        ClientConfigController,
        ClientConfigController.prototype.get,
      ],
      ['bearer', `Bearer ${token}`, ClientConfigController, ClientConfigController.prototype.get],
    ];
    for (let round = 0; round < 3; round++) {
      const figures: string[] = [];
      for (const [name, authorization, controller, handler] of paths) {
        const call = async () => {
          // What the guard reads of a request and its response, as express hands them over.
          const req = {
            headers: authorization ? { authorization } : {},
            cookies: {},
            method: 'GET',
            route: { path: '/api/v1/config' },
            ip: '127.0.0.1',
          };
          const res = { setHeader: () => undefined };
          const context = new ExecutionContextHost([req, res], controller as never, handler);
          const allowed = guard.canActivate(context);
          if ((allowed instanceof Promise ? await allowed : allowed) !== true)
            throw new Error(`${name} refused`);
        };
        for (let index = 0; index < 2000; index++) await call();
        const cpu = process.cpuUsage();
        for (let index = 0; index < calls; index++) await call();
        const used = process.cpuUsage(cpu);
        figures.push(`${name} ${((used.user + used.system) / calls).toFixed(2)} µs`);
      }
      console.log(`round ${round + 1}: guard CPU per call: ${figures.join(', ')}`);
    }
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exitCode = 1;
});
