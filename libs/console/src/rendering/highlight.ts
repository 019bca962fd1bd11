/** One run of source text and what it is; the template escapes `text` and styles by `kind`. */
export interface Token {
  kind: 'plain' | 'comment' | 'string' | 'number' | 'keyword';
  text: string;
}

const KEYWORDS = new Set(
  (
    'async await break case catch class const continue default delete do else export extends false ' +
    'finally for from function if import in instanceof interface let new null of return static switch ' +
    'this throw true try type typeof undefined var void while yield'
  ).split(' '),
);

/**
 * Comments, strings (including template literals, without nesting), numbers, words. Anything the pattern
 * does not name stays plain text, so odd input is shown as it is rather than rejected.
 */
const LEXEME =
  /(\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$))|('(?:\\[\s\S]|[^'\\\n])*'?|"(?:\\[\s\S]|[^"\\\n])*"?|`(?:\\[\s\S]|[^`\\])*`?)|(\b\d[\d_]*(?:\.\d+)?(?:[eE][-+]?\d+)?n?\b|\b0[xX][\da-fA-F_]+\b)|([A-Za-z_$][\w$]*)/g;

/**
 * JavaScript or TypeScript source as tokens for simple highlighting, rendered server-side: no script
 * runs in the browser and every token is HTML-escaped by the template engine.
 */
export function highlight(source: string): Token[] {
  const tokens: Token[] = [];
  const push = (kind: Token['kind'], text: string) => {
    if (!text) return;
    const last = tokens[tokens.length - 1];
    if (last && last.kind === kind) last.text += text;
    else tokens.push({ kind, text });
  };
  let at = 0;
  for (const match of source.matchAll(LEXEME)) {
    push('plain', source.slice(at, match.index));
    const [text, comment, string, number, word] = match;
    if (comment) push('comment', text);
    else if (string) push('string', text);
    else if (number) push('number', text);
    else push(word && KEYWORDS.has(word) ? 'keyword' : 'plain', text);
    at = match.index + text.length;
  }
  push('plain', source.slice(at));
  return tokens;
}
