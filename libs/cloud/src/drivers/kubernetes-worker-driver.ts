import { Logger } from '@nestjs/common';
import {
  AppsV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
} from '@kubernetes/client-node';
import type { PoolObservation, PoolTarget, WorkerDriver } from './worker-driver';

const POOL_LABEL = 'omega-ts/pool';
const KEDA = { group: 'keda.sh', version: 'v1alpha1', plural: 'scaledobjects' } as const;

/** A KEDA ScaledObject, as far as the driver reads and writes it. */
interface ScaledObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  spec: {
    scaleTargetRef: { name: string };
    minReplicaCount?: number;
    maxReplicaCount?: number;
    triggers?: { type: string; metadata: Record<string, string>; [key: string]: unknown }[];
    [key: string]: unknown;
  };
}

export interface KubernetesDriverOptions {
  namespace: string;
  /** Worker Deployments are `<release>-worker-<pool>`, as the Helm chart names them; a pool is its label. */
  release: string;
  keda: boolean;
  /** The pool a new label's Deployment (and ScaledObject) is copied from. */
  templatePool: string;
  /** The queue-name prefix (`OMEGA_MONGO_DB_PREFIX`), to point a copied ScaledObject at its own queue. */
  queuePrefix: string;
}

/**
 * Worker pools as Deployments of the release: scaling patches a Deployment's replicas, or with KEDA its
 * ScaledObject's bounds (KEDA then owns the replicas); a new label gets a copy of the template pool's
 * Deployment (and ScaledObject). Credentials come from the pod's service account (the chart's Role allows
 * exactly these calls) or from KUBECONFIG outside a cluster.
 */
export class KubernetesWorkerDriver implements WorkerDriver {
  readonly name = 'kubernetes';
  readonly supervises = false;
  private readonly logger = new Logger('KubernetesWorkerDriver');
  private readonly apps: AppsV1Api;
  private readonly custom: CustomObjectsApi;

  constructor(
    private readonly options: KubernetesDriverOptions,
    config: KubeConfig = defaultKubeConfig(),
  ) {
    this.apps = config.makeApiClient(AppsV1Api);
    this.custom = config.makeApiClient(CustomObjectsApi);
  }

