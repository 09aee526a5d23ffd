import type { AssetBody } from '../../generators/generator';

/** An asset's bytes as text, whatever shape `open` gave them in. */
export async function readBody(body: AssetBody): Promise<string> {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}
