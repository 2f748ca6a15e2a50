// The StateStore contract against the embedded store. Its state lives in the object, so the
// "re-created store" case gets the same object back (close() is a no-op for it).
import { test } from 'uvu';
import { MemoryStore } from '../../coordinator/state/memory-store.js';
import { runStoreContract } from './store-contract.js';

runStoreContract('memory', async (jobId) => {
  const store = new MemoryStore({ jobId });
  return { store, reopen: async () => store };
});

test.run();
