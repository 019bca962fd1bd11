/** One row of the sample sales table the dataset suites share. */
export type SalesRow = {
  id: number;
  price: number;
  qty: number;
  region: string | null;
  ok: boolean;
  day: string;
};

/** 240 deterministic rows with every type, repeats for grouping, and nulls. */
export function sampleSales(): SalesRow[] {
  const regions = ['EU', 'US', 'APAC', null, 'eu-west'];
  return Array.from({ length: 240 }, (_, i) => ({
    id: i,
    price: Math.round(((i * 37) % 101) * 1.25 * 100) / 100,
    qty: (i * 7) % 13,
    region: regions[i % regions.length],
    ok: i % 3 === 0,
    day: new Date(Date.UTC(2024, 0, 1 + (i % 60), 12)).toISOString(),
  }));
}

/** Every filter operator as a query parameter, with the predicate a reader computes on its own. */
export const SALES_FILTER_CASES: [string, string, (row: SalesRow) => boolean][] = [
  ['qty__eq', '4', (r) => r.qty === 4],
  ['qty', '4', (r) => r.qty === 4],
  ['qty__ne', '4', (r) => r.qty !== 4],
  ['price__lt', '20.5', (r) => r.price < 20.5],
  ['price__lte', '25', (r) => r.price <= 25],
  ['price__gt', '100', (r) => r.price > 100],
  ['price__gte', '100', (r) => r.price >= 100],
  ['qty__in', '1,2,12', (r) => [1, 2, 12].includes(r.qty)],
  ['qty__nin', '1,2,12', (r) => ![1, 2, 12].includes(r.qty)],
  ['region__in', 'EU,US', (r) => r.region === 'EU' || r.region === 'US'],
  ['region__contains', 'u', (r) => r.region !== null && r.region.includes('u')],
  ['region__startswith', 'E', (r) => r.region !== null && r.region.startsWith('E')],
  ['region__endswith', 'west', (r) => r.region !== null && r.region.endsWith('west')],
  ['region__isnull', 'true', (r) => r.region === null],
  ['region__isnull', 'false', (r) => r.region !== null],
  ['ok', 'true', (r) => r.ok],
  ['day__gte', '2024-02-15T00:00:00Z', (r) => r.day >= '2024-02-15T00:00:00.000Z'],
  ['day__lt', '2024-01-05', (r) => r.day < '2024-01-05T00:00:00.000Z'],
];
