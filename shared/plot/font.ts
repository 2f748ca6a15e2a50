/**
 * A built-in 5×9 bitmap font for the text on plots for people (tick labels, legend, interval
 * numbers). Why not system fonts through an SVG overlay: a worker or a container often has
 * none (librsvg then draws nothing, or boxes), fontconfig's first scan of a machine's fonts can
 * take seconds, and text drawn by whichever font a machine has would make the same plot differ
 * byte for byte between machines. A bitmap font drawn here is legible everywhere, costs
 * nothing to load, and keeps every plot deterministic to the byte like the chart itself.
 *
 * Cell: 5 columns × 9 rows; rows 0–6 hold capitals and digits (cap height 7), lowercase letters
 * use rows 2–6 (x-height 5), and descenders (g, j, p, q, y, comma, semicolon) reach rows 7–8.
 * A glyph advances 6 columns (one blank column between letters). Printable ASCII (32–126);
 * any other character is drawn as `?` (dashes and a few common symbols are mapped first).
 * Drawn at an integer `scale`, each font pixel is a scale × scale block (no smoothing, so
 * the pixels of a label are exactly the font's, which tests/plot/font.test.ts reads back).
 */

export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 9;
/** Columns from one glyph's left edge to the next's, at scale 1. */
export const GLYPH_ADVANCE = 6;

// Rows top to bottom, '#' = ink; 7 rows, or 9 for glyphs with a descender.
const ROWS: Record<string, string> = {
  ' ': '..... ..... ..... ..... ..... ..... .....',
  '!': '..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..',
  '"': '.#.#. .#.#. ..... ..... ..... ..... .....',
  '#': '.#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.',
  $: '..#.. .#### #.#.. .###. ..#.# ####. ..#..',
  '%': '##... ##..# ...#. ..#.. .#... #..## ...##',
  '&': '.##.. #..#. #.#.. .#... #.#.# #..#. .##.#',
  "'": '..#.. ..#.. ..... ..... ..... ..... .....',
  '(': '...#. ..#.. .#... .#... .#... ..#.. ...#.',
  ')': '.#... ..#.. ...#. ...#. ...#. ..#.. .#...',
  '*': '..... ..#.. #.#.# .###. #.#.# ..#.. .....',
  '+': '..... ..#.. ..#.. ##### ..#.. ..#.. .....',
  ',': '..... ..... ..... ..... ..... ..##. ..##. ...#. ..#..',
  '-': '..... ..... ..... ##### ..... ..... .....',
  '.': '..... ..... ..... ..... ..... .##.. .##..',
  '/': '..... ....# ...#. ..#.. .#... #.... .....',
  '0': '.###. #...# #..## #.#.# ##..# #...# .###.',
  '1': '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
  '2': '.###. #...# ....# ...#. ..#.. .#... #####',
  '3': '##### ...#. ..#.. ...#. ....# #...# .###.',
  '4': '...#. ..##. .#.#. #..#. ##### ...#. ...#.',
  '5': '##### #.... ####. ....# ....# #...# .###.',
  '6': '..##. .#... #.... ####. #...# #...# .###.',
  '7': '##### ....# ...#. ..#.. .#... .#... .#...',
  '8': '.###. #...# #...# .###. #...# #...# .###.',
  '9': '.###. #...# #...# .#### ....# ...#. .##..',
  ':': '..... .##.. .##.. ..... .##.. .##.. .....',
  ';': '..... .##.. .##.. ..... .##.. .##.. ..#.. .#... .....',
  '<': '...#. ..#.. .#... #.... .#... ..#.. ...#.',
  '=': '..... ..... ##### ..... ##### ..... .....',
  '>': '.#... ..#.. ...#. ....# ...#. ..#.. .#...',
  '?': '.###. #...# ....# ...#. ..#.. ..... ..#..',
  '@': '.###. #...# ....# .##.# #.#.# #.#.# .###.',
  A: '.###. #...# #...# ##### #...# #...# #...#',
  B: '####. #...# #...# ####. #...# #...# ####.',
  C: '.###. #...# #.... #.... #.... #...# .###.',
  D: '###.. #..#. #...# #...# #...# #..#. ###..',
  E: '##### #.... #.... ####. #.... #.... #####',
  F: '##### #.... #.... ####. #.... #.... #....',
  G: '.###. #...# #.... #.### #...# #...# .####',
  H: '#...# #...# #...# ##### #...# #...# #...#',
  I: '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  J: '..### ...#. ...#. ...#. ...#. #..#. .##..',
  K: '#...# #..#. #.#.. ##... #.#.. #..#. #...#',
  L: '#.... #.... #.... #.... #.... #.... #####',
  M: '#...# ##.## #.#.# #.#.# #...# #...# #...#',
  N: '#...# #...# ##..# #.#.# #..## #...# #...#',
  O: '.###. #...# #...# #...# #...# #...# .###.',
  P: '####. #...# #...# ####. #.... #.... #....',
  Q: '.###. #...# #...# #...# #.#.# #..#. .##.#',
  R: '####. #...# #...# ####. #.#.. #..#. #...#',
  S: '.#### #.... #.... .###. ....# ....# ####.',
  T: '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  U: '#...# #...# #...# #...# #...# #...# .###.',
  V: '#...# #...# #...# #...# #...# .#.#. ..#..',
  W: '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.',
  X: '#...# #...# .#.#. ..#.. .#.#. #...# #...#',
  Y: '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..',
  Z: '##### ....# ...#. ..#.. .#... #.... #####',
  '[': '.###. .#... .#... .#... .#... .#... .###.',
  '\\': '..... #.... .#... ..#.. ...#. ....# .....',
  ']': '.###. ...#. ...#. ...#. ...#. ...#. .###.',
  '^': '..#.. .#.#. #...# ..... ..... ..... .....',
  _: '..... ..... ..... ..... ..... ..... #####',
  '`': '.#... ..#.. ..... ..... ..... ..... .....',
  a: '..... ..... .###. ....# .#### #...# .####',
  b: '#.... #.... #.##. ##..# #...# #...# ####.',
  c: '..... ..... .###. #.... #.... #...# .###.',
  d: '....# ....# .##.# #..## #...# #...# .####',
  e: '..... ..... .###. #...# ##### #.... .###.',
  f: '..##. .#..# .#... ###.. .#... .#... .#...',
  g: '..... ..... .#### #...# #...# #...# .#### ....# .###.',
  h: '#.... #.... #.##. ##..# #...# #...# #...#',
  i: '..#.. ..... .##.. ..#.. ..#.. ..#.. .###.',
  j: '...#. ..... ..##. ...#. ...#. ...#. ...#. #..#. .##..',
  k: '#.... #.... #..#. #.#.. ##... #.#.. #..#.',
  l: '.##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  m: '..... ..... ##.#. #.#.# #.#.# #.#.# #.#.#',
  n: '..... ..... #.##. ##..# #...# #...# #...#',
  o: '..... ..... .###. #...# #...# #...# .###.',
  p: '..... ..... ####. #...# #...# #...# ####. #.... #....',
  q: '..... ..... .#### #...# #...# #...# .#### ....# ....#',
  r: '..... ..... #.##. ##..# #.... #.... #....',
  s: '..... ..... .###. #.... .###. ....# ####.',
  t: '.#... .#... ###.. .#... .#... .#..# ..##.',
  u: '..... ..... #...# #...# #...# #..## .##.#',
  v: '..... ..... #...# #...# #...# .#.#. ..#..',
  w: '..... ..... #...# #...# #.#.# #.#.# .#.#.',
  x: '..... ..... #...# .#.#. ..#.. .#.#. #...#',
  y: '..... ..... #...# #...# #...# #...# .#### ....# .###.',
  z: '..... ..... ##### ...#. ..#.. .#... #####',
  '{': '...#. ..#.. ..#.. .#... ..#.. ..#.. ...#.',
  '|': '..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  '}': '.#... ..#.. ..#.. ...#. ..#.. ..#.. .#...',
  '~': '..... ..... .#... #.#.# ...#. ..... .....',
};

