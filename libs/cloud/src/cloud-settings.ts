import { OmegaError } from '@omega/core';

export type CloudDriverName = 'local' | 'kubernetes' | 'none';

/** How the manager carries out worker-pool changes; read once at its boot from `OMEGA_CLOUD_*`. */
export interface CloudSettings {
  driver: CloudDriverName;
  /**
   * local: the command that starts one worker (argv, JSON), run with the manager's environment; by default
   * the built worker beside the built manager.
   */
  workerCommand: string[];
  /** kubernetes: the namespace of the release and the prefix of its worker Deployments. */
  k8sNamespace: string;
  k8sRelease: string;
  /** kubernetes: pools are scaled through their KEDA ScaledObjects' bounds instead of replicas. */
  k8sKeda: boolean;
  /** kubernetes: the pool whose Deployment a new label's pool is copied from. */
  k8sTemplatePool: string;
  /** How often the manager compares wanted and running workers. */
  reconcileMs: number;
  /** The manager's health port (`/health/live`, `/health`); 0: none. */
  managerPort: number;
}

const DRIVERS: CloudDriverName[] = ['local', 'kubernetes', 'none'];

/**
 * Reads the manager's own settings. They are apart from `OMEGA_CONFIG` because only the manager uses them;
 * a bad one stops the manager at boot with every problem named.
 */
export function loadCloudSettings(
  env: NodeJS.ProcessEnv = process.env,
  defaultWorkerCommand: string[] = ['node', 'dist/apps/worker/apps/worker/src/main.js'],
): CloudSettings {
  const problems: string[] = [];
  const driver = (env.OMEGA_CLOUD_DRIVER ?? 'none') as CloudDriverName;
  if (!DRIVERS.includes(driver)) problems.push(`OMEGA_CLOUD_DRIVER must be one of ${DRIVERS.join(', ')}`);
  let workerCommand = defaultWorkerCommand;
  if (env.OMEGA_CLOUD_WORKER_COMMAND) {
    try {
      const parsed: unknown = JSON.parse(env.OMEGA_CLOUD_WORKER_COMMAND);
      if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((part) => typeof part === 'string'))
        throw new Error('not a list');
      workerCommand = parsed as string[];
    } catch {
      problems.push('OMEGA_CLOUD_WORKER_COMMAND must be a JSON list of strings (the worker argv)');
    }
  }
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
  const settings: CloudSettings = {
    driver,
    workerCommand,
    k8sNamespace: env.OMEGA_CLOUD_K8S_NAMESPACE ?? 'default',
    k8sRelease: env.OMEGA_CLOUD_K8S_RELEASE ?? 'omega-ts',
    k8sKeda: env.OMEGA_CLOUD_K8S_KEDA === 'true',
    k8sTemplatePool: env.OMEGA_CLOUD_K8S_TEMPLATE_POOL ?? 'default',
    reconcileMs: integer('OMEGA_CLOUD_RECONCILE_MS', 1000, 100, 60_000),
    managerPort: integer('OMEGA_MANAGER_PORT', 0, 0, 65_535),
  };
  if (problems.length > 0)
    throw OmegaError.invalidInput(`Bad cloud manager settings: ${problems.join('; ')}`);
  return settings;
}
