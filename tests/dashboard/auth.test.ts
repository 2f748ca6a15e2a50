// Dashboard access: the token comes as ?token= or as a Bearer header; anything else is refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { offeredToken, tokenChecker } from '../../dashboard/auth.js';
import { ConfigError } from '../../shared/errors.js';

const TOKEN = 'a1b2c3d4e5f6a7b8c9d0e1f2';
const check = tokenChecker(TOKEN);

const cases: { name: string; url: string; headers: Record<string, string>; ok: boolean }[] = [
  { name: 'no token', url: '/', headers: {}, ok: false },
  { name: 'empty query token', url: '/?token=', headers: {}, ok: false },
  { name: 'wrong query token', url: `/?token=${TOKEN}x`, headers: {}, ok: false },
  { name: 'a prefix of the token', url: `/?token=${TOKEN.slice(0, 10)}`, headers: {}, ok: false },
  { name: 'wrong bearer token', url: '/', headers: { authorization: 'Bearer nope-nope-nope-nope' }, ok: false },
  { name: 'token without "Bearer"', url: '/', headers: { authorization: TOKEN }, ok: false },
  { name: 'basic auth', url: '/', headers: { authorization: `Basic ${TOKEN}` }, ok: false },
  { name: 'right query token', url: `/?token=${TOKEN}`, headers: {}, ok: true },
  { name: 'right query token on an asset, with other parameters', url: `/app.js?v=1&token=${TOKEN}`, headers: {}, ok: true },
  { name: 'right bearer token', url: '/', headers: { authorization: `Bearer ${TOKEN}` }, ok: true },
  { name: 'right bearer token, lower-case scheme', url: '/ws', headers: { authorization: `bearer ${TOKEN}` }, ok: true },
  { name: 'url-encoded query token', url: `/?token=${encodeURIComponent(TOKEN)}`, headers: {}, ok: true },
];

for (const c of cases) {
  test(`${c.name} → ${c.ok ? 'allowed' : 'refused'}`, () => {
    assert.is(check({ url: c.url, headers: c.headers }), c.ok);
  });
}

test('the query parameter wins over the header', () => {
  assert.is(offeredToken({ url: '/?token=fromquery', headers: { authorization: 'Bearer fromheader' } }), 'fromquery');
});

test('a short configured token is a ConfigError naming the field', () => {
  try {
    tokenChecker('short');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.match((e as Error).message, /dashboard token.*at least 16/);
  }
});

test.run();
