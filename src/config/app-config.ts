import { plainToInstance, Transform } from 'class-transformer';
import ipaddr from 'ipaddr.js';
import {
  IsIn,
  IsInt,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  validateSync,
  ValidationError,
} from 'class-validator';
import { isIP } from 'node:net';
import { Optional } from '../common/validators';
import { DEFAULT_METRICS_STEPS, parseMetricsSteps } from './metrics-steps';

const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : /^-?\d+$/.test(String(value)) ? Number(value) : value;
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/** One entry of TRUST_PROXY's list: a name Express knows, an address or a CIDR block. */
function isProxyEntry(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

function isTrustProxy(value: unknown): boolean {
  return (
    typeof value === 'string' &&
    (/^(true|false|\d{1,2})$/.test(value) || value.split(',').every((entry) => isProxyEntry(entry.trim())))
  );
}

/** Express's `trust proxy` from TRUST_PROXY: off, every proxy, a hop count, or the proxies' addresses. */
function trustProxyOf(value: string | undefined): boolean | number | string[] {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d{1,2}$/.test(value)) return Number(value);
  return value.split(',').map((entry) => entry.trim());
}

/**
 * Every environment variable the service reads, validated once at boot. The rest of the
 * code receives this typed object; nothing else reads process.env.
 */
export class EnvironmentVariables {
  @Transform(toInt)
  @IsInt({ message: 'PORT must be a whole number' })
  @Min(0, { message: 'PORT must be between 0 and 65535' })
  @Max(65535, { message: 'PORT must be between 0 and 65535' })
  PORT: number = 3000;

  @Transform(emptyToUndefined)
  @Optional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @IsString()
  @MinLength(1, { message: 'DATA_DIR must not be empty' })
  DATA_DIR: string = './data';

