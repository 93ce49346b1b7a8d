import { WakeTimer } from './wake-timer';

describe('WakeTimer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('wakes once at the earliest moment it was armed for', () => {
    const fired: number[] = [];
    const wake = new WakeTimer(() => fired.push(Date.now()));
    const now = Date.now();
    wake.arm(now + 5_000, now);
    wake.arm(now + 9_000, now); // later: changes nothing
    wake.arm(now + 2_000, now); // earlier: moves it
    jest.advanceTimersByTime(1_999);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(fired).toEqual([now + 2_000]);
    jest.advanceTimersByTime(10_000);
    expect(fired).toHaveLength(1);
  });

  it('fires at once for a moment already past, and not at all once cleared', () => {
    let fired = 0;
    const wake = new WakeTimer(() => fired++);
    const now = Date.now();
    wake.arm(now - 1_000, now);
    jest.advanceTimersByTime(0);
    expect(fired).toBe(1);
    wake.arm(now + 1_000, now);
    wake.clear();
    jest.advanceTimersByTime(5_000);
    expect(fired).toBe(1);
  });
});
