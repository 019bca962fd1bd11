import { parseModelRef, selectVersion } from './model-ref';
import type { ModelKindMeta, ModelVersion } from './model-version';

function version(n: number): ModelVersion {
  return {
    version: n,
    kind: 'onnx.model',
    gridFile: `blob${n}`,
    size: 1,
    sha256: '',
    created: new Date(),
    description: { actions: ['predict'] },
    lineage: { source: 'upload' },
  };
}

const meta: ModelKindMeta = {
  versions: [version(1), version(2), version(3)],
  tags: { latest: 3, stable: 1 },
  latest: 3,
  description: { actions: ['predict'] },
};

describe('model references', () => {
  it.each([
    ['iris', { name: 'iris' }],
    ['team/iris', { name: 'team/iris' }],
    ['iris@stable', { name: 'iris', tag: 'stable' }],
    ['iris@2', { name: 'iris', version: 2 }],
    ['iris@v2', { name: 'iris', version: 2 }],
    ['iris^', { name: 'iris', back: 1 }],
    ['iris^^', { name: 'iris', back: 2 }],
  ])('parses %s', (text, expected) => {
    expect(parseModelRef(text)).toEqual(expected);
  });

  it.each(['', '@stable', 'iris@', 'iris@$where', '../iris', 'iris@a b', '$iris^', 'iris@' + 'x'.repeat(65)])(
    'rejects %p',
    (text) => {
      expect(() => parseModelRef(text)).toThrow(
        expect.objectContaining({ code: expect.stringMatching(/INVALID/) }),
      );
    },
  );

  it('selects the version a reference points at', () => {
    expect(selectVersion(parseModelRef('iris'), meta).version).toBe(3);
    expect(selectVersion(parseModelRef('iris^'), meta).version).toBe(2);
    expect(selectVersion(parseModelRef('iris^^'), meta).version).toBe(1);
    expect(selectVersion(parseModelRef('iris@stable'), meta).version).toBe(1);
    expect(selectVersion(parseModelRef('iris@latest'), meta).version).toBe(3);
    expect(selectVersion(parseModelRef('iris@2'), meta).version).toBe(2);
  });

  it('answers NOT_FOUND for what does not exist', () => {
    for (const text of ['iris^^^', 'iris@7', 'iris@prod']) {
      expect(() => selectVersion(parseModelRef(text), meta)).toThrow(
        expect.objectContaining({ code: 'NOT_FOUND' }),
      );
    }
  });
});
