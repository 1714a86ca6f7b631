/**
 * The `.env` beside the spec, read the way Docker Compose reads it: `KEY=VALUE` lines, an
 * optional `export ` prefix, `#` comments (whole lines, or after whitespace in an unquoted
 * value), blank lines, single quotes (literal) and double quotes (`\n`, `\t`, `\r`, `\"`, `\\`
 * escapes; may span lines). Values are used for `${VAR}` interpolation only.
 */
export interface DotenvProblem {
  /** 1-based line in the .env file. */
  line: number;
  message: string;
}

export interface DotenvResult {
  values: Record<string, string>;
  problems: DotenvProblem[];
}

const ASSIGNMENT = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };

export function parseDotenv(text: string): DotenvResult {
  const lines = text.split(/\r?\n/);
  const values: Record<string, string> = {};
  const problems: DotenvProblem[] = [];
  let i = 0;
  while (i < lines.length) {
    const lineNo = i + 1;
    const line = (lines[i] ?? '').trim();
    i++;
    if (line === '' || line.startsWith('#')) continue;
    const match = ASSIGNMENT.exec(line);
    if (!match) {
      // The line's text is not echoed: it may hold a secret.
      problems.push({
        line: lineNo,
        message:
          'is not a KEY=VALUE line (a name of letters, digits and _, then =); fix it or comment it out with #',
      });
      continue;
    }
    const key = match[1] ?? '';
    let rest = match[2] ?? '';
    const quote = rest[0];
    if (quote !== '"' && quote !== "'") {
      values[key] = rest.replace(/\s+#.*$/, '').trim();
      continue;
    }
    // A quoted value may continue on the following lines until its closing quote.
    let close = findClosingQuote(rest, quote);
    while (close < 0 && i < lines.length) {
      rest += `\n${lines[i] ?? ''}`;
      i++;
      close = findClosingQuote(rest, quote);
    }
    if (close < 0) {
      problems.push({
        line: lineNo,
        message: `has a ${quote === '"' ? 'double' : 'single'} quote that is never closed; add the closing ${quote}`,
      });
      continue;
    }
    if (!/^\s*(#.*)?$/.test(rest.slice(close + 1))) {
      problems.push({
        line: lineNo,
        message:
          'has text after the closing quote; put a comment after a # or move the text inside the quotes',
      });
      continue;
    }
    const body = rest.slice(1, close);
    values[key] = quote === '"' ? body.replace(/\\(.)/g, (all, c: string) => ESCAPES[c] ?? all) : body;
  }
  return { values, problems };
}

function findClosingQuote(text: string, quote: string): number {
  for (let j = 1; j < text.length; j++) {
    const c = text[j];
    if (quote === '"' && c === '\\') j++;
    else if (c === quote) return j;
  }
  return -1;
}
