import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** One `sha256sum` line: `<64 hex>  <file name>` (two spaces: text mode, as sha256sum writes). */
export function formatChecksumLine(sha256: string, fileName: string): string {
  return `${sha256}  ${fileName}\n`;
}

/**
 * The hash on the first line of a `sha256sum` file (`hash  name`, `hash *name` or a bare hash),
 * lower-cased; undefined when the file does not look like one.
 */
export function parseChecksumFile(text: string): string | undefined {
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '');
  const match = first === undefined ? null : /^\s*([0-9a-fA-F]{64})(?:\s+\*?.+)?\s*$/.exec(first);
  return match?.[1]?.toLowerCase();
}

/** Writes `<dump>.sha256` through a temporary name, so a reader never sees half a line. */
export async function writeChecksumFile(path: string, sha256: string, dumpPath: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.partial`);
  const fh = await open(temp, 'w', 0o600);
  try {
    await fh.writeFile(formatChecksumLine(sha256, basename(dumpPath)));
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}
