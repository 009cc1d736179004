import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { RedisHaConnectionError, getRedisToken } from '@app/redis-ha';
import { startHaApp } from './helpers/ha-app';
import { makeTlsMaterial, type TlsFiles } from '../tools/cluster/tls-material';

const TLS_PORT = 27140;
const dir = mkdtempSync(join(tmpdir(), 'redis-ha-tls-'));

/** A throwaway CA with a certificate for 127.0.0.1, and another CA that signed nothing the server presents. */
let tls: TlsFiles;
let otherCa: string;

describe('TLS to Redis (REDIS_URL=rediss://, REDIS_TLS_CA_FILE)', () => {
  let server: ChildProcess;

  beforeAll(async () => {
    tls = makeTlsMaterial(join(dir, 'server'));
    otherCa = makeTlsMaterial(join(dir, 'other')).ca;
    server = spawn(
      'redis-server',
      [
        '--port',
        '0',
        '--tls-port',
        String(TLS_PORT),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--tls-cert-file',
        tls.cert,
        '--tls-key-file',
        tls.key,
        '--tls-ca-cert-file',
        tls.ca,
        '--tls-auth-clients',
        'no',
        '--dir',
        dir,
      ],
      { stdio: 'ignore' },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
  });

  afterAll(async () => {
    if (server?.pid && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects over TLS with the CA from REDIS_TLS_CA_FILE', async () => {
    const env = { REDIS_URL: `rediss://127.0.0.1:${TLS_PORT}`, REDIS_TLS_CA_FILE: tls.ca };
    const app = await startHaApp({ env });
    try {
      const redis = app.get<Redis>(getRedisToken());
      expect(await redis.set('tls', 'yes')).toBe('OK');
      expect(await redis.get('tls')).toBe('yes');
    } finally {
      await app.close();
    }
  });

  it('refuses a server whose certificate the CA did not sign, with the setting to check', async () => {
    const env = {
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: String(TLS_PORT),
      REDIS_TLS: 'true',
      REDIS_TLS_CA_FILE: otherCa,
      REDIS_CONNECT_TIMEOUT_MS: '1000',
    };
    const error = await startHaApp({ env }).then(
      () => new Error('connected'),
      (err: Error) => err,
    );
    expect(error).toBeInstanceOf(RedisHaConnectionError);
    expect(error.message).toMatch(/TLS handshake failed: .*(certificate|self.signed|unable to verify)/i);
    expect(error.message).toContain('REDIS_TLS_CA_FILE');
  });
});
