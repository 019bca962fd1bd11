import { ChartRenderer } from './chart-renderer';
import { distributions, driftBars, histogram, metricCurves } from './tracking-charts';

describe('ChartRenderer', () => {
  const charts = new ChartRenderer();
  afterAll(() => charts.onModuleDestroy());

  const points = [1, 2].flatMap((run) =>
    Array.from({ length: 10 }, (_, step) => ({ run: `run ${run}`, step, value: run * step })),
  );

  it('renders a spec to SVG with a line per run, and nothing that runs', async () => {
    const svg = await charts.svg(metricCurves('<script>alert(1)</script>', points));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('role-mark');
    expect(svg.match(/<path[^>]*aria-roledescription="line mark"/g) ?? []).toHaveLength(2);
    expect(svg).not.toMatch(/<script/i);
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('draws bars and the threshold rule', async () => {
    const svg = await charts.svg(
      driftBars(
        [
          { feature: 'a', psi: 0.05, drift: false },
          { feature: '"><img src=x onerror=alert(1)>', psi: 0.4, drift: true },
        ],
        0.2,
      ),
    );
    expect(svg.match(/aria-roledescription="bar"/g) ?? []).toHaveLength(2);
    expect(svg).toContain('role-mark');
    expect(svg).toMatch(/class="mark-rule/);
    expect(svg).not.toMatch(/<img/i);
  });

  it('rasterises to PNG', async () => {
    const png = await charts.png(distributions('x', histogram([1, 2, 3, 4], [3, 4, 5, 6])));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  });

  it('writes the rows as CSV, formulas quoted', () => {
    const csv = charts.csv({
      spec: {},
      rows: [
        { run: '=cmd()', value: 1 },
        { run: 'b', value: -2 },
      ],
    });
    expect(csv).toBe("run,value\n'=cmd(),1\nb,-2\n");
  });

  it('bins numbers into shares per side', () => {
    const rows = histogram([0, 0, 10, 10], [10, 10, 10, 10]);
    const recent = rows.filter((row) => row.side === 'recent');
    expect(recent.reduce((sum, row) => sum + row.share, 0)).toBeCloseTo(1);
    expect(recent[recent.length - 1].share).toBe(1);
    expect(rows.filter((row) => row.side === 'baseline')[0].share).toBe(0.5);
  });
});
