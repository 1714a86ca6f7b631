import { createInterface } from 'node:readline/promises';
import { Listr, ListrLogger, PRESET_TIMER, PRESET_TIMESTAMP, ProcessOutput } from 'listr2';
import { InterruptedError } from '../errors.js';
import type { IoHost, IoMessage } from '../io/io-host.js';
import { isCi, type CliSession } from './session.js';

/**
 * The terminal side of the user port. Each step is a listr2 task: a live spinner with a timer on
 * a terminal, and listr2's simple renderer with timestamps when there is none or CI is set, so
 * CI logs get one plain line per event. Everything goes to stderr: stdout is for results.
 */
export class ListrIoHost implements IoHost {
  private readonly output: ProcessOutput;

  constructor(private readonly cli: CliSession) {
    this.output = new ProcessOutput(cli.term.stderr, cli.term.stderr);
  }

  notify(msg: IoMessage): void {
    if (msg.level === 'debug' && !this.cli.term.env.DEPLOYCTL_DEBUG) return;
    const s = this.cli.errStyle;
    const prefix =
      msg.level === 'warn' ? s.yellow('Warning: ') : msg.level === 'error' ? s.red('Error: ') : '';
    this.cli.note(`${prefix}${msg.text}`);
  }

  async confirm(question: string): Promise<boolean> {
    if (!this.cli.interactive) return false;
    const rl = createInterface({ input: this.cli.term.stdin, output: this.cli.term.stderr });
    try {
      const answer = await rl.question(`${question} Only "yes" is accepted: `);
      return answer.trim().toLowerCase() === 'yes';
    } catch (err) {
      // Ctrl+C at the prompt: readline rejects with an AbortError (the terminal is in raw mode, so
      // no SIGINT reaches our handler). It is an interruption, not a bug: exit 130, nothing changed.
      if ((err as { code?: string }).code === 'ABORT_ERR') {
        this.cli.note('');
        throw new InterruptedError('interrupted at the confirmation question; nothing was changed.');
      }
      throw err;
    } finally {
      rl.close();
    }
  }

  async step<T>(title: string, run: (update: (text: string) => void) => Promise<T>): Promise<T> {
    let result: T | undefined;
    // A terminal that reports no width (a pty nobody sized, e.g. under `script` or some CI
    // runners) cannot draw a live task list: listr2 would wrap every character onto its own line.
    const stderr = this.cli.term.stderr;
    const plain = !stderr.isTTY || isCi(this.cli.term.env) || !stderr.columns;
    const logger = new ListrLogger({ processOutput: this.output, useIcons: !plain });
    await new Listr(
      [
        {
          title,
          task: async (_ctx, task): Promise<void> => {
            result = await run((text) => {
              task.output = this.cli.mask(text);
            });
            if (typeof result === 'string' && result) task.title = `${title}: ${this.cli.mask(result)}`;
          },
        },
      ],
      {
        renderer: 'default',
        fallbackRenderer: 'simple',
        fallbackRendererCondition: plain,
        // The CLI owns Ctrl+C (it rolls back first); listr2 must not exit the process on it.
        registerSignalListeners: false,
        exitOnError: true,
        rendererOptions: { logger, timer: PRESET_TIMER, showErrorMessage: false, collapseErrors: true },
        fallbackRendererOptions: { logger, timer: PRESET_TIMER, timestamp: PRESET_TIMESTAMP },
      },
    ).run();
    return result as T;
  }
}
