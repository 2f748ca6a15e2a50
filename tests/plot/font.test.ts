// The built-in bitmap font (shared/plot/font.ts): every printable ASCII character, each glyph
// distinct (so text can be read back from pixels), widths as documented, and a fallback.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GLYPHS, GLYPH_HEIGHT, GLYPH_WIDTH, glyphOf, lineHeight, textPixels, textWidth } from '../../shared/plot/font.js';

test('the font has every printable ASCII character, each a 5 × 9 bitmap, all different', () => {
  const ascii = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));
  assert.equal([...GLYPHS.keys()].sort(), ascii.sort());
  const seen = new Map<string, string>();
  for (const [ch, g] of GLYPHS) {
    assert.is(g.length, GLYPH_WIDTH * GLYPH_HEIGHT);
    const key = g.join('');
    assert.not.ok(seen.has(key), `${JSON.stringify(ch)} looks like ${JSON.stringify(seen.get(key))}`);
    seen.set(key, ch);
  }
  // Only the space is blank.
  for (const [ch, g] of GLYPHS)
    assert.is(
      g.some((v) => v === 1),
      ch !== ' ',
      JSON.stringify(ch),
    );
});

test('widths: 6 columns a character at scale 1, less the last gap; 9 rows a line', () => {
  assert.is(textWidth('', 2), 0);
  assert.is(textWidth('1', 1), 5);
  assert.is(textWidth('2014-02-19', 2), (10 * 6 - 1) * 2);
  assert.is(textWidth('é—x', 1), 17);
  assert.is(lineHeight(3), 27);
});

test('text is drawn pixel for pixel from the glyphs, scaled in blocks', () => {
  const ink = new Set<string>();
  textPixels('1', 10, 20, 2, (x, y) => ink.add(`${x},${y}`));
  const g = glyphOf('1');
  for (let r = 0; r < GLYPH_HEIGHT; r++)
    for (let c = 0; c < GLYPH_WIDTH; c++)
      for (const [dx, dy] of [
        [0, 0],
        [1, 1],
      ])
        assert.is(ink.has(`${10 + 2 * c + dx},${20 + 2 * r + dy}`), g[r * GLYPH_WIDTH + c] === 1);
});

test('characters outside the font: dashes become -, others ?', () => {
  assert.is(glyphOf('—'), glyphOf('-'));
  assert.is(glyphOf('–'), glyphOf('-'));
  assert.is(glyphOf('é'), glyphOf('?'));
  assert.is(glyphOf('😀'), glyphOf('?'));
});

test.run();
