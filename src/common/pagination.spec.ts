import { decodeCursor, encodeCursor, toPage } from './pagination';
import { DomainError } from './domain-error';

const ID = '3f2b1c4e-8a9d-4e2f-b6c7-0d1e2f3a4b5c';
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('cursors', () => {
  it('round-trip the positions this API writes', () => {
    const position = { at: '2027-03-01T09:00:00.000Z', id: ID };
    expect(decodeCursor(encodeCursor(position), ['at', 'id'])).toEqual(position);
    expect(decodeCursor(encodeCursor({ at: 'infinity', id: ID }), ['at', 'id'])).toEqual({ at: 'infinity', id: ID });
    expect(decodeCursor(encodeCursor({ id: ID }), ['id'])).toEqual({ id: ID });
    expect(decodeCursor(undefined, ['id'])).toBeUndefined();
  });

  it('refuse anything else as invalid input naming the cursor', () => {
    const bad = [
      '',
      'not base64!',
      Buffer.from('{').toString('base64url'),
      b64(null),
      b64([ID]),
      b64({ at: '2027-03-01T09:00:00.000Z' }),
      b64({ at: '2027-03-01T09:00:00.000Z', id: ID, more: 1 }),
      b64({ at: '2027-03-01T09:00:00Z', id: ID }),
      b64({ at: '2027-02-30T09:00:00.000Z', id: ID }),
      b64({ at: '0000-01-01T00:00:00.000Z', id: ID }),
      b64({ at: 1, id: ID }),
      b64({ at: '2027-03-01T09:00:00.000Z', id: 'x' }),
      b64({ at: '2027-03-01T09:00:00.000Z', id: { $gt: '' } }),
      'A'.repeat(513),
    ];
    for (const cursor of bad) {
      let error: unknown;
      try {
        decodeCursor(cursor, ['at', 'id']);
      } catch (e) {
        error = e;
      }
      expect({ cursor, error }).toEqual({ cursor, error: expect.any(DomainError) });
      expect((error as DomainError).extra.errors).toEqual([{ field: 'cursor', message: expect.any(String) }]);
    }
  });

  it('are only written for (instant, uuid) positions', () => {
    expect(() => encodeCursor({ at: 'yesterday', id: ID })).toThrow(/cursor position at/);
    const page = toPage(
      [
        { id: ID, at: new Date('2027-03-01T09:00:00Z') },
        { id: ID, at: new Date() },
      ],
      1,
      (r) => r.id,
      (r) => ({ at: r.at.toISOString(), id: r.id }),
    );
    expect(decodeCursor(page.nextCursor!, ['at', 'id'])).toEqual({ at: '2027-03-01T09:00:00.000Z', id: ID });
  });
});
