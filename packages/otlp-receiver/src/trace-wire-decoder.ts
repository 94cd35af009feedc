import {
  type AttributeLookup,
  type AttrValue,
  type Attributes,
  type ResourceSpansView,
  type SpanView,
} from "./model.js";
import { pairKeyOfBytes } from "./span-keys.js";
import { lookupAttribute, readAttributesInto, validateSpanAttribute } from "./wire-attributes.js";
import { tagOf, WIRE_I64, WIRE_LEN, WIRE_VARINT, WireCursor } from "./wire-cursor.js";

// Field numbers of ExportTraceServiceRequest and the messages in it that the pipeline reads
// (opentelemetry/proto/collector/trace/v1, trace/v1, resource/v1), as compiled into
// @opentelemetry/otlp-transformer's generated decoders. Everything else is skipped by wire type.
const REQUEST_RESOURCE_SPANS = tagOf(1, WIRE_LEN);
const RESOURCE_SPANS_RESOURCE = tagOf(1, WIRE_LEN);
const RESOURCE_SPANS_SCOPE_SPANS = tagOf(2, WIRE_LEN);
const RESOURCE_ATTRIBUTES = tagOf(1, WIRE_LEN);
const SCOPE_SPANS_SPANS = tagOf(2, WIRE_LEN);
const SPAN_TRACE_ID = tagOf(1, WIRE_LEN);
const SPAN_SPAN_ID = tagOf(2, WIRE_LEN);
const SPAN_PARENT_SPAN_ID = tagOf(4, WIRE_LEN);
const SPAN_NAME = tagOf(5, WIRE_LEN);
const SPAN_KIND = tagOf(6, WIRE_VARINT);
const SPAN_START_TIME = tagOf(7, WIRE_I64);
const SPAN_END_TIME = tagOf(8, WIRE_I64);
const SPAN_ATTRIBUTES = tagOf(9, WIRE_LEN);
const SPAN_STATUS = tagOf(15, WIRE_LEN);
const STATUS_CODE = tagOf(3, WIRE_VARINT);

/** Message depths: the request is 1. */
const RESOURCE_DEPTH = 3;
const SPAN_ATTRIBUTE_DEPTH = 5;

/** The fields of the span being read, reused from span to span. */
interface SpanFields {
  traceAt: number;
  traceLen: number;
  spanAt: number;
  spanLen: number;
  parentAt: number;
  parentLen: number;
  nameAt: number;
  nameLen: number;
  kind: number;
  startUnixNano: number;
  endUnixNano: number;
  statusCode: number;
  /** Where the first attribute field starts, or -1 for none. */
  attributesAt: number;
}

/**
 * A span read from the request bytes: numbers are read at once, ids, name, keys and attributes
 * are decoded from the bytes when asked for (the pipeline asks for few of them). Holds the
 * request's buffer while it lives.
 */
class WireSpan implements SpanView, AttributeLookup {
  readonly kind: number;
  readonly startUnixNano: number;
  readonly endUnixNano: number;
  readonly statusCode: number;
  readonly hasParent: boolean;
  readonly #c: WireCursor;
  readonly #traceAt: number;
  readonly #traceLen: number;
  readonly #spanAt: number;
  readonly #spanLen: number;
  readonly #parentAt: number;
  readonly #parentLen: number;
  readonly #nameAt: number;
  readonly #nameLen: number;
  readonly #attributesAt: number;
  readonly #end: number;
  #name: string | undefined;

  constructor(c: WireCursor, f: SpanFields, end: number) {
    this.kind = f.kind;
    this.startUnixNano = f.startUnixNano;
    this.endUnixNano = f.endUnixNano;
    this.statusCode = f.statusCode;
    this.hasParent = f.parentLen > 0;
    this.#c = c;
    this.#traceAt = f.traceAt;
    this.#traceLen = f.traceLen;
    this.#spanAt = f.spanAt;
    this.#spanLen = f.spanLen;
    this.#parentAt = f.parentAt;
    this.#parentLen = f.parentLen;
    this.#nameAt = f.nameAt;
    this.#nameLen = f.nameLen;
    this.#attributesAt = f.attributesAt;
    this.#end = end;
    this.#name = undefined;
  }

  get traceId(): string {
    return this.#c.buf.toString("hex", this.#traceAt, this.#traceAt + this.#traceLen);
  }

  get spanId(): string {
    return this.#c.buf.toString("hex", this.#spanAt, this.#spanAt + this.#spanLen);
  }

  get parentSpanId(): string {
    return this.#c.buf.toString("hex", this.#parentAt, this.#parentAt + this.#parentLen);
  }

