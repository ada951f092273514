import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createBrotliDecompress } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';

/**
 * Headless Chromium for the tests that look at a rendered page.
 *
 * The browser is a dev dependency that the npm registry ships whole: `@sparticuz/chromium`
 * carries a brotli-compressed headless Chromium and the few shared libraries it needs beyond
 * glibc (NSS, NSPR, expat, built for Amazon Linux 2023), so `npm ci && npm test` needs no
 * download from elsewhere and no system package. We unpack it ourselves rather than through
 * the package's `executablePath()`, which writes to a fixed `/tmp/chromium` (shared by every
 * checkout on the machine) and only unpacks the libraries on AWS Lambda.
 *
 * `KEYLEDGER_CHROMIUM=/path/to/chromium` uses a system browser instead.
 */

export interface Bundled {
  readonly executable: string;
  readonly env: Readonly<Record<string, string>>;
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The folder of `@sparticuz/chromium`'s compressed files, and its version. */
function packageBin(): { bin: string; version: string } {
  const entry = fileURLToPath(import.meta.resolve('@sparticuz/chromium'));
  // build/esm/index.js → the package root
  const root = dirname(dirname(dirname(entry)));
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return { bin: join(root, 'bin'), version };
}

async function unbrotli(file: string, to: string): Promise<void> {
  await pipeline(createReadStream(file), createBrotliDecompress(), createWriteStream(to, { mode: 0o755 }));
}

/** Unpacks `name.tar.br` into `dir` (tar is in every Debian base system). */
async function untar(file: string, dir: string): Promise<void> {
  const tar = join(dir, '.tmp.tar');
  await unbrotli(file, tar);
  const r = spawnSync('tar', ['-xf', tar, '-C', dir, '--no-same-owner'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar failed on ${file}: ${r.error?.message ?? r.stderr}`);
  rmSync(tar);
}

/** Unpacks the bundled Chromium once per version into node_modules/.cache, atomically. */
export async function bundledChromium(): Promise<Bundled> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the bundled Chromium is built for x86-64 Linux, not ${process.platform}-${process.arch}: set KEYLEDGER_CHROMIUM to a Chromium or Chrome binary`);
  }
  const { bin, version } = packageBin();
  const cache = join(ROOT, 'node_modules', '.cache', 'keyledger-chromium');
  const dir = join(cache, version);
  const fontsConf = join(dir, 'fonts.conf');
  const bundled: Bundled = {
    executable: join(dir, 'chromium'),
    env: { LD_LIBRARY_PATH: [join(dir, 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'), FONTCONFIG_FILE: fontsConf },
  };
  if (existsSync(bundled.executable)) return bundled;
  mkdirSync(cache, { recursive: true });
  const work = mkdtempSync(join(cache, `.${version}-`));
  try {
    await unbrotli(join(bin, 'chromium.br'), join(work, 'chromium'));
    await untar(join(bin, 'al2023.tar.br'), work); // lib/: NSS, NSPR, expat
    await untar(join(bin, 'swiftshader.tar.br'), work); // software GL, next to the binary
    await untar(join(bin, 'fonts.tar.br'), work); // fonts/: Open Sans, for a machine with none
    // The package's own fonts.conf points at /tmp/fonts; ours adds the system's fonts too.
    writeFileSync(join(work, 'fonts.conf'), `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${join(dir, 'fonts')}</dir>\n  <dir>/usr/share/fonts</dir>\n  <cachedir>${join(dir, 'fonts-cache')}</cachedir>\n</fontconfig>\n`);
    renameSync(work, dir);
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    if (existsSync(bundled.executable)) return bundled; // another run unpacked it first
    throw e;
  }
  return bundled;
}

/** Launches headless Chromium: `KEYLEDGER_CHROMIUM` if set, else the bundled one. */
export async function launchChromium(): Promise<Browser> {
  const system = process.env.KEYLEDGER_CHROMIUM;
  const { executable, env } = system ? { executable: system, env: {} } : await bundledChromium();
  return chromium.launch({
    executablePath: executable,
    headless: true,
    // As root (CI) Chromium refuses to start sandboxed; the pages we load are our own files.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    env: { ...process.env, ...env } as Record<string, string>,
    timeout: 60_000,
  });
}
