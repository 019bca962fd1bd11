import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, TestApp } from './support/test-app';
import { ManagerProcess, startManager, waitFor } from './cloud-manager-process';

/**
 * The cloud manager's kubernetes driver (@kubernetes/client-node) against an API exchange served by a local
 * HTTP server: NO Kubernetes API server runs on these machines (kube-apiserver and k3s do not `go install`,
 * kind needs registry images). The server holds the worker Deployments and ScaledObjects exactly as the
 * Helm chart renders them (helm template, plus the status an API server adds), answers reads, patches and
 * creates the way the apps/v1 and keda.sh/v1alpha1 APIs do, and records every request; the test checks
 * the requests the manager made — paths, patch content types and bodies — and what the API reported.
 */

const ROOT = join(__dirname, '..');
const CHART = join(ROOT, 'k8s', 'helm', 'omega-ts');
const NAMESPACE = 'omega';
const RELEASE = 'omega-omega-ts';
const TOKEN = 'recorded-service-account-token';
const STEP_MS = 90_000;

type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown> & { replicas?: number; minReplicaCount?: number; maxReplicaCount?: number };
  status?: Record<string, unknown>;
};

interface Recorded {
  method: string;
  path: string;
  contentType?: string;
  authorization?: string;
  body?: unknown;
}

