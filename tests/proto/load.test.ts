import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { LOADER_OPTIONS, PROTO_PACKAGE, PROTO_PATH, SERVICE_NAMES, loadAnomseerProto, serviceDefinition } from '../../proto/load.js';

// [service, method, requestStream, responseStream, request type, response type]
const METHODS: [string, string, boolean, boolean, string, string][] = [
  ['Coordinator', 'RegisterWorker', false, false, 'RegisterWorkerRequest', 'RegisterWorkerResponse'],
  ['Coordinator', 'Heartbeat', false, false, 'HeartbeatRequest', 'HeartbeatResponse'],
  ['Coordinator', 'LeasePrompts', false, false, 'LeasePromptsRequest', 'LeasePromptsResponse'],
  ['Coordinator', 'SubmitGroup', false, false, 'SubmitGroupRequest', 'SubmitGroupResponse'],
  ['Coordinator', 'SubmitGroups', false, false, 'SubmitGroupsRequest', 'SubmitGroupsResponse'],
  ['Coordinator', 'ReleaseLeases', false, false, 'ReleaseLeasesRequest', 'ReleaseLeasesResponse'],
  ['Coordinator', 'TakeGroups', false, false, 'TakeGroupsRequest', 'TakeGroupsResponse'],
  ['Coordinator', 'GetStatus', false, false, 'GetStatusRequest', 'GetStatusResponse'],
  ['Coordinator', 'ReportProgress', false, false, 'ReportProgressRequest', 'ReportProgressResponse'],
  ['Coordinator', 'ClaimLearner', false, false, 'ClaimLearnerRequest', 'ClaimLearnerResponse'],
  ['Coordinator', 'StopJob', false, false, 'StopJobRequest', 'JobState'],
  ['Coordinator', 'GetJobState', false, false, 'GetJobStateRequest', 'JobState'],
  ['Weights', 'GetVersion', false, false, 'GetVersionRequest', 'WeightVersion'],
  ['Weights', 'FetchWeights', false, true, 'FetchWeightsRequest', 'WeightChunk'],
  ['Weights', 'PublishWeights', true, false, 'WeightChunk', 'PublishWeightsResponse'],
  ['Weights', 'WatchVersions', false, true, 'WatchVersionsRequest', 'WeightVersion'],
  ['Weights', 'ResolveSource', false, false, 'ResolveSourceRequest', 'WeightSource'],
  ['Weights', 'AnnouncePeer', false, false, 'AnnouncePeerRequest', 'AnnouncePeerResponse'],
  ['Weights', 'ReportFetch', false, false, 'ReportFetchRequest', 'ReportFetchResponse'],
  ['PeerWeights', 'FetchWeights', false, true, 'FetchWeightsRequest', 'WeightChunk'],
  ['Detect', 'DetectSeries', false, false, 'DetectRequest', 'DetectResponse'],
];

test('the proto loads with the documented loader options', () => {
  const proto = loadAnomseerProto();
  assert.is(proto, loadAnomseerProto(), 'loaded once and shared');
  assert.equal({ ...LOADER_OPTIONS }, { keepCase: true, longs: Number, bytes: Buffer, enums: String, defaults: true, oneofs: true });
  assert.ok(readFileSync(PROTO_PATH, 'utf8').includes(`package ${PROTO_PACKAGE};`));
  assert.equal([...SERVICE_NAMES], ['Coordinator', 'Weights', 'PeerWeights', 'Detect']);
});

test('each service has exactly the methods of the contract', () => {
  for (const name of SERVICE_NAMES) {
    const expected = METHODS.filter((m) => m[0] === name)
      .map((m) => m[1])
      .sort();
    assert.equal(Object.keys(serviceDefinition(name)).sort(), expected, name);
  }
});

for (const [service, method, reqStream, resStream, reqType, resType] of METHODS) {
  test(`${service}.${method} has its streaming shape and message types`, () => {
    const def = serviceDefinition(service as 'Coordinator' | 'Weights' | 'PeerWeights' | 'Detect')[method];
    assert.ok(def !== undefined, `${service}.${method} is missing`);
    assert.is(def.path, `/${PROTO_PACKAGE}.${service}/${method}`);
    assert.is(def.requestStream, reqStream, 'requestStream');
    assert.is(def.responseStream, resStream, 'responseStream');
    const d = def as unknown as { requestType: { type: { name: string } }; responseType: { type: { name: string } } };
    assert.is(d.requestType.type.name, reqType);
    assert.is(d.responseType.type.name, resType);
  });
}

test('every message, enum and service other than a request/response has a comment above it', () => {
  const lines = readFileSync(PROTO_PATH, 'utf8').split('\n');
  const undocumented: string[] = [];
  lines.forEach((line, i) => {
    const m = /^(message|enum|service) (\w+)/.exec(line);
    if (m === null) return;
    const prev = (lines[i - 1] ?? '').trim();
    const selfExplaining = /Request$|Response$/.test(m[2]!);
    if (!prev.startsWith('//') && !selfExplaining) undocumented.push(m[2]!);
  });
  assert.equal(undocumented, []);
});

test.run();
