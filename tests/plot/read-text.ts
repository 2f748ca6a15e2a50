// Reads text back from a figure's pixels with the built-in font: each character cell at the
// box's position is compared with every glyph; a cell that matches none reads as '\u0000'.
// Pixels of exactly the box's colour are ink, all others paper.
import { GLYPHS, GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH } from '../../shared/plot/font.js';
import type { TextBox } from '../../shared/plot/figure.js';
import type { RgbImage } from '../../shared/plot/png.js';

export function readText(img: RgbImage, box: TextBox): string {
  const s = box.scale;
  const lines = box.text.split('\n');
  return lines
    .map((line, k) => {
      const y0 = box.y + k * (GLYPH_HEIGHT * s + 2 * s);
      let out = '';
      for (let i = 0; i < [...line].length; i++) {
        const x0 = box.x + i * GLYPH_ADVANCE * s;
        const cell = new Uint8Array(GLYPH_WIDTH * GLYPH_HEIGHT);
        for (let r = 0; r < GLYPH_HEIGHT; r++) {
          for (let c = 0; c < GLYPH_WIDTH; c++) {
            // Every pixel of the scale × scale block must agree.
            let ink = 0;
            for (let dy = 0; dy < s; dy++)
              for (let dx = 0; dx < s; dx++) {
                const o = ((y0 + r * s + dy) * img.width + x0 + c * s + dx) * 3;
                if (img.pixels[o] === box.rgb[0] && img.pixels[o + 1] === box.rgb[1] && img.pixels[o + 2] === box.rgb[2]) ink++;
              }
            cell[r * GLYPH_WIDTH + c] = ink === s * s ? 1 : ink === 0 ? 0 : 2;
          }
        }
        let found = '\u0000';
        for (const [ch, g] of GLYPHS) if (g.every((v, j) => v === cell[j])) found = ch;
        out += found;
      }
      return out;
    })
    .join('\n');
}
