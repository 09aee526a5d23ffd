import { DataExchangeClient } from '@aws-sdk/client-dataexchange';
import { S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { SANDBOX_REGION } from '../../sandbox/accounts';
import { openTestSandbox } from '../sandbox/sandbox-harness';
import { main } from '../../cli/main';

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

const REPO = path.resolve(__dirname, '../..');

/** The CLI as a user runs it: its own node process, from the repository. */
export function spawnCli(argv: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['cli/dx-flow.js', ...argv], { cwd: REPO, env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, json: () => lastLine(stdout) }));
  });
}

export const clientOptions = { region: SANDBOX_REGION, maxAttempts: 1 };

/** Opens the sandbox in `directory` after the CLI has closed it, and checks its state with the real clients. */
export async function inspect<T>(directory: string, check: (clients: Inspection) => Promise<T>): Promise<T> {
  const env = await openTestSandbox([], directory);
  try {
    return await check({
      sandbox: env.sandbox,
      dataExchange: new DataExchangeClient(clientOptions),
      s3: new S3Client({ ...clientOptions, forcePathStyle: true }),
    });
  } finally {
    await env.close({ keep: true });
  }
}

export interface Inspection {
  readonly sandbox: Awaited<ReturnType<typeof openTestSandbox>>['sandbox'];
  readonly dataExchange: DataExchangeClient;
  readonly s3: S3Client;
}

