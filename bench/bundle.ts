import { build, type Metafile } from 'esbuild';

/*
 * One esbuild bundle, built as TaskFunction builds a Lambda's, so what a bench child loads is what a Lambda
 * would load: one minified CommonJS file, with no tsx compiling at load time.
 */

// The same settings TaskFunction gives esbuild, but a target this machine's Node.js 20 can load.
const BUNDLE_OPTIONS = { bundle: true, minify: true, platform: 'node', format: 'cjs', target: 'node20', metafile: true } as const;

/** Bundles a file, or TypeScript source resolved from the project root, to `outfile`; the metafile lists what went in. */
export async function bundle(entry: { readonly file: string } | { readonly contents: string }, outfile: string): Promise<Metafile> {
  const input = 'file' in entry ? { entryPoints: [entry.file] } : { stdin: { contents: entry.contents, resolveDir: process.cwd(), loader: 'ts' as const } };
  const result = await build({ ...BUNDLE_OPTIONS, ...input, outfile, logLevel: 'silent' });
  return result.metafile;
}
