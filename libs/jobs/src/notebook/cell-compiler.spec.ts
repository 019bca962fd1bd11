import { createContext, runInContext } from 'node:vm';
import { compileCell } from './cell-compiler';

describe('compileCell', () => {
  const evaluate = async (
    context: object,
    source: string,
    language: 'typescript' | 'javascript' = 'typescript',
  ) => (await runInContext(await compileCell(source, language), context)) as unknown;

  it('keeps top-level declarations for later cells and answers the last expression', async () => {
    const context = createContext({});
    expect(
      await evaluate(context, 'const rows: number[] = [1, 2, 3];\nlet { length } = rows;'),
    ).toBeUndefined();
    expect(
      await evaluate(
        context,
        'function total(values: number[]) { return values.reduce((a, b) => a + b, 0); }\ntotal(rows) * length',
      ),
    ).toBe(18);
    expect(
      await evaluate(context, 'class Box { constructor(readonly v: number) {} }\nnew Box(total(rows)).v'),
    ).toBe(6);
  });

  it('allows top-level await and destructuring', async () => {
    const context = createContext({});
    await evaluate(context, 'const [first, ...rest] = await Promise.resolve([4, 5, 6]);', 'javascript');
    expect(await evaluate(context, '({ first, rest })', 'javascript')).toEqual({ first: 4, rest: [5, 6] });
  });

  it('answers nothing when the cell does not end in an expression', async () => {
    expect(await evaluate(createContext({}), 'const x = 1;\nif (x) { x + 1; }')).toBeUndefined();
  });

  it('refuses exports and reports syntax errors', async () => {
    await expect(compileCell('export const x = 1;', 'typescript')).rejects.toThrow(/cannot export/);
    await expect(compileCell('const = 1', 'typescript')).rejects.toThrow();
  });
});
