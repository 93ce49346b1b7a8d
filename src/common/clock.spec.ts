import { FixedClock } from './clock';

describe('FixedClock', () => {
  it('returns copies and advances by hand', () => {
    const clock = new FixedClock(new Date('2027-01-01T00:00:00Z'));
    const a = clock.now();
    a.setTime(0);
    clock.advance(1000);
    expect(clock.now().toISOString()).toBe('2027-01-01T00:00:01.000Z');
  });
});
