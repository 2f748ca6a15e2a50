// proto/types.ts must describe exactly what the loader produces: every message interface has
// the descriptor's fields with the TypeScript type the loader options imply, every enum alias
// lists the enum's value names, and the handler/client tables list each method with its
// streaming shape and message types. Read with the TypeScript parser, compared with the
// descriptor proto-loader loaded.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import ts from 'typescript';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PROTO_PACKAGE, loadAnomseerProto, serviceDefinition } from '../../proto/load.js';

const TYPES_PATH = fileURLToPath(new URL('../../proto/types.ts', import.meta.url));
const source = ts.createSourceFile(TYPES_PATH, readFileSync(TYPES_PATH, 'utf8'), ts.ScriptTarget.ES2022, true);
const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();

interface Member {
  optional: boolean;
  type: string;
}
/** name → (member → { optional, type }) of every interface and object-literal type alias. */
const shapes = new Map<string, Map<string, Member>>();
/** name → string literal members of every union-of-literals type alias. */
const unions = new Map<string, string[]>();
for (const stmt of source.statements) {
  let members: ts.NodeArray<ts.TypeElement> | undefined;
  if (ts.isInterfaceDeclaration(stmt)) members = stmt.members;
  if (ts.isTypeAliasDeclaration(stmt) && ts.isTypeLiteralNode(stmt.type)) members = stmt.type.members;
  if (ts.isTypeAliasDeclaration(stmt) && ts.isUnionTypeNode(stmt.type)) {
    unions.set(
      stmt.name.text,
      stmt.type.types.map((t) => (ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal) ? t.literal.text : `<${t.getText(source)}>`)),
    );
  }
  if (members === undefined) continue;
  const name = (stmt as ts.InterfaceDeclaration | ts.TypeAliasDeclaration).name.text;
  const map = new Map<string, Member>();
  for (const m of members) {
    if (!ts.isPropertySignature(m) || m.type === undefined) continue;
    map.set(m.name.getText(source), { optional: m.questionToken !== undefined, type: squash(m.type.getText(source)) });
  }
  shapes.set(name, map);
}

// ---- the descriptor side -------------------------------------------------------------------

interface FieldDescriptor {
  name: string;
  label: string;
  type: string;
  typeName: string;
}
type Definition = {
  format: string;
  type: { field?: FieldDescriptor[]; oneofDecl?: { name: string }[]; value?: { name: string }[] };
  fileDescriptorProtos: Buffer[];
};
const pd = loadAnomseerProto().packageDefinition as unknown as Record<string, Definition>;
const prefix = `${PROTO_PACKAGE}.`;
const messages = Object.keys(pd)
  .filter((k) => pd[k]!.format === 'Protocol Buffer 3 DescriptorProto')
  .map((k) => k.slice(prefix.length));
const enums = Object.keys(pd)
  .filter((k) => pd[k]!.format === 'Protocol Buffer 3 EnumDescriptorProto')
  .map((k) => k.slice(prefix.length));

/**
 * oneof membership. The JSON descriptor fills oneofIndex with 0 for every field (defaults), so
 * membership is read from the binary FileDescriptorProto: field 9 (oneof_index) is present
 * only on members. Minimal protobuf wire reader: varints and length-delimited fields.
 */
