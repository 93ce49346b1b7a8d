import { Controller, Get, Header, Headers, Inject, Injectable, NestMiddleware } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { Public } from '../auth/auth.decorators';
import { DomainError, ErrorCode } from '../common/domain-error';
import { APP_CONFIG, type AppConfig } from '../config/app-config';

/** One Prometheus registry per application instance (tests run several in one process). */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'palinsesto_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'palinsesto_' });
  }
}

@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: Metrics) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const end = this.metrics.httpDuration.startTimer();
    res.on('finish', () => {
      // The route pattern, never the raw path: ids and feed tokens stay out of labels.
      const route = req.route?.path ? `${req.baseUrl ?? ''}${req.route.path as string}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  }
}

/** Compares two secrets in constant time (over their SHA-256, so lengths do not show). */
function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());
}

@ApiTags('operations')
@Controller()
export class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Prometheus text. With METRICS_TOKEN set: `Authorization: Bearer <METRICS_TOKEN>` (401 without, 403 wrong). */
  @Public()
  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  render(@Headers('authorization') authorization?: string): Promise<string> {
    const token = this.config.metricsToken;
    if (token !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
      if (!match)
        throw new DomainError(ErrorCode.Unauthenticated, 'The metrics need "Authorization: Bearer <METRICS_TOKEN>".');
      if (!sameSecret(match[1], token)) throw new DomainError(ErrorCode.Forbidden, 'This is not the metrics token.');
    }
    return this.metrics.registry.metrics();
  }
}
