import { CODE, FREE_TEXT, SINGLE_LINE } from './text-fields';

// [value, code (agency ids, areas, references), single line (names, places), free text (notes)]
const cases: [string, string, boolean, boolean, boolean][] = [
  ['an agency id', 'police', true, true, true],
  ['an area with a space', 'West Yorkshire', true, true, true],
  ['a name in Arabic with a right-to-left mark', 'مريم\u200f', false, true, true],
  ['an emoji', 'a😀b', true, true, true],
  ['a leading space', ' police', false, true, true],
  ['a trailing space', 'police ', false, true, true],
  ['a tab inside', 'a\tb', false, false, true],
  ['a line break inside', 'a\nb', false, false, true],
  ['a bidi override inside', 'a\u202eb', false, true, true],
  ['a zero-width space inside', 'a\u200bb', false, true, true],
  ['nothing', '', false, false, false],
  ['only spaces', '   ', false, false, false],
  ['only a tab and a newline', '\t\n', false, false, false],
  ['only zero-width spaces', '\u200b\u200b', false, false, false],
  ['only no-break spaces', '\u00a0\u00a0', false, false, false],
  ['a NUL inside', 'a\u0000b', false, false, false],
  ['a C1 control', 'a\u0085b', false, false, false],
  ['an escape sequence', 'a\u001b[31mb', false, false, false],
  ['a lone surrogate', 'a\ud800b', false, false, false],
];

describe('what a text field takes', () => {
  it.each(cases)('%s', (_, value, code, singleLine, freeText) =>
    expect({ code: CODE.test(value), singleLine: SINGLE_LINE.test(value), freeText: FREE_TEXT.test(value) }).toEqual({
      code,
      singleLine,
      freeText,
    }),
  );
});
