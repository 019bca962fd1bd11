import { irisPetalWidth, irisSpecies } from '../../test/iris';
import { validateParams } from '../params/hyper-params';
import { AlgorithmAdapter, FittedModel, TrainingSet } from './algorithm-adapter';
import { adapterFor, MLJS_ALGORITHMS } from './algorithms';

const species = irisSpecies();
const petal = irisPetalWidth();
const SPECIES = ['setosa', 'versicolor', 'virginica'];

/** Small settings where the defaults are slow; the round trip does not depend on them. */
const PARAMS: Record<string, Record<string, unknown>> = {
  'random-forest-classifier': { nEstimators: 10 },
  'random-forest-regressor': { nEstimators: 10 },
  'logistic-regression': { numSteps: 200 },
  kmeans: { k: 3 },
};

function trainingSet(adapter: AlgorithmAdapter): TrainingSet {
  if (adapter.task === 'classifier') {
    return {
      rows: species.train.x.rows,
      targets: species.train.y.map((s) => SPECIES.indexOf(s)),
      classCount: 3,
    };
  }
  if (adapter.task === 'regressor')
    return { rows: petal.train.x.rows, targets: petal.train.y, classCount: 0 };
  return { rows: species.train.x.rows, targets: [], classCount: 0 };
}

function answers(model: FittedModel, rows: number[][]): unknown[] {
  return [model.predict?.(rows), model.predictProba?.(rows), model.transform?.(rows), model.score?.(rows)];
}

describe.each(MLJS_ALGORITHMS)('adapter %s', (name) => {
  const adapter = adapterFor(name);
  const params = validateParams(name, adapter.params, PARAMS[name]);

  it("round-trips through JSON: the library's toJSON() and load() give the same answers", () => {
    const data = trainingSet(adapter);
    const testRows = adapter.task === 'regressor' ? petal.test.x.rows : species.test.x.rows;
    const trained = adapter.fit(data, params);
    const json = JSON.parse(JSON.stringify(trained)) as typeof trained;
    const inMemory = adapter.load(trained, params, data.classCount);
    const stored = adapter.load(json, params, data.classCount);
    expect(answers(stored, testRows)).toEqual(answers(inMemory, testRows));
  });

  it('implements exactly the actions it declares', () => {
    const data = trainingSet(adapter);
    const model = adapter.load(adapter.fit(data, params), params, data.classCount);
    const implemented = {
      predict: model.predict !== undefined,
      predict_proba: model.predictProba !== undefined,
      transform: model.transform !== undefined,
      partial_fit: adapter.partialFit !== undefined,
    };
    for (const [action, present] of Object.entries(implemented)) {
      expect([action, adapter.actions.includes(action as never)]).toEqual([action, present]);
    }
  });
});
