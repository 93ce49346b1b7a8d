import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Public } from '../auth/auth.decorators';
import { DatabaseAvailability } from '../database/database-availability';

/** How long readiness waits for `SELECT 1`: a load balancer's probe must not hang. */
const HEALTH_TIMEOUT_MS = 2_000;

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly availability: DatabaseAvailability,
  ) {}

  /** Liveness: the process answers (no database round trip). */
  @Public()
  @Get('ping')
  ping() {
    return { status: 'ok' };
  }

  /** Readiness: the database answers too (503 with db "down" while it does not). */
  @Public()
  @Get('health')
  @HttpCode(200)
  async health(@Res({ passthrough: true }) res: Response) {
    let timer: NodeJS.Timeout | undefined;
    try {
      // Known down (the heartbeat failed): no need to wait for another failure.
      this.availability.assertAvailable();
      await Promise.race([
        this.ds.query('SELECT 1'),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), HEALTH_TIMEOUT_MS))),
      ]);
      return { status: 'ok', db: 'up' };
    } catch {
      res.status(503).setHeader('Retry-After', '5');
      return { status: 'error', db: 'down' };
    } finally {
      clearTimeout(timer);
    }
  }
}
