/**
 * A stand-in npm registry on 127.0.0.1 for installing memaudit's tarball with no network. It
 * serves exactly the packages of package-lock.json (the versions `npm ci` installed), their
 * metadata from the lock entries and their tarballs from npm's cache, where `npm ci` left them
 * (content-addressed by the lock's integrity: _cacache/content-v2/<algo>/<hex…>). An install
 * through it resolves memaudit's dependencies as it would from registry.npmjs.org, pinned to the
 * lock; whatever it cannot serve is answered 404 and listed in `missing`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

interface LockEntry {
  version: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, unknown>;
  engines?: Record<string, string>;
  bin?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  hasInstallScript?: boolean;
  license?: string;
  link?: boolean;
}

/** The manifest fields of a lock entry that a registry's version document carries. */
const MANIFEST_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies', 'peerDependenciesMeta', 'engines', 'bin', 'os', 'cpu', 'hasInstallScript', 'license'] as const;

export interface LocalRegistry {
  url: string;
  /** Requests answered 404 (a package or tarball the lock or the cache does not hold). */
  missing: string[];
  close(): Promise<void>;
}

/** npm's cache folder (`npm config get cache`). */
export function npmCacheDir(): string {
  return execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
}

/** Where npm's cache keeps the content with this integrity (`sha512-<base64>`). */
function cachedContent(cache: string, integrity: string): string {
  const [algo, b64] = integrity.split(/-(.*)/s) as [string, string];
  const hex = Buffer.from(b64, 'base64').toString('hex');
  return path.join(cache, '_cacache', 'content-v2', algo, hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
}

/** Package name → version → lock entry, over every node_modules folder of the lock. */
function lockPackages(lockFile: string): Map<string, Map<string, LockEntry>> {
  const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8')) as { packages: Record<string, LockEntry & { name?: string }> };
  const out = new Map<string, Map<string, LockEntry>>();
  for (const [dir, entry] of Object.entries(lock.packages)) {
    const at = dir.lastIndexOf('node_modules/');
    if (at < 0 || entry.link || !entry.integrity) continue;
    const name = entry.name ?? dir.slice(at + 'node_modules/'.length);
    if (!out.has(name)) out.set(name, new Map());
    out.get(name)!.set(entry.version, entry);
  }
  return out;
}

/** The registry's document for one package: its versions in the lock. */
function packument(name: string, versions: Map<string, LockEntry>, base: string): unknown {
  const docs: Record<string, unknown> = {};
  for (const [version, entry] of versions) {
    const doc: Record<string, unknown> = { name, version, dist: { integrity: entry.integrity, tarball: `${base}/-/tarball/${encodeURIComponent(entry.integrity!)}` } };
    for (const f of MANIFEST_FIELDS) if (entry[f] !== undefined) doc[f] = entry[f];
    docs[version] = doc;
  }
  const latest = [...versions.keys()].at(-1)!;
  return { name, 'dist-tags': { latest }, versions: docs };
}

/** Starts the registry for `lockFile`'s packages, tarballs from npm's `cache` folder. */
export async function startLocalRegistry(lockFile: string, cache: string): Promise<LocalRegistry> {
  const packages = lockPackages(lockFile);
  const missing: string[] = [];
  let base = '';
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    const notFound = () => {
      missing.push(url);
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    };
    if (url.startsWith('/-/tarball/')) {
      const file = cachedContent(cache, url.slice('/-/tarball/'.length));
      if (!fs.existsSync(file)) return notFound();
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      fs.createReadStream(file).pipe(res);
      return;
    }
    const versions = packages.get(url.slice(1));
    if (!versions) return notFound();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(packument(url.slice(1), versions, base)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: `${base}/`, missing, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
