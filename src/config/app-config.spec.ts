import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      dataDir: './data',
      dispatchIntervalMs: 1000,
      gapScanIntervalMs: 60000,
      logFormat: 'text',
    });
    expect(config.databaseUrl).toBeUndefined();
  });

  it('uses JSON logs in production', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).logFormat).toBe('json');
  });

  it('names every bad variable', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DISPATCH_INTERVAL_MS: '5', SECRET_KEY: 'short', PUBLIC_URL: 'not a url' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('PORT');
    expect(message).toContain('DISPATCH_INTERVAL_MS');
    expect(message).toContain('SECRET_KEY');
    expect(message).toContain('PUBLIC_URL');
  });

  it('requires SECRET_KEY with DATABASE_URL', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u:p@localhost/db' })).toThrow(/SECRET_KEY is required/);
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@localhost/db', SECRET_KEY: 'a'.repeat(64) }).databaseUrl).toBe(
      'postgres://u:p@localhost/db',
    );
  });

  it('bounds database waits by DB_TIMEOUT_MS, 5 s by default', () => {
    expect(loadConfig({}).dbTimeoutMs).toBe(5000);
    expect(loadConfig({ DB_TIMEOUT_MS: '1500' }).dbTimeoutMs).toBe(1500);
    expect(() => loadConfig({ DB_TIMEOUT_MS: '5s' })).toThrow(/DB_TIMEOUT_MS must be a whole number of milliseconds/);
    expect(() => loadConfig({ DB_TIMEOUT_MS: '10' })).toThrow(/DB_TIMEOUT_MS must be at least 100/);
  });

  it('reads ALERT_SETTLE_MS (30 minutes by default) and DIGEST_HOUR (8, or off), naming bad values', () => {
    expect(loadConfig({})).toMatchObject({ alertSettleMs: 1_800_000, digestHour: 8 });
    expect(loadConfig({ ALERT_SETTLE_MS: '0', DIGEST_HOUR: 'off' })).toMatchObject({
      alertSettleMs: 0,
      digestHour: null,
    });
    expect(loadConfig({ DIGEST_HOUR: '23' }).digestHour).toBe(23);
    expect(loadConfig({ DIGEST_HOUR: '07' }).digestHour).toBe(7);
    expect(() => loadConfig({ ALERT_SETTLE_MS: '30m' })).toThrow(
      /ALERT_SETTLE_MS must be a whole number of milliseconds/,
    );
    expect(() => loadConfig({ ALERT_SETTLE_MS: '-1' })).toThrow(/ALERT_SETTLE_MS must be at least 0/);
    expect(() => loadConfig({ DIGEST_HOUR: '24' })).toThrow(/DIGEST_HOUR must be an hour from 0 to 23, or off/);
    expect(() => loadConfig({ DIGEST_HOUR: 'monday' })).toThrow(/DIGEST_HOUR must be an hour from 0 to 23, or off/);
  });

  it('strips a trailing slash from PUBLIC_URL', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://cal.example.com/' }).publicUrl).toBe('https://cal.example.com');
  });

  it('reads the hardening settings: METRICS_TOKEN, TRUST_PROXY, AUTH_FAILURES_PER_MINUTE', () => {
    expect(loadConfig({})).toMatchObject({ trustProxy: false, authFailuresPerMinute: 30 });
    expect(loadConfig({}).metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: 'a-metrics-token-1234' }).metricsToken).toBe('a-metrics-token-1234');
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::/8,192.0.2.1' }).trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::/8',
      '192.0.2.1',
    ]);
    expect(loadConfig({ AUTH_FAILURES_PER_MINUTE: '100' }).authFailuresPerMinute).toBe(100);
  });

  it('names bad hardening settings', () => {
    for (const [name, value] of [
      ['METRICS_TOKEN', 'short'],
      ['METRICS_TOKEN', 'has a space in it, 1234'],
      ['TRUST_PROXY', 'yes'],
      ['TRUST_PROXY', '10.0.0.0/33'],
      ['TRUST_PROXY', 'proxy.example.com'],
      ['TRUST_PROXY', '10.0.0.0/8/8'],
      ['TRUST_PROXY', 'loopback,'],
      ['AUTH_FAILURES_PER_MINUTE', '0'],
      ['AUTH_FAILURES_PER_MINUTE', 'many'],
    ]) {
      expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
    }
  });
});

describe('EGRESS_ALLOW', () => {
  it('is empty when unset', () => {
    expect(loadConfig({}).egressAllow).toEqual([]);
    expect(loadConfig({ EGRESS_ALLOW: ' ' }).egressAllow).toEqual([]);
  });

  it('reads comma-separated CIDR blocks in canonical form; a bare address is one address', () => {
    expect(
      loadConfig({ EGRESS_ALLOW: '127.0.0.0/8, ::1/128,10.1.2.3/16,fd00:0:0::/8,192.168.1.7' }).egressAllow,
    ).toEqual(['127.0.0.0/8', '::1/128', '10.1.0.0/16', 'fd00::/8', '192.168.1.7/32']);
  });

  it('stops the start naming each bad block', () => {
    let error: unknown;
    try {
      loadConfig({ EGRESS_ALLOW: '127.0.0.0/8,10.0.0.0/33,localhost,0x7f.1/8,::1/129,1.2.3.4/8/9' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(5);
    for (const bad of ['10.0.0.0/33', 'localhost', '0x7f.1/8', '::1/129', '1.2.3.4/8/9']) {
      expect(problems.some((p) => p.includes(`"${bad}"`) && p.startsWith('EGRESS_ALLOW'))).toBe(true);
    }
  });

  it('reads the media settings: defaults, a folder under DATA_DIR, S3 when a bucket is named', () => {
    const config = loadConfig({ DATA_DIR: '/srv/palinsesto/' });
    expect(config).toMatchObject({
      mediaDir: '/srv/palinsesto/media',
      mediaMaxBytes: 200 * 1024 * 1024,
      mediaMaxImageBytes: 20 * 1024 * 1024,
      mediaRetentionDays: 30,
    });
    expect(config.mediaS3).toBeUndefined();
    expect(
      loadConfig({
        MEDIA_S3_BUCKET: 'palinsesto-media',
        MEDIA_S3_ENDPOINT: 'http://minio:9000/',
        MEDIA_S3_ACCESS_KEY_ID: 'id',
        MEDIA_S3_SECRET_ACCESS_KEY: 'secret',
        MEDIA_S3_FORCE_PATH_STYLE: 'true',
      }).mediaS3,
    ).toEqual({
      bucket: 'palinsesto-media',
      endpoint: 'http://minio:9000',
      region: 'us-east-1',
      accessKeyId: 'id',
      secretAccessKey: 'secret',
      forcePathStyle: true,
    });
    expect(() => loadConfig({ MEDIA_S3_BUCKET: 'b-1', MEDIA_S3_ACCESS_KEY_ID: 'id' })).toThrow(/go together/);
    expect(() => loadConfig({ MEDIA_MAX_BYTES: '2MB' })).toThrow(/MEDIA_MAX_BYTES must be a whole number/);
    expect(() => loadConfig({ MEDIA_MAX_BYTES: '100000', MEDIA_MAX_IMAGE_BYTES: '200000' })).toThrow(
      /MEDIA_MAX_IMAGE_BYTES must not be larger/,
    );
    expect(() => loadConfig({ MEDIA_RETENTION_DAYS: '0' })).toThrow(/MEDIA_RETENTION_DAYS must be at least 1/);
  });
});
