import { main } from '../../workflows/cli/main';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The last stdout line, parsed: the `--json` summary. */
  json: () => Record<string, unknown>;
}

export const lastLine = (text: string) => JSON.parse(text.trimEnd().split('\n').at(-1) ?? '') as Record<string, unknown>;

/** The CLI in this process, its output captured; `--local` starts the sandbox and closes it before returning. */
export async function cli(argv: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const code = await main(argv);
    return { code, stdout, stderr, json: () => lastLine(stdout) };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