  @Transform(emptyToUndefined)
  @Optional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    {
      message: 'PUBLIC_URL must be an http(s) URL such as https://palinsesto.example.com',
    },
  )
  PUBLIC_URL?: string;

  @Transform(emptyToUndefined)
  @Optional()
  @IsString()
  @MinLength(16, { message: 'SIGNUP_TOKEN must have at least 16 characters' })
  SIGNUP_TOKEN?: string;

  @Transform(emptyToUndefined)
  @Optional()
  @IsString()
  @MinLength(32, { message: 'SECRET_KEY must have at least 32 characters (e.g. 64 hex digits)' })
  SECRET_KEY?: string;

  @Transform(emptyToUndefined)
  @Optional()
  @Matches(/^smtps?:\/\/.+/, { message: 'SMTP_URL must look like smtp://user:pass@host:port' })
  SMTP_URL?: string;

  @IsString()
  @MaxLength(320)
  ALERT_FROM: string = 'Palinsesto <palinsesto@localhost>';

  @Transform(toInt)
  @IsInt({ message: 'DISPATCH_INTERVAL_MS must be a whole number of milliseconds' })
  @Min(50, { message: 'DISPATCH_INTERVAL_MS must be at least 50' })
  @Max(3_600_000, { message: 'DISPATCH_INTERVAL_MS must be at most 3600000' })
  DISPATCH_INTERVAL_MS: number = 1000;

  @Transform(toInt)
  @IsInt({ message: 'GAP_SCAN_INTERVAL_MS must be a whole number of milliseconds' })
  @Min(100, { message: 'GAP_SCAN_INTERVAL_MS must be at least 100' })
  @Max(86_400_000, { message: 'GAP_SCAN_INTERVAL_MS must be at most 86400000' })
  GAP_SCAN_INTERVAL_MS: number = 60000;

  @Transform(toInt)
  @IsInt({ message: 'ALERT_SETTLE_MS must be a whole number of milliseconds' })
  @Min(0, { message: 'ALERT_SETTLE_MS must be at least 0' })
  @Max(86_400_000, { message: 'ALERT_SETTLE_MS must be at most 86400000' })
  ALERT_SETTLE_MS: number = 1_800_000;

  @Matches(/^(off|[01]?[0-9]|2[0-3])$/, { message: 'DIGEST_HOUR must be an hour from 0 to 23, or off' })
  DIGEST_HOUR: string = '8';

  @Transform(toInt)
  @IsInt({ message: 'DB_TIMEOUT_MS must be a whole number of milliseconds' })
  @Min(100, { message: 'DB_TIMEOUT_MS must be at least 100' })
  @Max(600_000, { message: 'DB_TIMEOUT_MS must be at most 600000' })
  DB_TIMEOUT_MS: number = 5000;

  @IsIn(['json', 'text'], { message: 'LOG_FORMAT must be json or text' })
  LOG_FORMAT: 'json' | 'text' = 'text';

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'], {
    message: 'LOG_LEVEL must be one of error, warn, log, debug, verbose',
  })
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  @Transform(emptyToUndefined)
  @Optional()
  @IsString()
  @MinLength(16, { message: 'METRICS_TOKEN must have at least 16 characters' })
  @Matches(/^[\x21-\x7e]+$/, { message: 'METRICS_TOKEN must be printable ASCII without spaces' })
  METRICS_TOKEN?: string;

  @Transform(emptyToUndefined)
  @Optional()
  @ValidateBy({
    name: 'isTrustProxy',
    validator: {
      validate: isTrustProxy,
      defaultMessage: () =>
        'TRUST_PROXY must be false, true, a number of proxy hops, or a comma-separated list of loopback, linklocal, uniquelocal, addresses and CIDR blocks (e.g. 10.0.0.0/8)',
    },
  })
  TRUST_PROXY?: string;

  @Transform(toInt)
  @IsInt({ message: 'AUTH_FAILURES_PER_MINUTE must be a whole number' })
  @Min(1, { message: 'AUTH_FAILURES_PER_MINUTE must be at least 1' })
  @Max(1_000_000, { message: 'AUTH_FAILURES_PER_MINUTE must be at most 1000000' })
  AUTH_FAILURES_PER_MINUTE: number = 30;

  /** Where media files (and upload temp files) live; default `${DATA_DIR}/media`. */
  @Transform(emptyToUndefined)
  @Optional()
  @IsString()
  @MinLength(1, { message: 'MEDIA_DIR must not be empty' })
  MEDIA_DIR?: string;

  @Transform(toInt)
  @IsInt({ message: 'MEDIA_MAX_BYTES must be a whole number of bytes' })
  @Min(1024, { message: 'MEDIA_MAX_BYTES must be at least 1024' })
  @Max(5 * 1024 ** 3, { message: 'MEDIA_MAX_BYTES must be at most 5368709120 (5 GiB)' })
  MEDIA_MAX_BYTES: number = 200 * 1024 * 1024;

  @Transform(toInt)
  @IsInt({ message: 'MEDIA_MAX_IMAGE_BYTES must be a whole number of bytes' })
  @Min(1024, { message: 'MEDIA_MAX_IMAGE_BYTES must be at least 1024' })
  @Max(1024 ** 3, { message: 'MEDIA_MAX_IMAGE_BYTES must be at most 1073741824 (1 GiB)' })
  MEDIA_MAX_IMAGE_BYTES: number = 20 * 1024 * 1024;

  @Transform(toInt)
  @IsInt({ message: 'MEDIA_RETENTION_DAYS must be a whole number of days' })
  @Min(1, { message: 'MEDIA_RETENTION_DAYS must be at least 1' })
  @Max(3650, { message: 'MEDIA_RETENTION_DAYS must be at most 3650' })
  MEDIA_RETENTION_DAYS: number = 30;

  /** With a bucket, media live in S3-compatible object storage instead of MEDIA_DIR. */
  @Transform(emptyToUndefined)
  @Optional()
  @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'MEDIA_S3_BUCKET must be an S3 bucket name' })
  MEDIA_S3_BUCKET?: string;

  @Transform(emptyToUndefined)
  @Optional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'MEDIA_S3_ENDPOINT must be an http(s) URL such as https://s3.eu-central-1.amazonaws.com' },
  )
  MEDIA_S3_ENDPOINT?: string;

  @IsString()
  @MinLength(1, { message: 'MEDIA_S3_REGION must not be empty' })
  MEDIA_S3_REGION: string = 'us-east-1';

  @Transform(emptyToUndefined)
  @Optional()
  @IsString()
  MEDIA_S3_ACCESS_KEY_ID?: string;

  @Transform(emptyToUndefined)
  @Optional()
  @IsString()
  MEDIA_S3_SECRET_ACCESS_KEY?: string;

  @IsIn(['true', 'false'], { message: 'MEDIA_S3_FORCE_PATH_STYLE must be true or false' })
  MEDIA_S3_FORCE_PATH_STYLE: 'true' | 'false' = 'false';

  /** Link cards on Bluesky posts with a link and no media (the page read through the egress guard). */
  @IsIn(['on', 'off'], { message: 'LINK_CARDS must be on or off' })
  LINK_CARDS: 'on' | 'off' = 'on';

  /** Where a Bluesky handle is resolved to its DID (com.atproto.identity.resolveHandle). */
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'BLUESKY_RESOLVER_URL must be an http(s) URL such as https://bsky.social' },
  )
  BLUESKY_RESOLVER_URL: string = 'https://bsky.social';

  /** The PLC directory that answers did:plc documents. */
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'BLUESKY_PLC_URL must be an http(s) URL such as https://plc.directory' },
  )
  BLUESKY_PLC_URL: string = 'https://plc.directory';
  @IsIn(['open', 'closed'], { message: 'SIGNUP must be open or closed' })
  SIGNUP: 'open' | 'closed' = 'open';

  @Transform(toInt)
  @IsInt({ message: 'SESSION_IDLE_MINUTES must be a whole number of minutes' })
  @Min(5, { message: 'SESSION_IDLE_MINUTES must be at least 5' })
  @Max(525_600, { message: 'SESSION_IDLE_MINUTES must be at most 525600 (a year)' })
  SESSION_IDLE_MINUTES: number = 7 * 24 * 60;

  @Transform(toInt)
  @IsInt({ message: 'SESSION_ABSOLUTE_MINUTES must be a whole number of minutes' })
  @Min(5, { message: 'SESSION_ABSOLUTE_MINUTES must be at least 5' })
  @Max(525_600, { message: 'SESSION_ABSOLUTE_MINUTES must be at most 525600 (a year)' })
  SESSION_ABSOLUTE_MINUTES: number = 30 * 24 * 60;

  @Transform(toInt)
  @IsInt({ message: 'SIGNIN_ATTEMPTS_PER_MINUTE must be a whole number' })
  @Min(1, { message: 'SIGNIN_ATTEMPTS_PER_MINUTE must be at least 1' })
  @Max(10_000, { message: 'SIGNIN_ATTEMPTS_PER_MINUTE must be at most 10000' })
  SIGNIN_ATTEMPTS_PER_MINUTE: number = 10;

  @Transform(toInt)
  @IsInt({ message: 'ARGON2_MEMORY_KIB must be a whole number of KiB' })
  @Min(8192, { message: 'ARGON2_MEMORY_KIB must be at least 8192' })
  @Max(4_194_304, { message: 'ARGON2_MEMORY_KIB must be at most 4194304' })
  ARGON2_MEMORY_KIB: number = 19_456;

  @Transform(toInt)
  @IsInt({ message: 'ARGON2_TIME_COST must be a whole number' })
  @Min(1, { message: 'ARGON2_TIME_COST must be at least 1' })
  @Max(20, { message: 'ARGON2_TIME_COST must be at most 20' })
  ARGON2_TIME_COST: number = 2;

  @Transform(toInt)
  @IsInt({ message: 'ARGON2_PARALLELISM must be a whole number' })
  @Min(1, { message: 'ARGON2_PARALLELISM must be at least 1' })
  @Max(16, { message: 'ARGON2_PARALLELISM must be at most 16' })
  ARGON2_PARALLELISM: number = 1;

  @Transform(toInt)
  @IsInt({ message: 'INVITATION_TTL_HOURS must be a whole number of hours' })
  @Min(1, { message: 'INVITATION_TTL_HOURS must be at least 1' })
  @Max(720, { message: 'INVITATION_TTL_HOURS must be at most 720 (30 days)' })
  INVITATION_TTL_HOURS: number = 7 * 24;

  @Transform(toInt)
  @IsInt({ message: 'PASSWORD_RESET_TTL_MINUTES must be a whole number of minutes' })
  @Min(5, { message: 'PASSWORD_RESET_TTL_MINUTES must be at least 5' })
  @Max(1440, { message: 'PASSWORD_RESET_TTL_MINUTES must be at most 1440 (a day)' })
  PASSWORD_RESET_TTL_MINUTES: number = 60;

  @Transform(emptyToUndefined)
  @Optional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'OIDC_ISSUER must be the http(s) URL of an OpenID Connect provider' },
  )
  OIDC_ISSUER?: string;

  @Transform(emptyToUndefined)
  @Optional()
  @IsString()
  @MaxLength(500)
  OIDC_CLIENT_ID?: string;

  @Transform(emptyToUndefined)
  @Optional()
  @IsString()
  @MaxLength(2000)
  OIDC_CLIENT_SECRET?: string;

  @IsString()
  @MaxLength(100)
  OIDC_LABEL: string = 'Single sign-on';

  /** Checked by parseEgressAllow (the CIDR syntax is more than a decorator can say). */
  @Optional()
  @IsString()
  EGRESS_ALLOW?: string;

  /** When a published post's counts are fetched; checked by parseMetricsSteps. */
  @IsString()
  METRICS_STEPS: string = DEFAULT_METRICS_STEPS;
}

