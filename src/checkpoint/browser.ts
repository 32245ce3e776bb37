// Checkpoint handlers for the browser: IndexedDB (survives reloads and tab crashes), and a
// download of the two files / an upload of them back. The bytes are exactly those of the
// Node checkpoint directory (model.safetensors + checkpoint.json), so files move freely
// between the two. No Node APIs here.
import { CONFIG_FILE, CheckpointError, type CheckpointBytes, type CheckpointHandler, type LoadedBytes, WEIGHTS_FILE } from './format.js';

interface IdbRecord {
  weights: Uint8Array;
  config: Uint8Array;
  savedAt: string;
}

const STORE = 'checkpoints';

function openDb(dbName: string): Promise<IDBDatabase> {
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!idb) return Promise.reject(new CheckpointError(`indexeddb:${dbName}`, 'IndexedDB is not available in this environment'));
  return new Promise((resolve, reject) => {
    const req = idb.open(dbName, 1);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new CheckpointError(`indexeddb:${dbName}`, `cannot open the database: ${req.error?.message ?? 'unknown error'}`));
  });
}

/**
 * Keeps the checkpoint under `key` in IndexedDB. Both files are put in one record in one
 * readwrite transaction, and save() resolves only on the transaction's complete event: a tab
 * that crashes or closes mid-save keeps the previous record whole (transactions are atomic).
 */
export function indexedDBHandler(key: string, opts: { dbName?: string } = {}): CheckpointHandler {
  const dbName = opts.dbName ?? 'gaaf-checkpoints';
  const where = `indexeddb:${dbName}/${key}`;
  return {
    description: where,
    async save(c: CheckpointBytes): Promise<void> {
      const db = await openDb(dbName);
      try {
        await new Promise<void>((resolve, reject) => {
          const tx = db.transaction(STORE, 'readwrite', { durability: 'strict' } as IDBTransactionOptions);
          const rec: IdbRecord = { weights: c.weights.slice(), config: c.config.slice(), savedAt: new Date().toISOString() };
          tx.objectStore(STORE).put(rec, key);
          tx.oncomplete = () => resolve();
          tx.onabort = tx.onerror = () => reject(new CheckpointError(where, `save failed: ${tx.error?.message ?? 'transaction aborted'} (the previous checkpoint is kept)`));
        });
      } finally {
        db.close();
      }
    },
    async load(): Promise<LoadedBytes> {
      const db = await openDb(dbName);
      try {
        const rec = await new Promise<unknown>((resolve, reject) => {
          const req = db.transaction(STORE, 'readonly').objectStore(STORE).get(key);
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(new CheckpointError(where, `load failed: ${req.error?.message ?? 'unknown error'}`));
        });
        if (rec === undefined) throw new CheckpointError(where, 'no checkpoint is stored under this key');
        const r = rec as Partial<IdbRecord>;
        if (!(r.weights instanceof Uint8Array) || !(r.config instanceof Uint8Array)) throw new CheckpointError(where, 'the stored record is not a gaaf checkpoint');
        return { weights: r.weights, config: r.config, weightsName: `${where}/${WEIGHTS_FILE}`, configName: `${where}/${CONFIG_FILE}` };
      } finally {
        db.close();
      }
    },
  };
}

/**
 * save() offers the two files as downloads, `<prefix>.safetensors` and `<prefix>.checkpoint.json`
 * (the user keeps them); load() is not possible from a download: use uploadedFilesHandler.
 */
export function downloadHandler(prefix = 'gaaf-model'): CheckpointHandler {
  const doc = (globalThis as { document?: Document }).document;
  const download = (bytes: Uint8Array, name: string, type: string): void => {
    const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
    const a = doc!.createElement('a');
    a.href = url;
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  return {
    description: `download:${prefix}`,
    async save(c: CheckpointBytes): Promise<void> {
      if (!doc) throw new CheckpointError(`download:${prefix}`, 'downloads need a browser document');
      // The weights first: checkpoint.json carries their SHA-256, so a config without its weights is refused on load.
      download(c.weights, `${prefix}.safetensors`, 'application/octet-stream');
      download(c.config, `${prefix}.checkpoint.json`, 'application/json');
    },
    async load(): Promise<LoadedBytes> {
      throw new CheckpointError(`download:${prefix}`, 'a download cannot be read back: load the files with uploadedFilesHandler');
    },
  };
}

/** Loads a checkpoint from two files the user picked (e.g. an <input type="file" multiple>): one *.safetensors and one *.json. */
export function uploadedFilesHandler(files: ArrayLike<Blob & { name: string }>): CheckpointHandler {
  const list = Array.from(files);
  const names = list.map((f) => f.name).join(', ') || 'no files';
  return {
    description: `upload:${names}`,
    async save(): Promise<void> {
      throw new CheckpointError(`upload:${names}`, 'uploaded files are read-only: save with indexedDBHandler or downloadHandler');
    },
    async load(): Promise<LoadedBytes> {
      const w = list.filter((f) => f.name.endsWith('.safetensors'));
      const c = list.filter((f) => f.name.endsWith('.json'));
      if (w.length !== 1 || c.length !== 1) {
        throw new CheckpointError(`upload:${names}`, `expected one .safetensors file and one .json file, got ${w.length} and ${c.length}`);
      }
      const [weights, config] = await Promise.all([w[0].arrayBuffer(), c[0].arrayBuffer()]);
      return { weights: new Uint8Array(weights), config: new Uint8Array(config), weightsName: w[0].name, configName: c[0].name };
    },
  };
}
