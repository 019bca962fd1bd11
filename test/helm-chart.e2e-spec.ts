import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The Helm chart (k8s/helm/omega-ts), checked offline: no Kubernetes API server can run on these machines
 * (kube-apiserver and k3s do not `go install`, kind needs registry images), so the chart is linted,
 * rendered for several value sets, validated by kubeconform -strict against the Kubernetes 1.33 JSON
 * schemas (and KEDA's and the Prometheus operator's CRD schemas), and its manifests are held to a policy.
 * helm, kubeconform and the schemas come from `bash scripts/tools.sh k8s` (cached under ~/.cache/omega-ts).
 */

const ROOT = join(__dirname, '..');
const CHART = join(ROOT, 'k8s', 'helm', 'omega-ts');
const PRODUCTION = join(CHART, 'examples', 'production-values.yaml');
/** A build of helm from the Go module proxy takes ~8 min on 2 cores when nothing is cached. */
const TOOLS_TIMEOUT_MS = 20 * 60_000;

interface Tools {
  helm: string;
  kubeconform: string;
  schemaLocation: string;
}

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
};

interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string } } }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[] };
  };
  volumeMounts?: { name: string; mountPath: string }[];
}

interface PodSpec {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  volumes?: {
    name: string;
    emptyDir?: unknown;
    secret?: { secretName: string };
    configMap?: { name: string };
  }[];
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
}

let tools: Tools;

