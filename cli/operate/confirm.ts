import { createInterface } from 'node:readline/promises';
import { CliError, CliFailure } from '../errors';

/** Asks a yes/no question; true only for an explicit yes. */
export type Confirm = (question: string) => Promise<boolean>;

interface Terminal {
  readonly input: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly output: NodeJS.WritableStream;
}

/**
 * The confirmation a command that cuts subscribers off asks for: none with `--yes`; a y/N prompt on a
 * terminal (on stderr, so that `--json` stdout stays one object); and without a terminal, a refusal, since a
 * script that forgot `--yes` must not hang on a prompt no one sees.
 */
export function confirmation(options: { readonly yes?: boolean }, terminal: Terminal = { input: process.stdin, output: process.stderr }): Confirm {
  if (options.yes === true) return async () => true;
  return async (question) => {
    if (terminal.input.isTTY !== true) throw new CliError(`${question.replace(/\?$/, '')}: this needs confirmation, and stdin is no terminal; give --yes.`);
    const prompt = createInterface({ input: terminal.input, output: terminal.output });
    try {
      return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
    } finally {
      prompt.close();
    }
  };
}

/** Declining is no error of the user's input; it ends the command with exit 1, having changed nothing. */
export function declined(what: string): CliFailure {
  return new CliFailure(`Not confirmed: ${what} left as it was.`, 'NotConfirmed');
}
