import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Finds a file shipped beside the code (`schemas/…`), looking upwards from this module: it runs
 * from src/util/ in the repository, dist/src/util/ after tsc, and dist/ inside the bundled CLI,
 * so the depth cannot be hard-coded. Undefined when the installation lacks it.
 */
export function findShippedFile(relative: string): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}
