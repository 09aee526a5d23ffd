import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../sandbox/persist';

/*
 * The page's script and everything it imports (mermaid and its dependencies, about 5 MB), as one file for the
 * browser: nothing is fetched from a CDN. Bundling takes several seconds, so the result is kept under
 * node_modules/.cache, keyed by the page's sources and the versions of what it bundles.
 */

export const PAGE_DIR = path.join(__dirname, 'page');
const ROOT = path.join(__dirname, '..');
const CACHE_DIR = path.join(ROOT, 'node_modules', '.cache', 'dx-flow-console');

function cacheKey(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(PAGE_DIR).sort()) hash.update(file).update(readFileSync(path.join(PAGE_DIR, file)));
  for (const dependency of ['mermaid', 'esbuild']) hash.update(readFileSync(path.join(ROOT, 'node_modules', dependency, 'package.json')));
  return hash.digest('hex').slice(0, 16);
}

/** The bundled page script, from the cache when the sources and versions are those it was built from. */
export async function pageScript(): Promise<string> {
  const cached = path.join(CACHE_DIR, `app-${cacheKey()}.js`);
  try {
    return readFileSync(cached, 'utf8');
  } catch {
    // Not built yet for these sources: build it below.
  }
  const result = await build({
    entryPoints: [path.join(PAGE_DIR, 'app.ts')],
    bundle: true,
    write: false,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  });
  const script = result.outputFiles[0].text;
  mkdirSync(CACHE_DIR, { recursive: true });
  writeFileAtomicSync(cached, script);
  // Only the bundle of these sources is ever read again: the older ones would pile up, 5 MB each.
  for (const file of readdirSync(CACHE_DIR)) {
    if (/^app-[0-9a-f]+\.js$/.test(file) && path.join(CACHE_DIR, file) !== cached) rmSync(path.join(CACHE_DIR, file), { force: true });
  }
  return script;
}
