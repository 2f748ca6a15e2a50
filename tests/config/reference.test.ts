import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JOB_SCHEMA } from '../../shared/config/job.js';
import { walkSchema } from '../../shared/config/plain.js';
import { REFERENCE_END, REFERENCE_START, configReference, extractReference, spliceReference } from '../../shared/config/reference.js';
import { t } from '../../shared/config/schema.js';
import { ConfigError } from '../../shared/errors.js';
import { repoRoot } from './helpers.js';

const HOW = "regenerate with: node --import tsx -e \"import('./shared/config/reference.ts').then((m) => m.writeConfigDoc('docs/CONFIG.md'))\"";

test('docs/CONFIG.md holds exactly configReference() between the markers', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'CONFIG.md'), 'utf8');
  const inDoc = extractReference(doc);
  assert.ok(inDoc !== undefined, `docs/CONFIG.md lacks ${REFERENCE_START} … ${REFERENCE_END}`);
  assert.is(inDoc, configReference(), `docs/CONFIG.md is out of date; ${HOW}`);
});

test('the reference has a row for every key of the job, with its doc string', () => {
  const ref = configReference();
  for (const [path, field] of walkSchema(JOB_SCHEMA)) {
    if (path === '') continue;
    if (field.kind === 'object') assert.ok(ref.includes(`### \`${path}\``), path);
    else assert.ok(ref.includes(`| \`${path}\` |`), path);
    assert.ok(ref.includes(field.doc.replace(/\|/g, '\\|')), `doc of ${path}`);
  }
});

test('every key has a one-line doc string', () => {
  for (const [path, field] of walkSchema(JOB_SCHEMA)) {
    if (path === '') continue;
    assert.ok(field.doc.trim().length > 0 && !field.doc.includes('\n'), path);
  }
});

test('a reference row shows default, allowed values and meaning; pipes are escaped', () => {
  const S = t.object(
    {
      a: t.number({ min: 0, max: 1, default: 0.5, doc: 'The a | b split.' }),
      r: t.string({ doc: 'Required.' }),
      d: t.string({ derive: () => 'x', defaultDoc: 'from <r>', doc: 'Derived.' }),
      sub: t.object({ on: t.boolean({ default: true, doc: 'Switch.' }) }, { doc: 'A section.' }),
    },
    { doc: '' },
  );
  assert.is(
    configReference(S),
    [
      '### Top level',
      '',
      '| key | default | allowed | meaning |',
      '|---|---|---|---|',
      '| `a` | `0.5` | number in [0, 1] | The a \\| b split. |',
      '| `r` | *required* | non-empty string | Required. |',
      '| `d` | `from <r>` | non-empty string | Derived. |',
      '',
      '### `sub`',
      '',
      'A section.',
      '',
      '| key | default | allowed | meaning |',
      '|---|---|---|---|',
      '| `sub.on` | `true` | boolean (true or false) | Switch. |',
      '',
    ].join('\n'),
  );
});

test('spliceReference replaces only the text between the markers', () => {
  const doc = `# T\n\nintro\n\n${REFERENCE_START}\nold\n${REFERENCE_END}\n\noutro\n`;
  const out = spliceReference(doc, 'new\n');
  assert.is(out, `# T\n\nintro\n\n${REFERENCE_START}\nnew\n${REFERENCE_END}\n\noutro\n`);
  assert.is(extractReference(out), 'new\n');
  assert.is(spliceReference(out, 'new\n'), out);
  assert.throws(
    () => spliceReference('# no markers'),
    (e: unknown) => e instanceof ConfigError,
  );
});

test.run();
