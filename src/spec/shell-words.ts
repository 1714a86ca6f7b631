/**
 * Splits a command string into words the way a POSIX shell would, without expanding anything
 * (Compose does the same for string `command:` / `entrypoint:`): whitespace separates words,
 * '…' is literal, "…" allows \" \\ \$ \` escapes, a backslash outside quotes escapes the next
 * character, and "" is an empty word.
 */
export type ShellWords = { words: string[] } | { error: string };

export function splitShellWords(text: string): ShellWords {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && /["\\$`]/.test(text[i + 1] ?? '')) word += text[++i] ?? '';
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\') {
      word += text[++i] ?? '';
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote)
    return {
      error: `has a ${quote === '"' ? 'double' : 'single'} quote that is never closed; close it, or write the command as a list`,
    };
  if (inWord) words.push(word);
  return { words };
}