/** The chart's objects for these values, as `helm template` renders them. */
function rendered(...args: string[]): K8sObject[] {
  execFileSync('bash', [join(ROOT, 'scripts', 'tools.sh'), 'k8s'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const env = execFileSync('bash', [join(ROOT, 'scripts', 'tools.sh'), 'env'], { encoding: 'utf8' });
  const helm = /OMEGA_TOOLS_HELM=(.*)/.exec(env)![1];
  const yaml = execFileSync(helm, ['template', 'omega', CHART, '--namespace', NAMESPACE, ...args], {
    encoding: 'utf8',
  });
  const json = execFileSync(
    'python3',
    ['-c', 'import sys, json, yaml; json.dump([d for d in yaml.safe_load_all(sys.stdin) if d], sys.stdout)'],
    { input: yaml, encoding: 'utf8' },
  );
  return JSON.parse(json) as K8sObject[];
}

/** What an API server adds to a stored object. */
function stored(object: K8sObject, uid: number): K8sObject {
  const copy = structuredClone(object);
  copy.metadata = {
    ...copy.metadata,
    namespace: NAMESPACE,
    uid: `0000-${uid}`,
    resourceVersion: String(1000 + uid),
    creationTimestamp: '2026-12-01T10:00:00Z',
  };
  if (copy.kind === 'Deployment') {
    const replicas = copy.spec.replicas ?? 1;
    copy.status = { replicas, readyReplicas: replicas, availableReplicas: replicas, observedGeneration: 1 };
  }
  return copy;
}

/**
 * The apps/v1 Deployment and keda.sh/v1alpha1 ScaledObject endpoints the driver uses, over a store of
 * objects. Pods are taken as ready at once (status follows spec), and KEDA as scaling a Deployment up to
 * its ScaledObject's lower bound.
 */
class FakeApiServer {
  readonly requests: Recorded[] = [];
  readonly objects = new Map<string, K8sObject>();
  private server?: Server;

  put(object: K8sObject): void {
    this.objects.set(`${object.kind}/${object.metadata.name}`, object);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  mutations(): Recorded[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString();
    const url = new URL(req.url ?? '/', 'http://fake');
    const recorded: Recorded = {
      method: req.method ?? 'GET',
      path: `${url.pathname}${url.search}`,
      contentType: req.headers['content-type'],
      authorization: req.headers.authorization,
      body: text ? JSON.parse(text) : undefined,
    };
    this.requests.push(recorded);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, status(401, 'Unauthorized', ''));
    const deployments = `/apis/apps/v1/namespaces/${NAMESPACE}/deployments`;
    const scaledObjects = `/apis/keda.sh/v1alpha1/namespaces/${NAMESPACE}/scaledobjects`;
    const [base, name] = url.pathname.startsWith(`${deployments}/`)
      ? [deployments, url.pathname.slice(deployments.length + 1)]
      : url.pathname.startsWith(`${scaledObjects}/`)
        ? [scaledObjects, url.pathname.slice(scaledObjects.length + 1)]
        : [url.pathname, undefined];
    const kind = base === deployments ? 'Deployment' : base === scaledObjects ? 'ScaledObject' : undefined;
    if (!kind) return send(404, status(404, 'NotFound', url.pathname));
    const key = `${kind}/${name}`;
    if (req.method === 'GET' && name === undefined) {
      const selector = url.searchParams.get('labelSelector') ?? '';
      const [label, value] = selector.split('=');
      const items = [...this.objects.values()].filter(
        (o) => o.kind === kind && (!selector || o.metadata.labels?.[label] === value),
      );
      return send(200, {
        apiVersion: 'apps/v1',
        kind: `${kind}List`,
        metadata: { resourceVersion: '2000' },
        items,
      });
    }
    if (req.method === 'GET') {
      const found = this.objects.get(key);
      return found
        ? send(200, found)
        : send(404, status(404, 'NotFound', `${kind.toLowerCase()}s "${name}" not found`));
    }
    if (req.method === 'POST' && name === undefined) {
      const body = recorded.body as K8sObject;
      const made = stored(body, this.objects.size + 1);
      this.put(made);
      return send(201, made);
    }
    if (req.method === 'PATCH') {
      const found = this.objects.get(key);
      if (!found) return send(404, status(404, 'NotFound', name ?? ''));
      const patch = recorded.body as K8sObject;
      if (req.headers['content-type'] === 'application/merge-patch+json') {
        Object.assign(found.spec, patch.spec);
      } else if (req.headers['content-type'] === 'application/strategic-merge-patch+json') {
        // Containers merge by name, their env entries by name.
        const containers = (
          found.spec.template as {
            spec: { containers: { name: string; env?: { name: string; value?: string }[] }[] };
          }
        ).spec.containers;
        for (const change of (
          patch.spec.template as {
            spec: { containers: { name: string; env: { name: string; value: string }[] }[] };
          }
        ).spec.containers) {
          const container = containers.find((c) => c.name === change.name)!;
          for (const entry of change.env) {
            const existing = container.env?.find((e) => e.name === entry.name);
            if (existing) existing.value = entry.value;
            else (container.env ??= []).push(entry);
          }
        }
      } else {
        return send(415, status(415, 'UnsupportedMediaType', String(req.headers['content-type'])));
      }
      this.settle();
      return send(200, found);
    }
    return send(405, status(405, 'MethodNotAllowed', req.method ?? ''));
  }

  /** Pods become ready at once; KEDA keeps a Deployment at least at its ScaledObject's lower bound. */
  private settle(): void {
    for (const object of this.objects.values()) {
      if (object.kind !== 'ScaledObject') continue;
      const target = this.objects.get(`Deployment/${(object.spec.scaleTargetRef as { name: string }).name}`);
      if (target)
        target.spec.replicas = Math.max(target.spec.replicas ?? 0, object.spec.minReplicaCount ?? 0);
    }
    for (const object of this.objects.values()) {
      if (object.kind !== 'Deployment') continue;
      const replicas = object.spec.replicas ?? 1;
      object.status = { ...object.status, replicas, readyReplicas: replicas, availableReplicas: replicas };
    }
  }
}

function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

describe('the cloud manager with the kubernetes driver (a recorded API exchange, no API server)', () => {
  let t: TestApp;
  let api: FakeApiServer;
  let work: string;
  let kubeconfig: string;
  let manager: ManagerProcess | undefined;

  beforeAll(async () => {
    t = await startTestApp();
    api = new FakeApiServer();
    const objects = rendered('--set', 'keda.enabled=true');
    for (const object of objects.filter((o) => ['Deployment', 'ScaledObject'].includes(o.kind))) {
      // Rendered with KEDA, the worker Deployment has no replicas; as a running cluster has it, it has two.
      if (object.kind === 'Deployment' && object.metadata.name === `${RELEASE}-worker-default`)
        object.spec.replicas = 2;
      api.put(stored(object, api.objects.size + 1));
    }
    const server = await api.start();
    work = mkdtempSync(join(tmpdir(), 'omega-kube-'));
    kubeconfig = join(work, 'kubeconfig.json');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        // Plain HTTP on loopback: client-node takes http:// only with TLS checks off, which a real cluster never needs.
        clusters: [{ name: 'recorded', cluster: { server, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'manager', user: { token: TOKEN } }],
        contexts: [
          { name: 'recorded', context: { cluster: 'recorded', user: 'manager', namespace: NAMESPACE } },
        ],
        'current-context': 'recorded',
      }),
    );
  }, STEP_MS);

  // One manager at a time: a standing-by one would never get the lease.
  afterEach(async () => {
    await manager?.stop();
    manager = undefined;
  }, STEP_MS);

  afterAll(async () => {
    await api?.stop();
    rmSync(work, { recursive: true, force: true });
    await t?.close();
  }, STEP_MS);

  const kubeManager = (keda: boolean) =>
    startManager(t.config, {
      OMEGA_CLOUD_DRIVER: 'kubernetes',
      OMEGA_CLOUD_K8S_NAMESPACE: NAMESPACE,
      OMEGA_CLOUD_K8S_RELEASE: RELEASE,
      OMEGA_CLOUD_K8S_KEDA: String(keda),
      KUBECONFIG: kubeconfig,
    });

  const poolOf = async (label: string) =>
    (
      (await t.api.get('/api/v1/cloud/workers').expect(200)).body as {
        pools: {
          pool: { label: string; replicas: number; applied?: { running: number; ready: number } };
          state: string;
        }[];
      }
    ).pools.find((p) => p.pool.label === label);

  it(
    'adopts the chart’s pool, patches replicas, copies a pool for a new label and rolls a new concurrency',
    async () => {
      manager = await kubeManager(false);
      await waitFor(
        async () => (await poolOf('default'))?.state === 'done',
        'the chart’s pool adopted',
        STEP_MS,
      ).catch((error: Error) => {
        throw new Error(
          `${error.message}\n--- manager:\n${manager?.output()}\n--- requests:\n${JSON.stringify(api.requests)}`,
        );
      });
      expect(await poolOf('default')).toMatchObject({
        pool: { replicas: 2, applied: { running: 2, ready: 2 } },
      });
      expect(api.requests[0]).toMatchObject({
        method: 'GET',
        path: `/apis/apps/v1/namespaces/${NAMESPACE}/deployments?labelSelector=app.kubernetes.io%2Fcomponent%3Dworker`,
        authorization: `Bearer ${TOKEN}`,
      });

      const scaled = await t.api
        .put('/api/v1/cloud/workers/default?wait=60')
        .send({ replicas: 5 })
        .expect(200);
      expect(scaled.body).toMatchObject({
        state: 'done',
        pool: { replicas: 5, applied: { running: 5, ready: 5, driver: 'kubernetes' } },
      });
      expect(api.mutations()).toEqual([
        {
          method: 'PATCH',
          path: `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${RELEASE}-worker-default`,
          contentType: 'application/merge-patch+json',
          authorization: `Bearer ${TOKEN}`,
          body: { spec: { replicas: 5 } },
        },
      ]);

      const added = await t.api
        .post('/api/v1/cloud/workers?wait=60')
        .send({ label: 'gpu', replicas: 1 })
        .expect(200);
      expect(added.body).toMatchObject({ state: 'done', pool: { label: 'gpu', replicas: 1 } });
      const created = api.mutations()[1];
      expect(created).toMatchObject({
        method: 'POST',
        path: `/apis/apps/v1/namespaces/${NAMESPACE}/deployments`,
      });
      const gpu = created.body as K8sObject;
      expect(gpu.metadata).toMatchObject({
        name: `${RELEASE}-worker-gpu`,
        labels: { 'omega-ts/pool': 'gpu' },
      });
      expect(gpu.spec).toMatchObject({
        replicas: 1,
        selector: { matchLabels: { 'omega-ts/pool': 'gpu', 'app.kubernetes.io/component': 'worker' } },
      });
      const container = (
        gpu.spec.template as {
          spec: {
            containers: { name: string; env: { name: string; value?: string }[]; securityContext: unknown }[];
          };
        }
      ).spec.containers[0];
      expect(container.env).toEqual(
        expect.arrayContaining([
          { name: 'OMEGA_WORKER_LABELS', value: 'gpu' },
          { name: 'OMEGA_WORKER_CONCURRENCY', value: '4' },
        ]),
      );
      expect(container.env.filter((e) => e.name === 'OMEGA_WORKER_LABELS')).toHaveLength(1);
      // The copy keeps the template pool's locked-down security context.
      expect(container.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });

      await t.api.put('/api/v1/cloud/config/workers.concurrency').send({ value: 6 }).expect(200);
      await waitFor(async () => api.mutations().length >= 4, 'both pools rolled', 30_000);
      const rolled = api.mutations().slice(2);
      expect(rolled.map((r) => r.path).sort()).toEqual([
        `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${RELEASE}-worker-default`,
        `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${RELEASE}-worker-gpu`,
      ]);
      for (const request of rolled) {
        expect(request).toMatchObject({
          method: 'PATCH',
          contentType: 'application/strategic-merge-patch+json',
          body: {
            spec: {
              template: {
                spec: {
                  containers: [{ name: 'worker', env: [{ name: 'OMEGA_WORKER_CONCURRENCY', value: '6' }] }],
                },
              },
            },
          },
        });
      }
      // Rolled once: the pools now say 6, so later rounds leave them alone.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(api.mutations()).toHaveLength(4);
    },
    3 * STEP_MS,
  );

  it(
    'with KEDA, moves the ScaledObject’s bounds instead of the replicas',
    async () => {
      const before = api.mutations().length;
      manager = await kubeManager(true);
      const scaled = await t.api
        .put('/api/v1/cloud/workers/default?wait=60')
        .send({ replicas: 3, maxReplicas: 12 })
        .expect(200);
      expect(scaled.body).toMatchObject({ state: 'done', pool: { replicas: 3, maxReplicas: 12 } });
      const patches = api.mutations().slice(before);
      expect(patches).toContainEqual({
        method: 'PATCH',
        path: `/apis/keda.sh/v1alpha1/namespaces/${NAMESPACE}/scaledobjects/${RELEASE}-worker-default`,
        contentType: 'application/merge-patch+json',
        authorization: `Bearer ${TOKEN}`,
        body: { spec: { minReplicaCount: 3, maxReplicaCount: 12 } },
      });
      // KEDA owns the Deployment's replicas now: the manager never patched them in this round.
      expect(
        patches.filter(
          (r) =>
            r.path.endsWith('/deployments/omega-omega-ts-worker-default') &&
            (r.body as K8sObject).spec.replicas !== undefined,
        ),
      ).toEqual([]);
    },
    2 * STEP_MS,
  );

  it(
    'reports a refused call as a failure the manager retries, and the API says so',
    async () => {
      manager = await kubeManager(true);
      await t.api.put('/api/v1/cloud/workers/gpu?wait=0').send({ replicas: 2 }).expect(202);
      // The gpu pool was made without KEDA: there is no ScaledObject to copy from under this name yet, so the
      // copy comes from the default pool's; a missing template would be the failure case.
      await waitFor(async () => (await poolOf('gpu'))?.state !== 'pending', 'the gpu pool settled', 60_000);
      const gpu = await poolOf('gpu');
      expect(gpu?.state).toBe('done');
      expect(api.mutations().some((r) => r.method === 'POST' && r.path.endsWith('/scaledobjects'))).toBe(
        true,
      );

      api.objects.delete(`ScaledObject/${RELEASE}-worker-default`);
      api.objects.delete(`ScaledObject/${RELEASE}-worker-gpu`);
      api.objects.delete(`Deployment/${RELEASE}-worker-default`);
      const failed = await t.api.put('/api/v1/cloud/workers/gpu?wait=30').send({ replicas: 1 });
      expect(failed.status).toBe(502);
      expect(failed.body).toMatchObject({ code: 'UPSTREAM_FAILED' });
      expect(failed.body.message).toContain('no ScaledObject of pool default to copy');
    },
    2 * STEP_MS,
  );
});
