import { loadCloudSettings } from './cloud-settings';

describe('loadCloudSettings', () => {
  it('defaults to no driver and the built worker beside the manager', () => {
    const settings = loadCloudSettings({}, ['node', 'worker.js']);
    expect(settings).toMatchObject({
      driver: 'none',
      workerCommand: ['node', 'worker.js'],
      k8sKeda: false,
      k8sTemplatePool: 'default',
      reconcileMs: 1000,
      managerPort: 0,
    });
  });

  it('reads the local and kubernetes settings', () => {
    const settings = loadCloudSettings({
      OMEGA_CLOUD_DRIVER: 'kubernetes',
      OMEGA_CLOUD_WORKER_COMMAND: '["/usr/bin/node","w.js"]',
      OMEGA_CLOUD_K8S_NAMESPACE: 'omega',
      OMEGA_CLOUD_K8S_RELEASE: 'prod-omega-ts',
      OMEGA_CLOUD_K8S_KEDA: 'true',
      OMEGA_CLOUD_RECONCILE_MS: '500',
      OMEGA_MANAGER_PORT: '5002',
    });
    expect(settings).toMatchObject({
      driver: 'kubernetes',
      workerCommand: ['/usr/bin/node', 'w.js'],
      k8sNamespace: 'omega',
      k8sRelease: 'prod-omega-ts',
      k8sKeda: true,
      reconcileMs: 500,
      managerPort: 5002,
    });
  });

  it('stops the boot naming every bad setting', () => {
    expect(() =>
      loadCloudSettings({
        OMEGA_CLOUD_DRIVER: 'docker',
        OMEGA_CLOUD_WORKER_COMMAND: 'node worker.js',
        OMEGA_CLOUD_RECONCILE_MS: '5',
        OMEGA_MANAGER_PORT: 'http',
      }),
    ).toThrow(
      /OMEGA_CLOUD_DRIVER must be one of local, kubernetes, none; OMEGA_CLOUD_WORKER_COMMAND must be a JSON list.*; OMEGA_CLOUD_RECONCILE_MS must be a whole number from 100 to 60000; OMEGA_MANAGER_PORT must be/,
    );
    expect(() => loadCloudSettings({ OMEGA_CLOUD_WORKER_COMMAND: '[]' })).toThrow(
      /OMEGA_CLOUD_WORKER_COMMAND/,
    );
  });
});
