import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Paths of a throwaway CA and one certificate for 127.0.0.1 signed by it (servers and clients alike). */
export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/**
 * Makes a CA and a certificate for `127.0.0.1` (subjectAltName IP) in `dir` with openssl, valid for a day, keys
 * mode 600. For local clusters and tests only: nothing here is meant to outlive the run.
 */
export function makeTlsMaterial(dir: string, commonName = '127.0.0.1'): TlsFiles {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = ['-newkey', 'rsa:2048', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...key,
    '-days',
    '1',
    '-subj',
    '/CN=redis-ha-test-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  );
  openssl('req', ...key, '-subj', `/CN=${commonName}`, '-keyout', 'node.key', '-out', 'node.csr');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  const sign = ['-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'san.ext'];
  openssl('x509', '-req', '-in', 'node.csr', ...sign, '-out', 'node.crt');
  return { ca: join(dir, 'ca.crt'), cert: join(dir, 'node.crt'), key: join(dir, 'node.key') };
}

/** ioredis `tls` options from the files: the CA to trust, and the certificate it presents (mutual TLS). */
export function tlsOptions(files: TlsFiles): { ca: Buffer; cert: Buffer; key: Buffer } {
  return { ca: readFileSync(files.ca), cert: readFileSync(files.cert), key: readFileSync(files.key) };
}

/** redis.conf lines: TLS only (plaintext port off), on the cluster bus and replication too, client certificates required. */
export function tlsDirectives(port: number, files: TlsFiles): Record<string, string> {
  return {
    port: '0',
    'tls-port': String(port),
    'tls-cert-file': files.cert,
    'tls-key-file': files.key,
    'tls-ca-cert-file': files.ca,
    'tls-auth-clients': 'yes',
    'tls-replication': 'yes',
    'tls-cluster': 'yes',
  };
}
