import { nextStep } from './collection-steps';

const H = 3_600_000;
const STEPS = [H, 6 * H, 24 * H];
const T = new Date('2027-01-04T08:00:00Z');
const at = (hours: number) => new Date(T.getTime() + hours * H);

describe('nextStep', () => {
  it('goes through the steps in order when each is taken on time', () => {
    expect(nextStep(T, STEPS, -1, T)).toEqual({ step: 0, dueAt: at(1) });
    expect(nextStep(T, STEPS, 0, at(1))).toEqual({ step: 1, dueAt: at(6) });
    expect(nextStep(T, STEPS, 1, at(6))).toEqual({ step: 2, dueAt: at(24) });
    expect(nextStep(T, STEPS, 2, at(24))).toBeNull();
  });

  it('takes the latest step already passed instead of every missed one', () => {
    expect(nextStep(T, STEPS, -1, at(7))).toEqual({ step: 1, dueAt: at(6) });
    expect(nextStep(T, STEPS, 0, at(30))).toEqual({ step: 2, dueAt: at(24) });
    expect(nextStep(T, STEPS, -1, at(1))).toEqual({ step: 0, dueAt: at(1) });
  });

  it('a step taken late does not move the next one', () => {
    expect(nextStep(T, STEPS, 0, at(2))).toEqual({ step: 1, dueAt: at(6) });
  });
});
