/** How renderers emphasise text; the CLI passes ANSI colours or `plainStyle`. */
export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const same = (s: string): string => s;

/** No emphasis at all: for files, pipes, CI and tests. */
export const plainStyle: Style = { bold: same, dim: same, green: same, red: same, yellow: same, cyan: same };