/** Each glyph as GLYPH_HEIGHT × GLYPH_WIDTH bits, row-major (1 = ink). Checked once, at load. */
export const GLYPHS: ReadonlyMap<string, Uint8Array> = new Map(
  Object.entries(ROWS).map(([ch, text]) => {
    const rows = text.split(' ');
    if ((rows.length !== 7 && rows.length !== 9) || rows.some((r) => !/^[.#]{5}$/.test(r))) throw new Error(`font: glyph ${JSON.stringify(ch)} is malformed`);
    while (rows.length < GLYPH_HEIGHT) rows.push('.....');
    return [ch, Uint8Array.from(rows.join(''), (c) => (c === '#' ? 1 : 0))] as const;
  }),
);

/** Characters outside the font drawn as a near equivalent, before falling back to `?`. */
const SUBSTITUTES: Readonly<Record<string, string>> = {
  '–': '-',
  '—': '-',
  '−': '-',
  '×': 'x',
  '·': '.',
  '…': '.',
  '’': "'",
  '‘': "'",
  '“': '"',
  '”': '"',
  '\t': ' ',
};

/** The glyph drawn for `ch`. */
export function glyphOf(ch: string): Uint8Array {
  return GLYPHS.get(ch) ?? GLYPHS.get(SUBSTITUTES[ch] ?? '?') ?? GLYPHS.get('?')!;
}

/** Width in pixels of `text` (one line) at `scale`: advance per character, minus the last gap. */
export function textWidth(text: string, scale: number): number {
  const n = [...text].length;
  return n === 0 ? 0 : (n * GLYPH_ADVANCE - 1) * scale;
}

/** Height in pixels of one line at `scale`, descenders included. */
export function lineHeight(scale: number): number {
  return GLYPH_HEIGHT * scale;
}

/**
 * Call `put(x, y)` for every ink pixel of `text` drawn with its cell's top-left corner at
 * (x, y), at integer `scale` ≥ 1. Pure; the caller decides the colour and clips.
 */
export function textPixels(text: string, x: number, y: number, scale: number, put: (x: number, y: number) => void): void {
  let cx = x;
  for (const ch of text) {
    const g = glyphOf(ch);
    for (let r = 0; r < GLYPH_HEIGHT; r++) {
      for (let c = 0; c < GLYPH_WIDTH; c++) {
        if (g[r * GLYPH_WIDTH + c] === 0) continue;
        for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) put(cx + c * scale + dx, y + r * scale + dy);
      }
    }
    cx += GLYPH_ADVANCE * scale;
  }
}
