import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { stringify } from 'csv-stringify/sync';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** A chart as data: a Vega-Lite spec (its data inline) and the rows it plots, for the CSV download. */
export interface Chart {
  spec: Record<string, unknown>;
  rows: Record<string, unknown>[];
}

export type ChartFormat = 'svg' | 'png' | 'csv';
export const CHART_FORMATS: readonly ChartFormat[] = ['svg', 'png', 'csv'];

export const CHART_CONTENT_TYPES: Record<ChartFormat, string> = {
  svg: 'image/svg+xml; charset=utf-8',
  png: 'image/png',
  csv: 'text/csv; charset=utf-8',
};

/**
 * The chart renderer's thread. Vega and Vega-Lite are ES modules with top-level await, which `require`
 * cannot load, so a worker thread imports them; rendering (and the PNG rasterising) also stays off the
 * request thread. Data never comes from a URL: the loader refuses every load.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Resvg } = require(workerData.resvg);
const ready = Promise.all([import(workerData.vega), import(workerData.vegaLite)]);
const refuse = () => Promise.reject(new Error('charts take their data inline'));
parentPort.on('message', async ({ id, spec, png }) => {
  try {
    const [vega, vegaLite] = await ready;
    const loader = vega.loader();
    loader.load = refuse;
    loader.sanitize = refuse;
    const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none', loader });
    const svg = await view.toSVG();
    view.finalize();
    if (!png) return parentPort.postMessage({ id, svg });
    const image = new Resvg(svg, {
      background: 'white',
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    }).render().asPng();
    parentPort.postMessage({ id, png: image }, [image.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: String((error && error.message) || error) });
  }
});
`;

/** What the chart styles share: the system's sans-serif font, no fonts fetched. */
const CONFIG = {
  font: 'sans-serif',
  view: { stroke: '#d0d4da' },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelLimit: 220 },
};

interface Pending {
  resolve: (answer: { svg?: string; png?: Uint8Array }) => void;
  reject: (error: Error) => void;
}

/**
 * Renders charts on the server: a Vega-Lite spec compiled to Vega and drawn by Vega's headless view into
 * SVG (text is escaped by Vega; the SVG holds no script), rasterised to PNG by resvg, or its rows as CSV.
 */
@Injectable()
export class ChartRenderer implements OnModuleDestroy {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  async svg(chart: Chart): Promise<string> {
    return (await this.call(chart, false)).svg!;
  }

  async png(chart: Chart): Promise<Buffer> {
    return Buffer.from((await this.call(chart, true)).png!);
  }

  /** The chart's rows; text that a spreadsheet would take for a formula is quoted with a `'`. */
  csv(chart: Chart): string {
    const columns = [...new Set(chart.rows.flatMap((row) => Object.keys(row)))];
    return stringify(
      chart.rows.map((row) => columns.map((column) => csvCell(row[column]))),
      { header: true, columns },
    );
  }

  async render(chart: Chart, format: ChartFormat): Promise<string | Buffer> {
    if (format === 'svg') return this.svg(chart);
    if (format === 'png') return this.png(chart);
    return this.csv(chart);
  }

  onModuleDestroy(): Promise<number> | undefined {
    const worker = this.worker;
    this.worker = null;
    return worker?.terminate();
  }

  private call(chart: Chart, png: boolean): Promise<{ svg?: string; png?: Uint8Array }> {
    const worker = this.start();
    const id = this.nextId++;
    const spec = { config: CONFIG, background: 'white', ...chart.spec };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, spec, png });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        vega: pathToFileURL(require.resolve('vega')).href,
        vegaLite: pathToFileURL(require.resolve('vega-lite')).href,
        resvg: require.resolve('@resvg/resvg-js'),
      },
    });
    worker.unref();
    worker.on('message', (answer: { id: number; svg?: string; png?: Uint8Array; error?: string }) => {
      const pending = this.pending.get(answer.id);
      this.pending.delete(answer.id);
      if (!pending) return;
      if (answer.error) pending.reject(new Error(`chart not rendered: ${answer.error}`));
      else pending.resolve(answer);
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const pending of this.pending.values()) pending.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`chart renderer stopped (exit ${code})`)));
    this.worker = worker;
    return worker;
  }
}

function csvCell(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(value)) return `'${value}`;
  return value ?? '';
}
