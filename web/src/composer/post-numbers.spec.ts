import { countText, engagements, sparklinePoints } from './post-numbers';

describe('a published post’s numbers', () => {
  it('shows a dash for a count the platform does not have', () => {
    expect(countText(null)).toBe('—');
    expect(countText(0)).toBe('0');
    expect(countText(12)).toBe('12');
  });

  it('adds likes, reposts, replies and quotes, absent counts adding nothing', () => {
    expect(engagements({ at: 'x', likes: 3, reposts: 1, replies: 2, quotes: null, clicks: 9 })).toBe(6);
    expect(engagements({ at: 'x', likes: null, reposts: null, replies: null, quotes: null, clicks: 9 })).toBeNull();
  });

  it('draws a sparkline from the first to the last snapshot, skipping unknown values', () => {
    expect(sparklinePoints([1], 100, 20)).toBe('');
    expect(sparklinePoints([0, 10], 100, 20)).toBe('2,18 98,2');
    expect(sparklinePoints([0, null, 5, 10], 100, 20)).toBe('2,18 66,10 98,2');
    // A flat series sits on the floor rather than dividing by zero.
    expect(sparklinePoints([4, 4, 4], 100, 20)).toBe('2,18 50,18 98,18');
  });
});
