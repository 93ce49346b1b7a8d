/**
 * One timer that wakes a job for the earliest due moment it is told of: arming it for a
 * later moment than the one it waits for changes nothing, for an earlier one moves it. The
 * dispatcher and the metrics collector use it to act on work due before their next
 * interval. The timer does not keep the process alive.
 */
export class WakeTimer {
  private timer?: NodeJS.Timeout;
  private at?: number;

  constructor(private readonly fire: () => void) {}

  /** Wakes at `at` (epoch ms), `now` being the Clock's now (the delay is their difference). */
  arm(at: number, now: number): void {
    if (this.timer && this.at !== undefined && this.at <= at) return;
    this.clear();
    this.at = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.at = undefined;
        this.fire();
      },
      Math.max(0, at - now),
    );
    this.timer.unref();
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.at = undefined;
  }
}
