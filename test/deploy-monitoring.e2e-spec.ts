import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The deployment files checked offline: the Prometheus rules with promtool (syntax and their unit tests),
 * the Grafana dashboards against the code that generates them, and compose.yaml against the compose-spec
 * schema. The tools come from scripts/tools.sh (npm test runs it).
 */
const ROOT = join(__dirname, '..');
const PROMETHEUS = join(ROOT, 'deploy', 'prometheus');
const PYTHON = join(ROOT, '.omega', 'tools-python', 'bin', 'python');
const CHECK_JSONSCHEMA = join(ROOT, '.omega', 'tools-python', 'bin', 'check-jsonschema');

function run(command: string, args: string[], cwd = ROOT): { status: number | null; output: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  if (result.error) throw new Error(`${command}: ${result.error.message} (run bash scripts/tools.sh)`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/**
 * YAML read as the tools read it (merge keys included), by the validator's own YAML library: no YAML parser
 * is a dependency of the project.
 */
function loadYaml(file: string): unknown {
  const read = run(PYTHON, [
    '-c',
    'import json, sys\nfrom ruamel.yaml import YAML\njson.dump(YAML(typ="safe").load(open(sys.argv[1])), sys.stdout)',
    file,
  ]);
  if (read.status !== 0) throw new Error(`cannot read ${file}: ${read.output}`);
  return JSON.parse(read.output);
}

function recordingRules(): Set<string> {
  const file = loadYaml(join(PROMETHEUS, 'rules', 'omega-recording.yml')) as {
    groups: { rules: { record: string }[] }[];
  };
  return new Set(file.groups.flatMap((group) => group.rules.map((rule) => rule.record)));
}

describe('Prometheus rules', () => {
  it('pass promtool check config and check rules', () => {
    const config = run('promtool', ['check', 'config', join(PROMETHEUS, 'prometheus.yml')]);
    expect(config.output).toContain('is valid prometheus config file syntax');
    expect(config.status).toBe(0);
    const rules = run('promtool', [
      'check',
      'rules',
      join(PROMETHEUS, 'rules', 'omega-recording.yml'),
      join(PROMETHEUS, 'rules', 'omega-alerts.yml'),
    ]);
    expect(rules.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(rules.status).toBe(0);
  });

  it('pass their unit tests (promtool test rules)', () => {
    const tests = run('promtool', ['test', 'rules', 'tests/omega-rules.test.yml'], PROMETHEUS);
    expect(tests.output).toContain('SUCCESS');
    expect(tests.status).toBe(0);
  });

  it('fail promtool when an alert no longer fires as its test expects', () => {
    // The unit tests have teeth: a threshold raised past the test's data makes them fail.
    const dir = mkdtempSync(join(tmpdir(), 'omega-rules-'));
    try {
      const alerts = readFileSync(join(PROMETHEUS, 'rules', 'omega-alerts.yml'), 'utf8');
      const raised = alerts.replace(
        'job:omega_http_errors:ratio_rate5m > 0.05',
        'job:omega_http_errors:ratio_rate5m > 0.5',
      );
      expect(raised).not.toBe(alerts);
      const rulesDir = join(dir, 'rules');
      const testsDir = join(dir, 'tests');
      for (const folder of [rulesDir, testsDir]) mkdirSync(folder);
      writeFileSync(join(rulesDir, 'omega-alerts.yml'), raised);
      writeFileSync(
        join(rulesDir, 'omega-recording.yml'),
        readFileSync(join(PROMETHEUS, 'rules', 'omega-recording.yml')),
      );
      writeFileSync(
        join(testsDir, 'omega-rules.test.yml'),
        readFileSync(join(PROMETHEUS, 'tests', 'omega-rules.test.yml')),
      );
      const tests = run('promtool', ['test', 'rules', 'tests/omega-rules.test.yml'], dir);
      expect(tests.status).not.toBe(0);
      expect(tests.output).toContain('alertname: OmegaApiErrorRate');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Grafana dashboards', () => {
  const dashboards = ['overview', 'runtime', 'tenants'];

  it('are what deploy/grafana/dashboards.py generates', () => {
    const check = run(PYTHON, [join(ROOT, 'deploy', 'grafana', 'dashboards.py'), '--check']);
    expect(check.output).toBe('');
    expect(check.status).toBe(0);
  });

  it('read only recording rules that exist, and name the data source by variable', () => {
    const records = recordingRules();
    for (const name of dashboards) {
      const board = JSON.parse(
        readFileSync(join(ROOT, 'deploy', 'grafana', 'dashboards', `${name}.json`), 'utf8'),
      );
      const panels = (
        board.panels as { type: string; targets?: { expr: string }[]; datasource?: { uid: string } }[]
      ).filter((panel) => panel.type !== 'row');
      expect(panels.length).toBeGreaterThan(0);
      for (const panel of panels) {
        expect(panel.datasource?.uid).toBe('${datasource}');
        for (const target of panel.targets ?? []) {
          // A name with colons is a recording rule (level:metric:operations).
          for (const used of target.expr.match(/[a-z_]+:[a-z0-9_]+:[a-z0-9_]+/g) ?? []) {
            expect({ dashboard: name, rule: used, known: records.has(used) }).toEqual({
              dashboard: name,
              rule: used,
              known: true,
            });
          }
        }
      }
    }
  });
});

describe('compose.yaml', () => {
  it('is valid against the compose-spec schema', () => {
    const check = run(CHECK_JSONSCHEMA, [
      '--builtin-schema',
      'vendor.compose-spec',
      join(ROOT, 'compose.yaml'),
    ]);
    expect(check.output).toContain('validation done');
    expect(check.status).toBe(0);
  });

  it('is refused by the same check when a service has a misspelt key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'omega-compose-'));
    try {
      const text = readFileSync(join(ROOT, 'compose.yaml'), 'utf8').replace(
        'stop_grace_period:',
        'stop_grace_periods:',
      );
      writeFileSync(join(dir, 'compose.yaml'), text);
      const check = run(CHECK_JSONSCHEMA, [
        '--builtin-schema',
        'vendor.compose-spec',
        join(dir, 'compose.yaml'),
      ]);
      expect(check.status).not.toBe(0);
      expect(check.output).toContain('stop_grace_periods');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the three commands of one image, mounts files that exist and publishes only on loopback', () => {
    const compose = loadYaml(join(ROOT, 'compose.yaml')) as {
      services: Record<string, { image?: string; command?: string[]; volumes?: string[]; ports?: string[] }>;
    };
    const { services } = compose;
    expect(Object.keys(services).sort()).toEqual(
      ['api', 'ferretdb', 'grafana', 'manager', 'postgres', 'prometheus', 'rabbitmq', 'worker'].sort(),
    );
    for (const name of ['api', 'worker', 'manager']) {
      expect(services[name].image).toBe('localhost/omega-ts:latest');
      expect(services[name].command).toEqual([name]);
    }
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0];
        if (source.startsWith('./'))
          expect({ name, source, exists: existsSync(join(ROOT, source)) }).toEqual({
            name,
            source,
            exists: true,
          });
      }
      for (const port of service.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
    }
  });
});