beforeAll(() => {
  // Idempotent: a quick no-op when the tools and schemas are cached.
  execFileSync('bash', [join(ROOT, 'scripts', 'tools.sh'), 'k8s'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: TOOLS_TIMEOUT_MS,
  });
  const env = Object.fromEntries(
    execFileSync('bash', [join(ROOT, 'scripts', 'tools.sh'), 'env'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((line) => line.split('=', 2) as [string, string]),
  );
  const schemas = env.OMEGA_TOOLS_K8S_SCHEMAS;
  tools = {
    helm: env.OMEGA_TOOLS_HELM,
    kubeconform: env.OMEGA_TOOLS_KUBECONFORM,
    // kubeconform fills these in per resource: the strict flavour, then e.g. deployment-apps-v1.json.
    schemaLocation: `${schemas}/v${env.OMEGA_TOOLS_K8S_VERSION}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
  };
}, TOOLS_TIMEOUT_MS);

function run(
  file: string,
  args: string[],
  input?: string,
): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(file, args, { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function template(...valueArgs: string[]): string {
  const result = run(tools.helm, ['template', 'omega', CHART, '--namespace', 'omega', ...valueArgs]);
  if (result.status !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  return result.stdout;
}

/** YAML documents as objects, through Debian's python3-yaml (which scripts/tools.sh installs). */
function parse(rendered: string): Manifest[] {
  const json = execFileSync(
    'python3',
    ['-c', 'import sys, json, yaml; json.dump([d for d in yaml.safe_load_all(sys.stdin) if d], sys.stdout)'],
    { input: rendered, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(json) as Manifest[];
}

function kubeconform(rendered: string): { status: number; summary: Record<string, number>; stdout: string } {
  const result = run(
    tools.kubeconform,
    ['-strict', '-summary', '-output', 'json', '-schema-location', tools.schemaLocation, '-'],
    rendered,
  );
  const report = JSON.parse(result.stdout) as { summary: Record<string, number> };
  return { status: result.status, summary: report.summary, stdout: result.stdout };
}

function podSpec(manifest: Manifest): PodSpec | undefined {
  const spec = manifest.spec as { template?: { spec?: PodSpec } } | undefined;
  return ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(manifest.kind)
    ? spec?.template?.spec
    : undefined;
}

const byKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);
const named = (manifests: Manifest[], kind: string, name: string) =>
  manifests.find((m) => m.kind === kind && m.metadata.name === name);

/** The value sets CI renders: what a new user gets, the production example, and a dev install with everything on. */
const VALUE_SETS: Record<string, string[]> = {
  default: [],
  production: ['-f', PRODUCTION],
  dev: [
    '--set',
    'dev.enabled=true',
    '--set',
    'keda.enabled=true',
    '--set',
    'ingress.enabled=true',
    '--set',
    'metrics.serviceMonitor.enabled=true',
    '--set',
    'manager.driver=none',
  ],
};

describe('the Helm chart', () => {
  it.each(['default', 'production'])('passes helm lint with the %s values', (set) => {
    const result = run(tools.helm, ['lint', CHART, '--strict', ...VALUE_SETS[set]]);
    expect(`${result.stdout}${result.stderr}`).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(result.status).toBe(0);
  });

  it.each(Object.keys(VALUE_SETS))(
    'renders the %s values into manifests kubeconform -strict finds valid',
    (set) => {
      const rendered = template(...VALUE_SETS[set]);
      const manifests = parse(rendered);
      const checked = kubeconform(rendered);
      expect(checked.summary).toEqual({
        valid: manifests.length,
        invalid: 0,
        errors: 0,
        skipped: 0,
      });
      expect(checked.status).toBe(0);
    },
  );

  it('has kubeconform refuse what the schemas do not allow (they are really read)', () => {
    const manifests = parse(template(...VALUE_SETS.production));
    const deployment = structuredClone(byKind(manifests, 'Deployment')[0]) as Manifest & {
      spec: { replicaz?: number };
    };
    deployment.spec.replicaz = 3;
    const scaledObject = structuredClone(byKind(manifests, 'ScaledObject')[0]) as Manifest & {
      spec: { minReplicaCount: unknown };
    };
    scaledObject.spec.minReplicaCount = 'one';
    const monitor = structuredClone(byKind(manifests, 'ServiceMonitor')[0]) as Manifest & {
      spec: { endpointz?: unknown };
    };
    monitor.spec.endpointz = [];
    const rendered = [deployment, scaledObject, monitor].map((m) => JSON.stringify(m)).join('\n---\n');
    const checked = kubeconform(rendered);
    expect(checked.summary).toMatchObject({ valid: 0, invalid: 3, errors: 0 });
    expect(checked.stdout).toContain('replicaz');
    expect(checked.status).not.toBe(0);
  });

  it('refuses an unpinned image and a short secret key', () => {
    for (const args of [
      ['--set', 'image.tag=latest'],
      ['--set', 'image.tag='],
      ['--set', 'secrets.secretKey=short'],
    ]) {
      const result = run(tools.helm, ['template', 'omega', CHART, ...args]);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(
        /image\.tag must name a release|secrets\.secretKey must have at least 32/,
      );
    }
  });

  describe.each(Object.keys(VALUE_SETS))('policy over the %s manifests', (set) => {
    let manifests: Manifest[];
    beforeAll(() => {
      manifests = parse(template(...VALUE_SETS[set]));
    });

    it('gives every container limits, probes and a locked-down security context, with a pinned image', () => {
      const pods = manifests.filter((m) => podSpec(m));
      expect(pods.length).toBeGreaterThanOrEqual(3);
      for (const manifest of pods) {
        const pod = podSpec(manifest)!;
        const where = `${manifest.kind}/${manifest.metadata.name}`;
        expect({ where, runAsNonRoot: pod.securityContext?.runAsNonRoot }).toEqual({
          where,
          runAsNonRoot: true,
        });
        expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
        expect(pod.securityContext?.seccompProfile?.type).toBeDefined();
        for (const container of pod.containers) {
          const at = `${where} ${container.name}`;
          expect({ at, limits: Object.keys(container.resources?.limits ?? {}).sort() }).toEqual({
            at,
            limits: expect.arrayContaining(['cpu', 'memory']),
          });
          expect({ at, requests: Object.keys(container.resources?.requests ?? {}).sort() }).toEqual({
            at,
            requests: expect.arrayContaining(['cpu', 'memory']),
          });
          expect({ at, liveness: !!container.livenessProbe, readiness: !!container.readinessProbe }).toEqual({
            at,
            liveness: true,
            readiness: true,
          });
          expect({ at, ...container.securityContext }).toMatchObject({
            at,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          });
          expect(container.image).toMatch(/^[^:@\s]+(:[\w][\w.-]{0,127}|@sha256:[0-9a-f]{64})$/);
          expect(container.image).not.toMatch(/:latest$/);
          // A read-only root needs somewhere to write: every mount is a declared volume.
          const volumes = new Set((pod.volumes ?? []).map((v) => v.name));
          for (const mount of container.volumeMounts ?? []) {
            const claims = (
              (manifest.spec as { volumeClaimTemplates?: { metadata: { name: string } }[] })
                .volumeClaimTemplates ?? []
            ).map((c) => c.metadata.name);
            expect({
              at,
              mount: mount.name,
              declared: volumes.has(mount.name) || claims.includes(mount.name),
            }).toEqual({
              at,
              mount: mount.name,
              declared: true,
            });
          }
        }
      }
    });

    it('references only Secrets and ConfigMaps that exist (or the one named as made outside the chart)', () => {
      const secrets = new Set(byKind(manifests, 'Secret').map((m) => m.metadata.name));
      const configMaps = new Set(byKind(manifests, 'ConfigMap').map((m) => m.metadata.name));
      // The production example keeps its credentials in a Secret of its own (secrets.existingSecret).
      if (set === 'production') secrets.add('omega-platform');
      const referenced = { secrets: new Set<string>(), configMaps: new Set<string>() };
      for (const manifest of manifests) {
        const pod = podSpec(manifest);
        for (const container of pod?.containers ?? []) {
          for (const from of container.envFrom ?? []) {
            if (from.secretRef) referenced.secrets.add(from.secretRef.name);
            if (from.configMapRef) referenced.configMaps.add(from.configMapRef.name);
          }
          for (const env of container.env ?? [])
            if (env.valueFrom?.secretKeyRef) referenced.secrets.add(env.valueFrom.secretKeyRef.name);
        }
        for (const volume of pod?.volumes ?? []) {
          if (volume.secret) referenced.secrets.add(volume.secret.secretName);
          if (volume.configMap) referenced.configMaps.add(volume.configMap.name);
        }
        if (manifest.kind === 'TriggerAuthentication') {
          for (const ref of (manifest.spec as { secretTargetRef: { name: string }[] }).secretTargetRef)
            referenced.secrets.add(ref.name);
        }
      }
      expect(referenced.secrets.size).toBeGreaterThan(0);
      expect([...referenced.secrets].filter((name) => !secrets.has(name))).toEqual([]);
      expect([...referenced.configMaps].filter((name) => !configMaps.has(name))).toEqual([]);
      // An Ingress's TLS Secret is issued by cert-manager, which the production example names.
      for (const ingress of byKind(manifests, 'Ingress')) {
        const tls = (ingress.spec as { tls?: { secretName: string }[] }).tls ?? [];
        if (tls.length > 0)
          expect(ingress.metadata.annotations?.['cert-manager.io/cluster-issuer']).toBeDefined();
      }
    });

    it('selects existing pods from every Service, PodDisruptionBudget, HPA and ScaledObject', () => {
      const templates = manifests
        .filter((m) => podSpec(m))
        .map((m) => ({
          manifest: m,
          labels: (m.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata
            .labels,
        }));
      const matches = (selector: Record<string, string>) =>
        templates.filter(({ labels }) => Object.entries(selector).every(([k, v]) => labels[k] === v));
      for (const service of byKind(manifests, 'Service'))
        expect(matches((service.spec as { selector: Record<string, string> }).selector).length).toBe(1);
      for (const pdb of byKind(manifests, 'PodDisruptionBudget')) {
        const selector = (pdb.spec as { selector: { matchLabels: Record<string, string> } }).selector
          .matchLabels;
        expect({ pdb: pdb.metadata.name, pods: matches(selector).length }).toEqual({
          pdb: pdb.metadata.name,
          pods: 1,
        });
      }
      for (const hpa of byKind(manifests, 'HorizontalPodAutoscaler')) {
        const target = (hpa.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef;
        expect(named(manifests, target.kind, target.name)).toBeDefined();
      }
      for (const scaled of byKind(manifests, 'ScaledObject')) {
        const target = (scaled.spec as { scaleTargetRef: { name: string } }).scaleTargetRef;
        expect(named(manifests, 'Deployment', target.name)).toBeDefined();
      }
    });

    it('runs one worker Deployment per pool, named as the cloud manager finds them', () => {
      const workers = byKind(manifests, 'Deployment').filter(
        (m) => m.metadata.labels?.['app.kubernetes.io/component'] === 'worker',
      );
      const pools = set === 'production' ? ['default', 'gpu'] : ['default'];
      expect(workers.map((w) => w.metadata.labels?.['omega-ts/pool']).sort()).toEqual(pools);
      const manager = named(manifests, 'Deployment', 'omega-omega-ts-manager')!;
      const managerEnv = podSpec(manager)!.containers[0].env ?? [];
      const release = managerEnv.find((e) => e.name === 'OMEGA_CLOUD_K8S_RELEASE')?.value;
      for (const worker of workers) {
        const pool = worker.metadata.labels!['omega-ts/pool'];
        expect(worker.metadata.name).toBe(`${release}-worker-${pool}`);
        const env = podSpec(worker)!.containers[0].env ?? [];
        expect(env.find((e) => e.name === 'OMEGA_WORKER_LABELS')?.value).toBe(pool);
        // The scripts' sandbox: unshare(CLONE_NEWUSER) needs a seccomp profile that allows it.
        expect(podSpec(worker)!.securityContext?.seccompProfile?.type).toBe('Unconfined');
        expect(podSpec(worker)!.automountServiceAccountToken).toBe(false);
        const keda = set !== 'default';
        expect('replicas' in (worker.spec ?? {})).toBe(!keda);
      }
      expect(podSpec(manager)!.containers[0].args).toEqual(['manager']);
      expect((manager.spec as { replicas: number }).replicas).toBe(2);
    });

    it('keeps workers unreachable and lets them reach only the services and the API', () => {
      const policies = byKind(manifests, 'NetworkPolicy');
      const deny = policies.find((p) => p.metadata.name.endsWith('-default-deny'))!;
      expect((deny.spec as { policyTypes: string[] }).policyTypes).toEqual(['Ingress', 'Egress']);
      const worker = policies.find((p) => p.metadata.name.endsWith('-worker'))!;
      const spec = worker.spec as {
        ingress: unknown[];
        egress: {
          to?: { ipBlock?: { cidr: string }; podSelector?: { matchLabels: Record<string, string> } }[];
          ports: { port: number }[];
        }[];
      };
      expect(spec.ingress).toEqual([]);
      const ports = spec.egress.flatMap((rule) => rule.ports.map((p) => p.port)).sort((a, b) => a - b);
      const rabbit = set === 'production' ? 5671 : 5672;
      expect(ports).toEqual(expect.arrayContaining([53, 5000, 27017, 5432, rabbit]));
      // Nothing open to any address on any port: every rule names its ports.
      expect(spec.egress.every((rule) => rule.ports.length > 0)).toBe(true);
      const api = policies.find((p) => p.metadata.name.endsWith('-api'))!;
      expect((api.spec as { egress: unknown[] }).egress.length).toBeGreaterThan(0);
    });
  });

  it('puts the OMEGA_* settings the processes need into the ConfigMap and the Secret', () => {
    const manifests = parse(template());
    const config = named(manifests, 'ConfigMap', 'omega-omega-ts-config')!.data!;
    expect(config).toMatchObject({
      OMEGA_API_HOST: '0.0.0.0',
      OMEGA_API_PORT: '5000',
      OMEGA_MONGO_DB_PREFIX: 'omega',
      OMEGA_DATA_DIR: '/data',
      OMEGA_API_URL: 'http://omega-omega-ts-api:80',
    });
    const secret = named(manifests, 'Secret', 'omega-omega-ts-secrets')!.stringData!;
    expect(Object.keys(secret).sort()).toEqual(
      ['OMEGA_BROKER_URL', 'OMEGA_MONGO_URL', 'OMEGA_SECRET_KEY', 'OMEGA_SQL_URL'].sort(),
    );
    expect(secret.OMEGA_SECRET_KEY.length).toBeGreaterThanOrEqual(32);
    // No setting that is a secret sits in the ConfigMap.
    expect(Object.keys(config).filter((key) => /URL$|SECRET|PASSWORD|APIKEY/.test(key))).toEqual([
      'OMEGA_API_URL',
    ]);
  });
});
