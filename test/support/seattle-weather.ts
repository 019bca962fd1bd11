import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type TestAgent from 'supertest/lib/agent';

/** Seattle's daily weather 2012–2015 from vega-datasets: the model sees 2012–13, production is 2015. */
export interface Day {
  date: string;
  precipitation: number;
  temp_max: number;
  temp_min: number;
  wind: number;
  weather: string;
}
export const FEATURES = ['precipitation', 'temp_max', 'temp_min', 'wind'] as const;

export function seattleWeather(): Day[] {
  const text = readFileSync(
    join(__dirname, '..', '..', 'node_modules', 'vega-datasets', 'data', 'seattle-weather.csv'),
    'utf8',
  ).trim();
  const [header, ...lines] = text.split('\n');
  const names = header.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    const row = Object.fromEntries(names.map((name, i) => [name, cells[i]]));
    return {
      date: row.date,
      precipitation: Number(row.precipitation),
      temp_max: Number(row.temp_max),
      temp_min: Number(row.temp_min),
      wind: Number(row.wind),
      weather: row.weather,
    };
  });
}

export const days = seattleWeather();
export const baseline = days.filter((d) => d.date < '2014');
export const production = days.filter((d) => d.date >= '2015');
export const featuresOf = (d: Day) => Object.fromEntries(FEATURES.map((f) => [f, d[f]]));

/**
 * The model `weather` (k-NN) trained on 2012–13 (datasets `<prefix>`, `<prefix>_X`, `<prefix>_y`), tracked
 * into `experiment`, then asked about 2015's days in calls of at most 50 rows.
 */
export async function trackedWeatherModel(api: TestAgent, prefix: string, experiment: string): Promise<void> {
  await api.put(`/api/v1/dataset/${prefix}`).send({ data: baseline }).expect(200);
  await api
    .put(`/api/v1/dataset/${prefix}_X`)
    .send({ data: baseline.map(featuresOf) })
    .expect(200);
  await api
    .put(`/api/v1/dataset/${prefix}_y`)
    .send({ data: baseline.map((d) => ({ weather: d.weather })) })
    .expect(200);
  await api
    .post('/api/v1/model/')
    .send({ name: 'weather', algorithm: 'knn', params: { k: 5 } })
    .expect(201);
  await api.put(`/api/v1/model/weather/fit?datax=${prefix}_X&datay=${prefix}_y`).expect(200);
  await api.put('/api/v1/model/weather/track').send({ experiment }).expect(200);
  for (let start = 0; start < production.length; start += 50) {
    const X = production.slice(start, start + 50).map(featuresOf);
    const { body } = await api.put('/api/v1/model/weather/predict').send({ X }).expect(200);
    expect(body.result).toHaveLength(X.length);
  }
}
