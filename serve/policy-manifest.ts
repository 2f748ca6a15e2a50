/**
 * `policy.json` of an exported policy (docs/SERVE.md "Export"): everything a program that is
 * not anomseer needs to run the two ONNX graphs — what each input and output tensor is, with
 * its shape; how the encoder input is laid out; the vocabulary in id order with the special,
 * offset and pointer ids; how positions decode to series indices; and the greedy decoding
 * procedure with its grammar, in words. Built from the graphs themselves (names and shapes
 * come from the GraphBuilder), so the description cannot drift from the files.
 */
import type { GraphBuilder } from '../shared/onnx/index.js';
import { ANALYSIS_CHANNELS } from '../shared/policy/analysis-channels.js';
import { DETECTOR_CHANNELS, ORDINAL_CHANNELS } from '../shared/policy/detector-channels.js';
import { SLOPE_CHANGE_CHANNELS } from '../shared/policy/slope-change-channels.js';
import { SEASONAL_CHANNELS } from '../shared/policy/seasonal-channels.js';
import type { PolicySpec } from '../shared/policy/spec.js';
import type { Tokenizer } from '../shared/policy/tokenizer.js';
import { ANOMALY_TYPES } from '../shared/series/labels.js';

export const MANIFEST_FORMAT = 'anomseer-onnx-policy/1';

/** What each named tensor of the two graphs means (names as in shared/policy/model.ts). */
function meaning(name: string): string {
  if (name === 'features') return 'encoder input: one feature vector per patch (layout in "features")';
  if (name === 'memory') return 'encoder memory, one d-vector per patch';
  if (/^cross\.\d+\.[kv]$/.test(name))
    return `decoder layer ${name.split('.')[1]} cross-attention ${name.endsWith('k') ? 'keys' : 'values'} over the patches (computed once per series by encode)`;
  if (name === 'ptr.in') return 'input embedding of each pointer token P<k> (patch k memory, projected)';
  if (name === 'ptr.keys') return 'keys of the pointer logits (patch k memory, projected)';
  if (name === 'token') return 'the previous output id (first step: <bos>); pointer ids V..V+P-1 allowed';
  if (name === 'position') return 'decode step index t = 0, 1, 2, … (the same for every row)';
  if (/^past\.\d+\.[kv]$/.test(name))
    return `decoder layer ${name.split('.')[1]} self-attention cache from the previous step's present.*; (B, H, 0, Dh) zeros-size at t = 0`;
  if (/^present\.\d+\.[kv]$/.test(name)) return 'the grown self-attention cache: feed it as past.* at the next step';
  if (name === 'logits') return 'next-id scores over V text tokens then P pointer tokens (unmasked; apply the grammar)';
  if (name === 'hidden') return 'final decoder state (not needed for decoding)';
  return name;
}

const io = (g: GraphBuilder) => ({
  inputs: g.inputs.map((t) => ({ name: t.name, dtype: t.dtype, shape: [...t.shape], meaning: meaning(t.name) })),
  outputs: g.outputs.map((o) => ({ name: o.name, dtype: o.tensor.dtype, shape: [...o.tensor.shape], meaning: meaning(o.name) })),
});

/** Channel blocks of the feature vector of one patch, in order, with their offsets. */
function featureBlocks(spec: PolicySpec): { name: string; offset: number; perColumn: number; channels: readonly string[] | string }[] {
  const { height: H, patchCols: pc, variant } = spec.features;
  const blocks: { name: string; perColumn: number; channels: readonly string[] | string }[] = [
    { name: 'plot', perColumn: H, channels: `raster rows r = 0..${H - 1} (top to bottom), ink in [0, 1]` },
  ];
  if (variant !== 'plot') blocks.push({ name: 'values', perColumn: 3, channels: ['mean', 'min', 'max'] });
  if (variant.startsWith('plot+values+analyses')) blocks.push({ name: 'analyses', perColumn: ANALYSIS_CHANNELS.length, channels: ANALYSIS_CHANNELS });
  if (variant.startsWith('plot+values+analyses+detector')) blocks.push({ name: 'detector', perColumn: DETECTOR_CHANNELS.length, channels: DETECTOR_CHANNELS });
  if (variant.endsWith('+ordinals')) blocks.push({ name: 'ordinals', perColumn: ORDINAL_CHANNELS.length, channels: ORDINAL_CHANNELS });
  if (spec.features.slopeChange === true) blocks.push({ name: 'slopeChange', perColumn: SLOPE_CHANGE_CHANNELS.length, channels: SLOPE_CHANGE_CHANNELS });
  if (spec.features.seasonal === true) blocks.push({ name: 'seasonal', perColumn: SEASONAL_CHANNELS.length, channels: SEASONAL_CHANNELS });
  let offset = 0;
  return blocks.map((b) => {
    const out = { ...b, offset };
    offset += pc * b.perColumn;
    return out;
  });
}

