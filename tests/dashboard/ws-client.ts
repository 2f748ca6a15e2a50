// A websocket client for the dashboard tests: every message it received, in order, and a way to
// wait for the next one that matches (events, with the generous limit of tests/helpers/wait.ts).
import { WebSocket } from 'ws';
import { within } from '../helpers/wait.js';

export interface TestClient<M> {
  readonly ws: WebSocket;
  readonly messages: M[];
  /** The next message after the last one returned that matches `pred`. */
  next(pred: (m: M) => boolean, what?: string): Promise<M>;
  send(value: unknown): void;
}

export async function connectClient<M>(url: string): Promise<TestClient<M>> {
  const ws = new WebSocket(url);
  const messages: M[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as M);
    for (const w of waiters.splice(0)) w();
  });
  await within(
    new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    }),
    'websocket open',
  );
  let cursor = 0;
  const next = (pred: (m: M) => boolean, what = 'a matching message') =>
    within(
      new Promise<M>((resolve) => {
        const look = () => {
          const k = messages.slice(cursor).findIndex(pred);
          if (k < 0) return void waiters.push(look);
          cursor += k + 1;
          resolve(messages[cursor - 1]!);
        };
        look();
      }),
      what,
    );
  return { ws, messages, next, send: (v) => ws.send(JSON.stringify(v)) };
}

/** The HTTP status a refused upgrade answers with. */
export function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return within(
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('open', () => reject(new Error('upgrade was accepted')));
      ws.on('error', () => {});
    }),
    'upgrade answer',
  );
}
