import { type ServerResponse } from "node:http";
import { BatchedWriter } from "./batched-writer.js";
import { apiVersionOf, type ResourceType } from "./resources.js";
import { type FieldSelector } from "./selectors.js";
import { type ApiStatusError, statusErrors } from "./status.js";
import { parseEntry, type ObjectStore, type StoreEvent, type StoredEntry } from "./store.js";

/** What one watch request asks for, already parsed and authorized. */
export interface WatchRequest {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  readonly labels: (labels: Readonly<Record<string, string>> | undefined) => boolean;
  readonly fields: FieldSelector;
  /** The query's resourceVersion: undefined or "" (most recent, with initial state), "0", or a number. */
  readonly resourceVersion: string | undefined;
  readonly allowBookmarks: boolean;
  readonly sendInitialEvents: boolean;
  readonly timeoutSeconds: number;
  /** Re-encodes each event's object (kubectl's watches ask for Tables); `first` is the first event. */
  readonly encode?: (raw: Buffer, first: boolean) => Buffer;
}

export interface WatchHubOptions {
  /** How often watchers that allow bookmarks get one. */
  readonly bookmarkIntervalMs: number;
  /**
   * A live watcher whose unsent bytes exceed this is closed, as the real API server drops watchers
   * that cannot keep up; the client re-watches from its last resourceVersion.
   */
  readonly maxWatcherBufferBytes: number;
}

interface LiveWatch {
  readonly req: WatchRequest;
  readonly writer: BatchedWriter;
  live: boolean;
  sent: number;
}

/** Serves watch requests from the store's event window and its live events. */
export class WatchHub {
  readonly #store: ObjectStore;
  readonly #options: WatchHubOptions;
  readonly #watches = new Set<LiveWatch>();
  readonly #timer: NodeJS.Timeout;

  constructor(store: ObjectStore, options: WatchHubOptions) {
    this.#store = store;
    this.#options = options;
    this.#timer = setInterval(() => this.#bookmarkAll(), options.bookmarkIntervalMs);
    this.#timer.unref();
  }

  /** Number of open watches. */
  get size(): number {
    return this.#watches.size;
  }