/**
 * EGRESS_ALLOW: comma-separated CIDR blocks (`127.0.0.0/8,::1/128`; a bare address is one
 * address) that tenant-given addresses may reach although they are not public. Addresses
 * must be written plainly (dotted quads, standard IPv6): `0x7f.1/8` is a mistake, not a block.
 * Returns the blocks in canonical form, and one problem per bad entry, naming it.
 */
export function parseEgressAllow(value: string | undefined): { blocks: string[]; problems: string[] } {
  const blocks: string[] = [];
  const problems: string[] = [];
  for (const entry of (value ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')) {
    const [address = '', length, ...rest] = entry.split('/');
    const plain =
      ipaddr.IPv4.isValidFourPartDecimal(address) || (ipaddr.IPv6.isValid(address) && !address.includes('%'));
    const bits =
      length === undefined ? (address.includes(':') ? 128 : 32) : /^\d{1,3}$/.test(length) ? Number(length) : NaN;
    if (!plain || rest.length > 0 || !(bits >= 0 && bits <= (address.includes(':') ? 128 : 32))) {
      problems.push(`EGRESS_ALLOW: "${entry}" is not a CIDR block such as 10.0.0.0/8 or fd00::/8`);
      continue;
    }
    const cidr = `${address}/${bits}`;
    const network = address.includes(':')
      ? ipaddr.IPv6.networkAddressFromCIDR(cidr)
      : ipaddr.IPv4.networkAddressFromCIDR(cidr);
    blocks.push(`${network.toString()}/${bits}`);
  }
  return { blocks, problems };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** The typed configuration the application runs with. */
export interface AppConfig {
  port: number;
  databaseUrl?: string;
  dataDir: string;
  publicUrl?: string;
  signupToken?: string;
  secretKey?: string;
  smtpUrl?: string;
  alertFrom: string;
  dispatchIntervalMs: number;
  gapScanIntervalMs: number;
  /** How long a planned gap (planned_gap, under_cadence) must persist before its alert is delivered. */
  alertSettleMs: number;
  /** The local hour of the workspace's Monday at which the weekly digest goes out; null: no digest. */
  digestHour: number | null;
  /**
   * The longest a request waits on PostgreSQL for one thing (a pool connection, a statement,
   * an answer) before it answers 503: a dead or frozen database becomes fast 503s.
   */
  dbTimeoutMs: number;
  logFormat: 'json' | 'text';
  logLevel: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
  /** When set, GET /metrics needs `Authorization: Bearer <metricsToken>`. */
  metricsToken?: string;
  /** Express's `trust proxy`: which proxies' X-Forwarded-For gives the client address. */
  trustProxy: boolean | number | string[];
  /** Wrong api keys or feed tokens one client address may present per minute before 429. */
  authFailuresPerMinute: number;

  /** `closed`: no sign-up and no POST /v1/workspaces (invitations still work). */
  signup: 'open' | 'closed';
  /** A session unused this long ends (minutes). */
  sessionIdleMinutes: number;
  /** A session ends this long after sign-in, used or not (minutes). */
  sessionAbsoluteMinutes: number;
  /** Sign-in attempts per account and per client address per minute before 429. */
  signinAttemptsPerMinute: number;
  /** Argon2id parameters of new password hashes (OWASP: m=19456 KiB, t=2, p=1). */
  argon2: { memoryKib: number; timeCost: number; parallelism: number };
  /** How long an invitation link works (hours). */
  invitationTtlHours: number;
  /** How long a password reset link works (minutes). */
  passwordResetTtlMinutes: number;
  /** OpenID Connect single sign-on (OIDC_*); undefined: off. */
  oidc?: { issuer: string; clientId: string; clientSecret: string; label: string };

  /** CIDR blocks that tenant-given addresses may reach although not public (EGRESS_ALLOW); empty: none. */
  egressAllow: readonly string[];

  /** Media files and upload temp files (MEDIA_DIR, default `${dataDir}/media`); instances on one host share it. */
  mediaDir: string;
  /** Largest upload or import (MEDIA_MAX_BYTES: video); images have their own, smaller limit. */
  mediaMaxBytes: number;
  /** Largest image upload or import (MEDIA_MAX_IMAGE_BYTES). */
  mediaMaxImageBytes: number;
  /** Days after which a file no post uses is deleted (MEDIA_RETENTION_DAYS). */
  mediaRetentionDays: number;
  /** S3-compatible object storage for media, instead of mediaDir; the secret is never logged. */
  mediaS3?: MediaS3Config;

  /** LINK_CARDS: whether Bluesky posts with a link and no media get a link card. */
  linkCards: boolean;

  /** Connecting Bluesky accounts: the handle resolver and the PLC directory (no trailing slash). */
  blueskyResolverUrl: string;
  blueskyPlcUrl: string;

  /** METRICS_STEPS: when, after publication, a post's counts are fetched (milliseconds, increasing). */
  metricsSteps: readonly number[];
}

export interface MediaS3Config {
  bucket: string;
  endpoint?: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
}

function flatten(errors: ValidationError[]): string[] {
  return errors.flatMap((e) => Object.values(e.constraints ?? {}));
}

/** Reads and validates the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv): AppConfig {
  const defaults = new EnvironmentVariables();
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(defaults).concat([
    'DATABASE_URL',
    'PUBLIC_URL',
    'SIGNUP_TOKEN',
    'SECRET_KEY',
    'SMTP_URL',
    'METRICS_TOKEN',
    'TRUST_PROXY',
    'EGRESS_ALLOW',
    'MEDIA_DIR',
    'MEDIA_S3_BUCKET',
    'MEDIA_S3_ENDPOINT',
    'MEDIA_S3_ACCESS_KEY_ID',
    'MEDIA_S3_SECRET_ACCESS_KEY',
    'OIDC_ISSUER',
    'OIDC_CLIENT_ID',
    'OIDC_CLIENT_SECRET',
  ])) {
    if (env[key] !== undefined) raw[key] = env[key];
  }
  if (raw.LOG_FORMAT === undefined && env.NODE_ENV === 'production') raw.LOG_FORMAT = 'json';
  const vars = plainToInstance(EnvironmentVariables, raw);
  const problems = flatten(validateSync(vars, { whitelist: true }));
  if (vars.DATABASE_URL && !vars.SECRET_KEY) {
    problems.push(
      'SECRET_KEY is required with DATABASE_URL: every instance must share the key that encrypts credentials',
    );
  }
  if (vars.OIDC_ISSUER && (!vars.OIDC_CLIENT_ID || !vars.OIDC_CLIENT_SECRET)) {
    problems.push('OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET (the client registered at the provider)');
  }
  const egressAllow = parseEgressAllow(vars.EGRESS_ALLOW);
  problems.push(...egressAllow.problems);
  const metricsSteps = parseMetricsSteps(vars.METRICS_STEPS);
  problems.push(...metricsSteps.problems);
  if ((vars.MEDIA_S3_ACCESS_KEY_ID === undefined) !== (vars.MEDIA_S3_SECRET_ACCESS_KEY === undefined)) {
    problems.push('MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET_ACCESS_KEY go together: set both or neither');
  }
  if (vars.MEDIA_MAX_IMAGE_BYTES > vars.MEDIA_MAX_BYTES) {
    problems.push('MEDIA_MAX_IMAGE_BYTES must not be larger than MEDIA_MAX_BYTES');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port: vars.PORT,
    databaseUrl: vars.DATABASE_URL,
    dataDir: vars.DATA_DIR,
    publicUrl: vars.PUBLIC_URL?.replace(/\/+$/, ''),
    signupToken: vars.SIGNUP_TOKEN,
    secretKey: vars.SECRET_KEY,
    smtpUrl: vars.SMTP_URL,
    alertFrom: vars.ALERT_FROM,
    dispatchIntervalMs: vars.DISPATCH_INTERVAL_MS,
    gapScanIntervalMs: vars.GAP_SCAN_INTERVAL_MS,
    alertSettleMs: vars.ALERT_SETTLE_MS,
    digestHour: vars.DIGEST_HOUR === 'off' ? null : Number(vars.DIGEST_HOUR),
    dbTimeoutMs: vars.DB_TIMEOUT_MS,
    logFormat: vars.LOG_FORMAT,
    logLevel: vars.LOG_LEVEL,
    metricsToken: vars.METRICS_TOKEN,
    trustProxy: trustProxyOf(vars.TRUST_PROXY),
    authFailuresPerMinute: vars.AUTH_FAILURES_PER_MINUTE,
    egressAllow: egressAllow.blocks,
    mediaDir: vars.MEDIA_DIR ?? `${vars.DATA_DIR.replace(/\/+$/, '')}/media`,
    mediaMaxBytes: vars.MEDIA_MAX_BYTES,
    mediaMaxImageBytes: vars.MEDIA_MAX_IMAGE_BYTES,
    mediaRetentionDays: vars.MEDIA_RETENTION_DAYS,
    mediaS3: vars.MEDIA_S3_BUCKET
      ? {
          bucket: vars.MEDIA_S3_BUCKET,
          endpoint: vars.MEDIA_S3_ENDPOINT?.replace(/\/+$/, ''),
          region: vars.MEDIA_S3_REGION,
          accessKeyId: vars.MEDIA_S3_ACCESS_KEY_ID,
          secretAccessKey: vars.MEDIA_S3_SECRET_ACCESS_KEY,
          forcePathStyle: vars.MEDIA_S3_FORCE_PATH_STYLE === 'true',
        }
      : undefined,
    linkCards: vars.LINK_CARDS === 'on',
    blueskyResolverUrl: vars.BLUESKY_RESOLVER_URL.replace(/\/+$/, ''),
    blueskyPlcUrl: vars.BLUESKY_PLC_URL.replace(/\/+$/, ''),
    metricsSteps: metricsSteps.steps,
    signup: vars.SIGNUP,
    sessionIdleMinutes: vars.SESSION_IDLE_MINUTES,
    sessionAbsoluteMinutes: vars.SESSION_ABSOLUTE_MINUTES,
    signinAttemptsPerMinute: vars.SIGNIN_ATTEMPTS_PER_MINUTE,
    argon2: {
      memoryKib: vars.ARGON2_MEMORY_KIB,
      timeCost: vars.ARGON2_TIME_COST,
      parallelism: vars.ARGON2_PARALLELISM,
    },
    invitationTtlHours: vars.INVITATION_TTL_HOURS,
    passwordResetTtlMinutes: vars.PASSWORD_RESET_TTL_MINUTES,
    oidc:
      vars.OIDC_ISSUER && vars.OIDC_CLIENT_ID && vars.OIDC_CLIENT_SECRET
        ? {
            issuer: vars.OIDC_ISSUER.replace(/\/+$/, ''),
            clientId: vars.OIDC_CLIENT_ID,
            clientSecret: vars.OIDC_CLIENT_SECRET,
            label: vars.OIDC_LABEL,
          }
        : undefined,
  };
}

/** Injection token of the validated configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');