function wireFields(buf: Buffer): { no: number; value: number | Buffer }[] {
  const out: { no: number; value: number | Buffer }[] = [];
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = buf[pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const no = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) out.push({ no, value: varint() });
    else if (wire === 2) {
      const len = varint();
      out.push({ no, value: buf.subarray(pos, pos + len) });
      pos += len;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}
const oneofMembers = new Map<string, Map<string, string>>(); // message → field → oneof name
for (const file of pd[`${prefix}${messages[0]}`]!.fileDescriptorProtos) {
  for (const top of wireFields(file)) {
    if (top.no !== 4 || !Buffer.isBuffer(top.value)) continue; // message_type
    const parts = wireFields(top.value);
    const name = (parts.find((p) => p.no === 1)!.value as Buffer).toString('utf8');
    const oneofNames = parts.filter((p) => p.no === 8).map((p) => (wireFields(p.value as Buffer).find((q) => q.no === 1)!.value as Buffer).toString('utf8'));
    const members = new Map<string, string>();
    for (const f of parts.filter((p) => p.no === 2)) {
      const ff = wireFields(f.value as Buffer);
      const index = ff.find((q) => q.no === 9)?.value;
      if (typeof index === 'number') members.set((ff.find((q) => q.no === 1)!.value as Buffer).toString('utf8'), oneofNames[index]!);
    }
    oneofMembers.set(name, members);
  }
}

const SCALARS: Record<string, string> = {
  TYPE_DOUBLE: 'number',
  TYPE_FLOAT: 'number',
  TYPE_INT32: 'number',
  TYPE_UINT32: 'number',
  TYPE_SINT32: 'number',
  TYPE_FIXED32: 'number',
  TYPE_SFIXED32: 'number',
  TYPE_INT64: 'number',
  TYPE_UINT64: 'number',
  TYPE_SINT64: 'number',
  TYPE_FIXED64: 'number',
  TYPE_SFIXED64: 'number',
  TYPE_BOOL: 'boolean',
  TYPE_STRING: 'string',
  TYPE_BYTES: 'Buffer',
};

/** The members the loader options imply for one message. */
function expectedMembers(message: string): Map<string, Member> {
  const def = pd[`${prefix}${message}`]!.type;
  const members = oneofMembers.get(message) ?? new Map<string, string>();
  const out = new Map<string, Member>();
  for (const f of def.field ?? []) {
    const base = SCALARS[f.type] ?? f.typeName.split('.').pop()!;
    const repeated = f.label === 'LABEL_REPEATED';
    const type = repeated ? `${base}[]` : f.type === 'TYPE_MESSAGE' ? `${base} | null` : base;
    out.set(f.name, { optional: members.has(f.name), type });
  }
  for (const o of def.oneofDecl ?? []) {
    const names = [...members].filter(([, oneof]) => oneof === o.name).map(([field]) => `'${field}'`);
    out.set(o.name, { optional: true, type: names.join(' | ') });
  }
  return out;
}

// ---- the comparisons -----------------------------------------------------------------------

test('the descriptor has the messages and enums the docs describe', () => {
  assert.ok(messages.length >= 30, `${messages.length} messages`);
  assert.equal(enums.sort(), ['AnomalyType', 'ReleaseReason', 'WorkerState']);
  assert.equal(
    [...(oneofMembers.get('WorkerCommand') ?? [])],
    [
      ['drain', 'action'],
      ['stop', 'action'],
      ['fetch_weights', 'action'],
    ],
  );
});

for (const message of messages) {
  test(`interface ${message} matches the descriptor field for field`, () => {
    const actual = shapes.get(message);
    assert.ok(actual !== undefined, `proto/types.ts has no interface ${message}`);
    const expected = expectedMembers(message);
    assert.equal([...actual.keys()].sort(), [...expected.keys()].sort(), 'field names');
    for (const [name, want] of expected) assert.equal(actual.get(name), want, `${message}.${name}`);
  });
}

for (const e of enums) {
  test(`type ${e} lists the enum's value names`, () => {
    assert.equal(
      unions.get(e),
      pd[`${prefix}${e}`]!.type.value!.map((v) => v.name),
    );
  });
}

test('types.ts declares no message-like shape the proto lacks', () => {
  const tooling = new Set([
    'UnaryMethod',
    'ServerStreamMethod',
    'ClientStreamMethod',
    'CoordinatorClient',
    'WeightsClient',
    'ServiceTypes',
    'CoordinatorHandlers',
    'WeightsHandlers',
    'PeerWeightsClient',
    'PeerWeightsHandlers',
    'DetectClient',
    'DetectHandlers',
  ]);
  const extra = [...shapes.keys()].filter((n) => !messages.includes(n) && !tooling.has(n));
  assert.equal(extra, []);
});

for (const service of ['Coordinator', 'Weights', 'Detect'] as const) {
  test(`${service}Handlers and ${service}Client list every method with its shape and types`, () => {
    const handlers = shapes.get(`${service}Handlers`)!;
    const client = shapes.get(`${service}Client`)!;
    const def = serviceDefinition(service);
    assert.equal([...handlers.keys()].sort(), Object.keys(def).sort());
    assert.equal([...client.keys()].sort(), Object.keys(def).sort());
    for (const [method, d] of Object.entries(def)) {
      const x = d as unknown as {
        requestStream: boolean;
        responseStream: boolean;
        requestType: { type: { name: string } };
        responseType: { type: { name: string } };
      };
      const args = `<${x.requestType.type.name}, ${x.responseType.type.name}>`;
      const [handle, call] = x.requestStream
        ? x.responseStream
          ? ['handleBidiStreamingCall', 'BidiStreamMethod']
          : ['handleClientStreamingCall', 'ClientStreamMethod']
        : x.responseStream
          ? ['handleServerStreamingCall', 'ServerStreamMethod']
          : ['handleUnaryCall', 'UnaryMethod'];
      assert.is(handlers.get(method)!.type, `grpc.${handle}${args}`, `handler ${method}`);
      assert.is(client.get(method)!.type, `${call}${args}`, `client ${method}`);
    }
  });
}

test.run();
