import { closeSync, openSync, readSync } from 'node:fs';

/*
 * Files named on the command line are read up to a bound, never whole: `--input @/dev/zero` or a FIFO that
 * never ends would otherwise take all the memory there is. The bound is one byte past what the file may hold,
 * so a file just over it is told apart from one that fits.
 */

/** `--faults` and `--outputs-file`: a fault plan, or the outputs of the stacks one deploy wrote, are a few kilobytes. */
export const SMALL_FILE_MAX_BYTES = 1_048_576;

/** A file longer than its flag takes. */
export class FileTooLargeError extends Error {
  constructor(
    readonly file: string,
    readonly maxBytes: number,
  ) {
    super(`${file} is over ${maxBytes} bytes`);
    this.name = 'FileTooLargeError';
  }
}

/** The file's text, if it holds at most `maxBytes`; a system error (ENOENT, EISDIR, ...) is thrown as it is. */
export function readFileUpTo(file: string, maxBytes: number): string {
  const buffer = Buffer.alloc(maxBytes + 1);
  let length = 0;
  const fd = openSync(file, 'r');
  try {
    for (let read = -1; read !== 0 && length < buffer.length; length += read) read = readSync(fd, buffer, length, buffer.length - length, null);
  } finally {
    closeSync(fd);
  }
  if (length > maxBytes) throw new FileTooLargeError(file, maxBytes);
  return buffer.toString('utf8', 0, length);
}
