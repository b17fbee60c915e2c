import { parseInstant } from './query.dtos';

describe('parseInstant: an ISO 8601 instant with its offset, that exists', () => {
  it.each([
    ['2026-03-02T09:30:00Z', Date.UTC(2026, 2, 2, 9, 30)],
    ['2026-03-02T09:30:00.123Z', Date.UTC(2026, 2, 2, 9, 30, 0, 123)],
    ['2026-03-02T10:30:00+01:00', Date.UTC(2026, 2, 2, 9, 30)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
  ])('reads %s', (text, ms) => expect(parseInstant(text)).toBe(ms));

  it.each([
    '2026-02-30T00:00:00Z',
    '2025-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T10:60:00Z',
    '2026-03-02T09:30:00',
    '2026-03-02',
    'yesterday',
    ' 2026-03-02T09:30:00Z',
    '2026-03-02T09:30:00+25:00',
  ])('refuses %s', (text) => expect(parseInstant(text)).toBeUndefined());

  it('refuses what is not a string', () => expect(parseInstant(1_700_000_000_000)).toBeUndefined());
});
