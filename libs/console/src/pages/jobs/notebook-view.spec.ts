import type { Notebook } from '@omega/jobs';
import { highlight } from '../../rendering/highlight';
import { describeCron } from './cron-text';
import { notebookView } from './notebook-view';

describe('console notebook view, highlighting and cron in words', () => {
  it('keeps every character of a source, in tokens of the right kinds', () => {
    const source = "const s = 'a\\'b'; // note\nlet n = 42 + x;";
    const tokens = highlight(source);
    expect(tokens.map((token) => token.text).join('')).toBe(source);
    expect(tokens.filter((token) => token.kind === 'keyword').map((token) => token.text)).toEqual([
      'const',
      'let',
    ]);
    expect(tokens.find((token) => token.kind === 'string')?.text).toBe("'a\\'b'");
    expect(tokens.find((token) => token.kind === 'comment')?.text).toBe('// note');
    expect(tokens.find((token) => token.kind === 'number')?.text).toBe('42');
  });

  it('shows HTML and SVG outputs as text, raster images as images, tracebacks without colour codes', () => {
    const notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        {
          cell_type: 'code',
          source: ['1'],
          outputs: [
            { output_type: 'display_data', data: { 'text/html': ['<b>', 'x</b>'] } },
            { output_type: 'display_data', data: { 'image/svg+xml': '<svg onload="x()"/>' } },
            { output_type: 'display_data', data: { 'image/png': 'not base64 <', 'text/plain': 'p' } },
            { output_type: 'display_data', data: { 'image/png': 'iVBORw0KGgo=' } },
            { output_type: 'error', ename: 'E', evalue: 'v', traceback: ['\u001b[31mE: v\u001b[0m'] },
            { output_type: 'unknown' },
          ],
        },
      ],
    } as unknown as Notebook;
    expect(notebookView(notebook)[0].outputs).toEqual([
      { kind: 'text', mime: 'text/html', text: '<b>x</b>', asText: true },
      { kind: 'text', mime: 'image/svg+xml', text: '<svg onload="x()"/>', asText: true },
      { kind: 'text', mime: 'text/plain', text: 'p', asText: false },
      { kind: 'image', mime: 'image/png', src: 'data:image/png;base64,iVBORw0KGgo=' },
      { kind: 'error', ename: 'E', evalue: 'v', traceback: 'E: v' },
    ]);
  });

  it('puts the common cron shapes in words and leaves the others alone', () => {
    expect(describeCron('* * * * *')).toBe('every minute');
    expect(describeCron('*/15 * * * *')).toBe('every 15 minutes');
    expect(describeCron('0 */2 * * *')).toBe('every 2 hours');
    expect(describeCron('30 6 * * 1-5')).toBe('weekdays at 06:30');
    expect(describeCron('0 7 * * 0,6')).toBe('weekends at 07:00');
    expect(describeCron('5 9 * * 1')).toBe('every Monday at 09:05');
    expect(describeCron('0 0 1 * *')).toBe('on day 1 of every month at 00:00');
    expect(describeCron('0 0 1 1 *')).toBeUndefined();
    expect(describeCron('1-5 * * * *')).toBeUndefined();
  });
});