  async apply(target: PoolTarget): Promise<PoolObservation> {
    const name = this.deploymentName(target.label);
    const namespace = this.options.namespace;
    let deployment = await this.readDeployment(name);
    if (!deployment) deployment = await this.createPool(target);
    if (this.options.keda) {
      await this.applyScaledObject(target);
    } else if (deployment.spec?.replicas !== target.replicas) {
      deployment = await this.apps.patchNamespacedDeployment(
        { name, namespace, body: { spec: { replicas: target.replicas } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      this.logger.log(`${name}: replicas ${target.replicas}`);
    }
    const worker = deployment.spec?.template.spec?.containers.find((c) => c.name === 'worker');
    const concurrency = worker?.env?.find((e) => e.name === 'OMEGA_WORKER_CONCURRENCY')?.value;
    if (worker && concurrency !== String(target.concurrency)) {
      // Strategic merge: the env entry is merged by name; the rollout drains the old pods.
      const env = [{ name: 'OMEGA_WORKER_CONCURRENCY', value: String(target.concurrency) }];
      const body = { spec: { template: { spec: { containers: [{ name: 'worker', env }] } } } };
      deployment = await this.apps.patchNamespacedDeployment(
        { name, namespace, body },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
      this.logger.log(`${name}: concurrency ${target.concurrency} (rolling update)`);
    }
    return {
      running: deployment.status?.replicas ?? deployment.spec?.replicas ?? 0,
      ready: deployment.status?.readyReplicas ?? 0,
    };
  }

  async discover(): Promise<{ label: string; replicas: number }[]> {
    const prefix = this.deploymentName('');
    const list = await this.apps.listNamespacedDeployment({
      namespace: this.options.namespace,
      labelSelector: 'app.kubernetes.io/component=worker',
    });
    return list.items
      .filter((d) => d.metadata?.name?.startsWith(prefix) && d.metadata.labels?.[POOL_LABEL])
      .map((d) => ({ label: d.metadata!.labels![POOL_LABEL], replicas: d.spec?.replicas ?? 0 }));
  }

  async shutdown(): Promise<void> {
    // The cluster's workers belong to their Deployments, not to this process.
  }

  private deploymentName(pool: string): string {
    // As the chart's omega.workerName: at most 63 characters, no trailing dash (the empty pool is the prefix).
    const name = `${this.options.release}-worker-${pool}`;
    return pool === '' ? name : name.slice(0, 63).replace(/-+$/, '');
  }

  private async readDeployment(name: string): Promise<V1Deployment | undefined> {
    try {
      return await this.apps.readNamespacedDeployment({ name, namespace: this.options.namespace });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** A new label's pool: the template pool's Deployment under the new name, consuming only that label. */
  private async createPool(target: PoolTarget): Promise<V1Deployment> {
    const templateName = this.deploymentName(this.options.templatePool);
    const template = await this.readDeployment(templateName);
    if (!template) {
      throw new Error(`no Deployment ${templateName} to copy for the new pool ${target.label}`);
    }
    const name = this.deploymentName(target.label);
    const labels = { ...template.metadata?.labels, [POOL_LABEL]: target.label };
    const podSpec = structuredClone(template.spec!.template.spec!);
    for (const container of podSpec.containers) {
      if (container.name !== 'worker') continue;
      const env = (container.env ?? []).filter(
        (e) => e.name !== 'OMEGA_WORKER_LABELS' && e.name !== 'OMEGA_WORKER_CONCURRENCY',
      );
      env.push({ name: 'OMEGA_WORKER_LABELS', value: target.label });
      env.push({ name: 'OMEGA_WORKER_CONCURRENCY', value: String(target.concurrency) });
      container.env = env;
    }
    const body: V1Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: this.options.namespace, labels },
      spec: {
        ...(this.options.keda ? {} : { replicas: target.replicas }),
        selector: {
          matchLabels: { ...template.spec!.selector.matchLabels, [POOL_LABEL]: target.label },
        },
        template: {
          metadata: {
            labels: { ...template.spec!.template.metadata?.labels, [POOL_LABEL]: target.label },
            annotations: template.spec!.template.metadata?.annotations,
          },
          spec: podSpec,
        },
      },
    };
    const created = await this.apps.createNamespacedDeployment({ namespace: this.options.namespace, body });
    this.logger.log(`${name}: created from ${templateName}`);
    return created;
  }

  private async applyScaledObject(target: PoolTarget): Promise<void> {
    const name = this.deploymentName(target.label);
    const namespace = this.options.namespace;
    const current = await this.readScaledObject(name);
    if (!current) {
      const template = await this.readScaledObject(this.deploymentName(this.options.templatePool));
      if (!template) throw new Error(`no ScaledObject of pool ${this.options.templatePool} to copy`);
      const queueName = `${this.options.queuePrefix}.tasks.${target.label}`;
      const body: ScaledObject = {
        apiVersion: `${KEDA.group}/${KEDA.version}`,
        kind: 'ScaledObject',
        metadata: { name, namespace, labels: { ...template.metadata.labels, [POOL_LABEL]: target.label } },
        spec: {
          ...template.spec,
          scaleTargetRef: { name },
          minReplicaCount: target.replicas,
          maxReplicaCount: Math.max(
            target.maxReplicas ?? template.spec.maxReplicaCount ?? 1,
            target.replicas,
          ),
          triggers: (template.spec.triggers ?? []).map((trigger) => ({
            ...trigger,
            metadata: { ...trigger.metadata, queueName },
          })),
        },
      };
      await this.custom.createNamespacedCustomObject({ ...KEDA, namespace, body });
      this.logger.log(`${name}: ScaledObject created`);
      return;
    }
    const max = Math.max(target.maxReplicas ?? current.spec.maxReplicaCount ?? 1, target.replicas);
    if (current.spec.minReplicaCount === target.replicas && current.spec.maxReplicaCount === max) return;
    await this.custom.patchNamespacedCustomObject(
      {
        ...KEDA,
        namespace,
        name,
        body: { spec: { minReplicaCount: target.replicas, maxReplicaCount: max } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    this.logger.log(`${name}: ScaledObject bounds ${target.replicas}..${max}`);
  }

  private async readScaledObject(name: string): Promise<ScaledObject | undefined> {
    try {
      return (await this.custom.getNamespacedCustomObject({
        ...KEDA,
        namespace: this.options.namespace,
        name,
      })) as ScaledObject;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}

/** In a pod, its service account; elsewhere KUBECONFIG or ~/.kube/config. */
function defaultKubeConfig(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromDefault();
  return config;
}

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 404;
}