  get spanKey(): string {
    return pairKeyOfBytes(this.#c.buf, this.#traceAt, this.#traceLen, this.#spanAt, this.#spanLen);
  }

  get parentKey(): string {
    return pairKeyOfBytes(this.#c.buf, this.#traceAt, this.#traceLen, this.#parentAt, this.#parentLen);
  }

  get name(): string {
    return (this.#name ??= this.#c.buf.toString("utf8", this.#nameAt, this.#nameAt + this.#nameLen));
  }

  /** The span is its own attribute lookup: nothing is allocated to look attributes up. */
  get attributes(): AttributeLookup {
    return this;
  }

  get(key: string): AttrValue | undefined {
    if (this.#attributesAt < 0) return undefined;
    return lookupAttribute(this.#c, SPAN_ATTRIBUTES, this.#attributesAt, this.#end, key);
  }
}

function readStatusCode(c: WireCursor, end: number, code: number): number {
  while (c.pos < end) {
    const tag = c.tag(end);
    if (tag === STATUS_CODE) code = c.int32(end);
    else c.skip(tag & 7, end);
  }
  return code;
}

function readSpan(c: WireCursor, end: number, f: SpanFields, out: SpanView[]): void {
  f.traceAt = f.traceLen = f.spanAt = f.spanLen = f.parentAt = f.parentLen = f.nameAt = f.nameLen = 0;
  f.kind = f.startUnixNano = f.endUnixNano = f.statusCode = 0;
  f.attributesAt = -1;
  while (c.pos < end) {
    const tagAt = c.pos;
    const tag = c.tag(end);
    switch (tag) {
      case SPAN_TRACE_ID:
        f.traceLen = c.length(end);
        f.traceAt = c.pos;
        c.pos += f.traceLen;
        break;
      case SPAN_SPAN_ID:
        f.spanLen = c.length(end);
        f.spanAt = c.pos;
        c.pos += f.spanLen;
        break;
      case SPAN_PARENT_SPAN_ID:
        f.parentLen = c.length(end);
        f.parentAt = c.pos;
        c.pos += f.parentLen;
        break;
      case SPAN_NAME:
        f.nameLen = c.length(end);
        f.nameAt = c.pos;
        c.pos += f.nameLen;
        break;
      case SPAN_KIND:
        f.kind = c.int32(end);
        break;
      case SPAN_START_TIME:
        f.startUnixNano = c.fixed64(end);
        break;
      case SPAN_END_TIME:
        f.endUnixNano = c.fixed64(end);
        break;
      case SPAN_ATTRIBUTES: {
        if (f.attributesAt < 0) f.attributesAt = tagAt;
        const len = c.length(end);
        validateSpanAttribute(c, c.pos + len, SPAN_ATTRIBUTE_DEPTH);
        break;
      }
      case SPAN_STATUS: {
        // A status given twice is merged: a code in the later one replaces the earlier.
        const len = c.length(end);
        f.statusCode = readStatusCode(c, c.pos + len, f.statusCode);
        break;
      }
      default:
        c.skip(tag & 7, end);
    }
  }
  out.push(new WireSpan(c, f, end));
}

function readResourceSpans(c: WireCursor, end: number, f: SpanFields): ResourceSpansView {
  const attributes: Attributes = new Map();
  const spans: SpanView[] = [];
  while (c.pos < end) {
    const tag = c.tag(end);
    if (tag === RESOURCE_SPANS_RESOURCE) {
      // A resource given twice is merged: its attribute lists are concatenated.
      const len = c.length(end);
      readAttributesInto(c, c.pos + len, RESOURCE_ATTRIBUTES, RESOURCE_DEPTH + 1, attributes);
    } else if (tag === RESOURCE_SPANS_SCOPE_SPANS) {
      const len = c.length(end);
      const scopeEnd = c.pos + len;
      while (c.pos < scopeEnd) {
        const t = c.tag(scopeEnd);
        if (t === SCOPE_SPANS_SPANS) {
          const spanLen = c.length(scopeEnd);
          readSpan(c, c.pos + spanLen, f, spans);
        } else {
          c.skip(t & 7, scopeEnd);
        }
      }
    } else {
      c.skip(tag & 7, end);
    }
  }
  return { resource: { attributes }, spans };
}

/**
 * Reads an OTLP ExportTraceServiceRequest straight from its protobuf bytes into the receiver's
 * views, reading only the fields the pipeline uses and skipping the rest by wire type. Follows the
 * protobuf wire format (varints up to 10 bytes, lengths bounded by the enclosing message, the last
 * of a repeated scalar wins, a repeated singular message is merged, unknown fields skipped, groups
 * refused, at most 100 nested messages) and throws OtlpDecodeError on anything malformed. Span
 * attributes are validated here but converted only when looked up. The views keep a reference to
 * `bytes`, which must not change while they are in use.
 */
export function decodeTraceRequest(bytes: Uint8Array): ResourceSpansView[] {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const c = new WireCursor(buf);
  const f: SpanFields = {
    traceAt: 0,
    traceLen: 0,
    spanAt: 0,
    spanLen: 0,
    parentAt: 0,
    parentLen: 0,
    nameAt: 0,
    nameLen: 0,
    kind: 0,
    startUnixNano: 0,
    endUnixNano: 0,
    statusCode: 0,
    attributesAt: -1,
  };
  const end = buf.length;
  const out: ResourceSpansView[] = [];
  while (c.pos < end) {
    const tag = c.tag(end);
    if (tag === REQUEST_RESOURCE_SPANS) {
      const len = c.length(end);
      out.push(readResourceSpans(c, c.pos + len, f));
    } else {
      c.skip(tag & 7, end);
    }
  }
  return out;
}