export interface ManifestInputs {
  readonly spec: PolicySpec;
  readonly tokenizer: Tokenizer;
  readonly encode: GraphBuilder;
  readonly step: GraphBuilder;
  readonly files: { readonly encode: string; readonly step: string };
  readonly source: { readonly checkpoint: string; readonly modelSha256: string };
  readonly example: Readonly<Record<string, string>>;
}

export function policyManifest(m: ManifestInputs): Record<string, unknown> {
  const { spec, tokenizer } = m;
  const v = tokenizer.vocab;
  const V = v.size;
  const P = spec.model.numPatches;
  const { height: H, width: W, patchCols: pc, featureSize: F } = spec.features;
  const dh = spec.model.width / spec.model.heads;
  const maxLen = 1 + spec.grammar.maxThinkTokens + 4 + Math.max(0, 8 * spec.grammar.maxIntervals - 1) + 6;
  return {
    format: MANIFEST_FORMAT,
    source: { ...m.source, exporter: 'anomseer export --onnx' },
    onnx: { irVersion: 8, opset: 17, domain: 'ai.onnx (default only)', dtype: 'float32', weights: 'baked in as initializers' },
    graphs: {
      encode: { file: m.files.encode, run: 'once per series window', ...io(m.encode) },
      decodeStep: { file: m.files.step, run: 'once per generated token, all rows of a batch together', ...io(m.step) },
    },
    dims: { B: 'batch rows (series windows)', P, F, d: spec.model.width, H: spec.model.heads, Dh: dh, Tpast: 'tokens generated so far', V, outputSize: V + P },
    model: spec.model,
    features: {
      variant: spec.variant,
      raster: { height: H, width: W },
      patchCols: pc,
      numPatches: P,
      featureSize: F,
      how: [
        spec.features.normalize === 'none'
          ? 'The series window (n points, n <= window) is first normalised ONCE for the whole series: robust by default (the 1st and 99th percentiles map to ∓0.8 and ±0.8 linearly, clipped to [-1, 1]), or minmax to [-1, 1], or none; then cut into windows. The features of a window are computed from its normalised values.'
          : `This policy scales every window itself (policy.normalize: ${spec.features.normalize}): the series is cut into windows of its own values, and each window is normalised on its own (robust: its 1st and 99th percentiles map to ∓0.8 and ±0.8 linearly, clipped to [-1, 1]) before its features are computed. Do not normalise the whole series first.`,
        `Each window is drawn as a ${H} × ${W} line raster and cut into P = ${P} patches of ${pc} columns; point i lies in column floor((2i + 1)·${W} / 2n) — the exact mapping and every channel are anomseer's shared/policy/features.ts \`patchFeatures\`.`,
        `features[b, k, block.offset + j·block.perColumn + q] = channel q of raster column c = ${pc}·k + j (j < ${pc}) for each block below (the plot block is raster[r, c] at offset j·${H} + r).`,
        'A program that cannot compute the analyses and the detector channels can still run the graphs on features computed by anomseer: `example/features.f32` shows the exact bytes for the example series.',
      ],
      blocks: featureBlocks(spec),
    },
    vocabulary: {
      size: V,
      tokens: v.tokens,
      ids: {
        pad: v.pad,
        bos: v.bos,
        eos: v.eos,
        thinkOpen: v.thinkOpen,
        thinkClose: v.thinkClose,
        answerOpen: v.answerOpen,
        answerClose: v.answerClose,
        classOpen: v.classOpen,
        classClose: v.classClose,
        lbracket: v.lbracket,
        rbracket: v.rbracket,
        comma: v.comma,
        space: v.space,
      },
      classes: Object.fromEntries(ANOMALY_TYPES.map((t, i) => [t, v.classIds[i]])),
      offsets: { first: v.offsetBase, count: v.offsetsPerPatch, meaning: 'O<j> = id offsetBase + j' },
      pointers: { first: V, count: P, meaning: 'output id V + k is the pointer P<k> to patch k; it has no text' },
      text: 'A token owns the single space before it (" mean"); decoding concatenates token strings, except that positions (P<k> O<j>) become the series index they denote.',
    },
    positions: {
      patchRange: `patch k holds the indices [start(k), end(k)) of the points drawn in its columns ${pc}k … ${pc}k+${pc - 1} (start(P) = n)`,
      stride: `1 when every patch holds at most ${v.offsetsPerPatch - 1} indices (n <= ${(v.offsetsPerPatch - 1) * P} here), else ceil(largest patch / ${v.offsetsPerPatch - 1})`,
      decode: '(P<k>, O<j>) means index min(end(k), start(k) + j·stride)',
      start: 'an interval start s is written as P<patch of point s> O<(s - start(k)) / stride>',
      end: 'an exclusive end e is written as P<patch of point e-1> O<ceil((e - start(k)) / stride)> (>= 1)',
    },
    decoding: {
      method: 'greedy: at each step the allowed id with the largest logit',
      maxSteps: maxLen,
      grammar: { maxThinkTokens: spec.grammar.maxThinkTokens, maxIntervals: spec.grammar.maxIntervals },
      procedure: [
        'encode: run the encode graph on features (B, P, F); keep its cross.*, ptr.in and ptr.keys outputs.',
        `step t = 0: token = <bos> (id ${v.bos}) for every row, position = [0], past.* = empty (B, ${spec.model.heads}, 0, ${dh}), plus the encode outputs above.`,
        'each step: run decodeStep; mask logits to the ids the grammar allows in the row state; take the argmax; feed it as the next token, position t + 1, and present.* as past.*.',
        `stop a row after <eos> (id ${v.eos}); finished rows keep feeding <pad> (id ${v.pad}) until every row is done.`,
        'decode the ids to text (vocabulary.text) and read <answer> and <class> from it.',
      ],
      grammarInWords: [
        '<think> first, then 0..maxThinkTokens text tokens (any word, digit, punctuation, header or class-name token; not a tag, offset or pointer), then </think>.',
        'inside <think>: a token starting with a letter may not follow one ending with a letter; after the bare " " token only a token starting with a space or newline (or </think>) may follow.',
        '<answer> [ then 0..maxIntervals pairs separated by "," then ] </answer>; a pair is [ P<ks> O<js> , P<ke> O<je> ] with the canonical start and end encodings above.',
        'intervals come out sorted and disjoint: previous end <= start < end <= n; a pointer to an empty patch or an offset past the patch is never allowed.',
        '<class> then exactly one of the six class tokens then </class> then <eos>.',
      ],
      ...(spec.trace === 'faithful'
        ? {
            faithful: [
              'this policy writes faithful traces (trace: "faithful"; docs/POLICY.md §faithful in the anomseer repository); the grammar above is replaced by:',
              '<think> and the facts sentence are forced: its numbers (length, mean, std, roughness, variance explained, the signal family) are computed from the window by the ExpCoT code and each of their tokens is the only allowed id;',
              'after "Conclusion:" the policy chooses " nothing" (normal) or " a" TYPE anomaly in PAIR ("," PAIR)* "."; PAIR is [ P<k> O<j> , P<k2> O<j2> ) or [ D<i> Δ<a> , Δ<b> ): the detector\'s i-th interval with its start moved by a and its end by b, or [ P<k> O<j> ) for a one-point interval;',
              "<answer> and <class> are not decoded: they are written from the conclusion's decisions, so the ids end at </think> <eos>; example/expected.json holds the ids and the rendered text.",
            ],
          }
        : {}),
      windows:
        'Series longer than the window are cut into windows of `window` points (default 1000; the last one aligned to the series end), each decoded as its own row; interval answers are shifted by the window start and merged; the type is the one whose windows claim the most anomalous points.',
    },
    example: m.example,
  };
}