  close(): void {
    clearInterval(this.#timer);
    for (const w of this.#watches) w.writer.end();
    this.#watches.clear();
  }

  /**
   * Streams a watch. Errors found before streaming (a malformed or too new resourceVersion) are
   * thrown as Status errors; an expired resourceVersion is a 410 ERROR event, as the real server
   * sends it.
   */
  async serve(req: WatchRequest, res: ServerResponse): Promise<void> {
    const store = this.#store;
    const rvText = req.resourceVersion ?? "";
    const fromState = rvText === "" || rvText === "0" || req.sendInitialEvents;
    let rv = 0;
    if (!fromState) {
      rv = Number(rvText);
      if (!/^\d+$/.test(rvText)) {
        throw statusErrors.invalid("", "", "", [
          { field: "resourceVersion", message: `Invalid value: "${rvText}": must be an integer` },
        ]);
      }
      if (rv > store.revision) throw statusErrors.tooLargeResourceVersion(rv, store.revision);
    }
    res.writeHead(200, {
      "content-type": "application/json",
      "cache-control": "no-cache, private",
      "transfer-encoding": "chunked",
    });
    res.flushHeaders();
    const writer = new BatchedWriter(res);
    if (!fromState && rv < store.historyFloor(req.type)) {
      writer.write(
        errorEvent(statusErrors.expired(`too old resource version: ${rv} (${store.historyFloor(req.type)})`)),
      );
      writer.end();
      return;
    }

    const watch: LiveWatch = { req, writer, live: false, sent: 0 };
    const queued: StoreEvent[] = [];
    const nodePin = req.type.fields.includes("spec.nodeName") ? req.fields.nodeName : undefined;
    const namespacePin = req.namespace ?? req.fields.namespace;
    // Subscribing and taking the snapshot happen in one synchronous step, so no event is missed
    // or seen twice.
    const unsubscribe = store.addWatcher(req.type, {
      namespace: namespacePin,
      nodeName: nodePin,
      deliver: (event) => {
        if (!watch.live) queued.push(event);
        else this.#send(watch, event);
      },
    });
    let initial: StoredEntry[] | StoreEvent[];
    if (fromState) {
      const list: StoredEntry[] = [];
      const opts = {
        ...(namespacePin !== undefined ? { namespace: namespacePin } : {}),
        ...(nodePin !== undefined ? { nodeName: nodePin } : {}),
      };
      for (const e of store.entries(req.type, opts)) if (this.#matches(req, e)) list.push(e);
      initial = list;
    } else initial = store.eventsAfter(req.type, rv);
    const snapshotRv = store.revision;

    const timer: { handle?: NodeJS.Timeout } = {};
    const finish = () => {
      unsubscribe();
      clearTimeout(timer.handle);
      this.#watches.delete(watch);
      writer.end();
    };
    res.once("close", finish);
    this.#watches.add(watch);
    timer.handle = setTimeout(() => {
      if (req.allowBookmarks && watch.live) this.#bookmark(watch);
      finish();
    }, req.timeoutSeconds * 1000);

    for (let i = 0; i < initial.length; i++) {
      const item = initial[i] as StoredEntry | StoreEvent;
      if ("raw" in item) writer.write(this.#frame(watch, "ADDED", item.raw));
      else this.#send(watch, item, false);
      if (writer.pendingBytes > 1024 * 1024) await writer.drain();
      if (writer.closed) return;
    }
    if (req.sendInitialEvents && req.allowBookmarks) {
      this.#bookmark(watch, snapshotRv, { "k8s.io/initial-events-end": "true" });
    }
    for (const event of queued) this.#send(watch, event, false);
    queued.length = 0;
    watch.live = true;
    writer.flush();
  }

  #matches(req: WatchRequest, e: StoredEntry): boolean {
    if (req.namespace !== undefined && e.namespace !== req.namespace) return false;
    return req.labels(e.labels) && req.fields.matches(e.fields);
  }

  #send(watch: LiveWatch, event: StoreEvent, checkBuffer = true): void {
    const req = watch.req;
    const now = event.eventType !== "DELETED" && this.#matches(req, event.entry);
    const before = event.prev !== undefined && this.#matches(req, event.prev);
    let out: Buffer | undefined;
    if (event.eventType === "DELETED") {
      if (before || this.#matches(req, event.entry)) out = this.#frame(watch, "DELETED", event.entry.raw);
    } else if (now && before) out = this.#frame(watch, "MODIFIED", event.entry.raw);
    else if (now) out = this.#frame(watch, "ADDED", event.entry.raw);
    else if (before) {
      // It stopped matching: to this watcher it is gone, in its previous state at the new version.
      const last = parseEntry(event.prev as StoredEntry);
      last.metadata.resourceVersion = String(event.entry.rv);
      out = this.#frame(watch, "DELETED", Buffer.from(JSON.stringify(last)));
    }
    if (!out) return;
    watch.writer.write(out);
    if (checkBuffer && watch.writer.pendingBytes > this.#options.maxWatcherBufferBytes) watch.writer.end();
  }

  #frame(watch: LiveWatch, type: "ADDED" | "MODIFIED" | "DELETED", raw: Buffer): Buffer {
    const encode = watch.req.encode;
    return frame(type, encode ? encode(raw, watch.sent++ === 0) : raw);
  }

  #bookmark(watch: LiveWatch, rv = this.#store.revision, annotations?: Record<string, string>): void {
    const type = watch.req.type;
    const object = {
      kind: type.kind,
      apiVersion: apiVersionOf(type),
      metadata: { resourceVersion: String(rv), ...(annotations ? { annotations } : {}) },
    };
    watch.writer.write(`{"type":"BOOKMARK","object":${JSON.stringify(object)}}\n`);
  }

  #bookmarkAll(): void {
    for (const w of this.#watches) {
      if (w.live && w.req.allowBookmarks) {
        this.#bookmark(w);
        w.writer.flush();
      }
    }
  }
}

const PREFIX: Record<string, Buffer> = {
  ADDED: Buffer.from('{"type":"ADDED","object":'),
  MODIFIED: Buffer.from('{"type":"MODIFIED","object":'),
  DELETED: Buffer.from('{"type":"DELETED","object":'),
};
const SUFFIX = Buffer.from("}\n");

function frame(type: "ADDED" | "MODIFIED" | "DELETED", raw: Buffer): Buffer {
  return Buffer.concat([PREFIX[type] as Buffer, raw, SUFFIX]);
}

function errorEvent(e: ApiStatusError): string {
  return `${JSON.stringify({ type: "ERROR", object: e.toStatus() })}\n`;
}
