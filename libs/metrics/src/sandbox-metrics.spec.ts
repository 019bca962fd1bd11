import { OmegaErrorCode } from '@omega/core';
import { MetricsRegistry } from './metrics-registry';
import { SandboxMetrics } from './sandbox-metrics';

describe('SandboxMetrics', () => {
  it('counts the tasks that ended at a sandbox limit, by action and label, and nothing else', async () => {
    const registry = new MetricsRegistry();
    const sandbox = new SandboxMetrics(registry);
    sandbox.taskEnded('script.run', 'default', OmegaErrorCode.LimitExceeded);
    sandbox.taskEnded('script.run', 'default', OmegaErrorCode.LimitExceeded);
    sandbox.taskEnded('job.run', 'gpu', OmegaErrorCode.LimitExceeded);
    sandbox.taskEnded('script.run', 'default', 'SCRIPT_FAILED');
    sandbox.taskEnded('predict', 'default', undefined);
    const text = await registry.registry.metrics();
    expect(text).toContain('omega_sandbox_limits_hit_total{action="script.run",label="default"} 2');
    expect(text).toContain('omega_sandbox_limits_hit_total{action="job.run",label="gpu"} 1');
    expect(
      text.split('\n').filter((line) => line.startsWith('omega_sandbox_limits_hit_total{')),
    ).toHaveLength(2);
  });
});
