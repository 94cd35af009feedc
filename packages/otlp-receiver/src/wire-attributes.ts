import { MAX_ANY_VALUE_DEPTH, type AttrValue, type Attributes } from "./model.js";
import { OtlpDecodeError } from "./otlp-decode-error.js";
import {
  int64ToNumber,
  MAX_MESSAGE_DEPTH,
  tagOf,
  WIRE_I64,
  WIRE_LEN,
  WIRE_VARINT,
  type WireCursor,
} from "./wire-cursor.js";

// Field numbers of opentelemetry/proto/common/v1/common.proto (KeyValue, AnyValue, ArrayValue,
// KeyValueList), as compiled into @opentelemetry/otlp-transformer's generated decoders.
const KEY_VALUE_KEY = tagOf(1, WIRE_LEN);
const KEY_VALUE_VALUE = tagOf(2, WIRE_LEN);
const ANY_STRING = tagOf(1, WIRE_LEN);
const ANY_BOOL = tagOf(2, WIRE_VARINT);
const ANY_INT = tagOf(3, WIRE_VARINT);
const ANY_DOUBLE = tagOf(4, WIRE_I64);
const ANY_ARRAY = tagOf(5, WIRE_LEN);
const ANY_KVLIST = tagOf(6, WIRE_LEN);
const ANY_BYTES = tagOf(7, WIRE_LEN);
/** ArrayValue.values and KeyValueList.values are both field 1. */
const LIST_VALUES = tagOf(1, WIRE_LEN);

function tooDeep(at: number): OtlpDecodeError {
  return new OtlpDecodeError(
    `malformed OTLP protobuf: messages nested deeper than ${MAX_MESSAGE_DEPTH} at byte ${at}`,
  );
}

/** Checks a KeyValue (the cursor at its first byte, `end` its end) without converting anything. */
function validateKeyValue(c: WireCursor, end: number, depth: number): void {
  if (depth > MAX_MESSAGE_DEPTH) throw tooDeep(c.pos);
  while (c.pos < end) {
    const tag = c.tag(end);
    if (tag === KEY_VALUE_VALUE) {
      const len = c.length(end);
      validateAnyValue(c, c.pos + len, depth + 1);
    } else {
      // The key, like every other string, is only bounds-checked: invalid UTF-8 decodes to U+FFFD,
      // as protobufjs and the OpenTelemetry Collector read it.
      c.skip(tag & 7, end);
    }
  }
}

function validateAnyValue(c: WireCursor, end: number, depth: number): void {
  if (depth > MAX_MESSAGE_DEPTH) throw tooDeep(c.pos);
  while (c.pos < end) {
    const tag = c.tag(end);
    if (tag === ANY_ARRAY || tag === ANY_KVLIST) {
      const len = c.length(end);
      const listEnd = c.pos + len;
      if (depth + 1 > MAX_MESSAGE_DEPTH) throw tooDeep(c.pos);
      while (c.pos < listEnd) {
        const item = c.tag(listEnd);
        if (item === LIST_VALUES) {
          const itemLen = c.length(listEnd);
          if (tag === ANY_ARRAY) validateAnyValue(c, c.pos + itemLen, depth + 2);
          else validateKeyValue(c, c.pos + itemLen, depth + 2);
        } else {
          c.skip(item & 7, listEnd);
        }
      }
    } else {
      c.skip(tag & 7, end);
    }
  }
}

/**
 * The ranges of one KeyValue: its key (the last one given) and its value, which is the merge of
 * every value field it carries (protobuf merges a singular message field that appears twice, which
 * is the same as reading the concatenation of their bytes). Ranges are [start, end) pairs.
 */
interface KeyValueRanges {
  keyAt: number;
  keyEnd: number;
  values: number[];
}

function keyValueRanges(c: WireCursor, end: number, out: KeyValueRanges): void {
  out.keyAt = 0;
  out.keyEnd = 0;
  out.values = [];
  while (c.pos < end) {
    const tag = c.tag(end);
    if (tag === KEY_VALUE_KEY) {
      const len = c.length(end);
      out.keyAt = c.pos;
      out.keyEnd = c.pos += len;
    } else if (tag === KEY_VALUE_VALUE) {
      const len = c.length(end);
      out.values.push(c.pos, (c.pos += len));
    } else {
      c.skip(tag & 7, end);
    }
  }
}

/** The entries of an ArrayValue or KeyValueList (field 1), across every range it was merged from. */
function listItems(c: WireCursor, ranges: readonly number[]): number[] {
  const items: number[] = [];
  for (let r = 0; r < ranges.length; r += 2) {
    c.pos = ranges[r]!;
    const end = ranges[r + 1]!;
    while (c.pos < end) {
      const tag = c.tag(end);
      if (tag === LIST_VALUES) {
        const len = c.length(end);
        items.push(c.pos, (c.pos += len));
      } else {
        c.skip(tag & 7, end);
      }
    }
  }
  return items;
}

/**
 * Converts a validated AnyValue, given as the ranges it was merged from, the way decode.ts's
 * `anyValue` converts protobufjs's object: scalars as they are, arrays and key-value lists as JSON
 * (flattened to "[nested]" below `MAX_ANY_VALUE_DEPTH`), bytes as a placeholder. Of the `value`
 * oneof the last member given wins; a message member given twice in a row is merged.
 */
export function convertAnyValue(c: WireCursor, ranges: readonly number[], depth: number): AttrValue {
  let member = 0;
  let stringAt = 0;
  let stringEnd = 0;
  let scalar: number | boolean = 0;
  let messageRanges: number[] = [];
  for (let r = 0; r < ranges.length; r += 2) {
    c.pos = ranges[r]!;
    const end = ranges[r + 1]!;
    while (c.pos < end) {
      const tag = c.tag(end);
      switch (tag) {
        case ANY_STRING: {
          const len = c.length(end);
          member = tag;
          stringAt = c.pos;
          stringEnd = c.pos += len;
          break;
        }
        case ANY_BOOL:
          c.varint64(end);
          member = tag;
          scalar = (c.lo | c.hi) !== 0;
          break;
        case ANY_INT:
          c.varint64(end);
          member = tag;
          scalar = int64ToNumber(c.lo, c.hi);
          break;
        case ANY_DOUBLE:
          member = tag;
          scalar = c.double(end);
          break;
        case ANY_ARRAY:
        case ANY_KVLIST: {
          const len = c.length(end);
          if (member !== tag) messageRanges = [];
          member = tag;
          messageRanges.push(c.pos, (c.pos += len));
          break;
        }
        case ANY_BYTES:
          member = tag;
          c.skip(WIRE_LEN, end);
          break;
        default:
          c.skip(tag & 7, end);
      }
    }
  }
  switch (member) {
    case ANY_STRING:
      return c.buf.toString("utf8", stringAt, stringEnd);
    case ANY_BOOL:
    case ANY_INT:
    case ANY_DOUBLE:
      return scalar;
  }
  if (depth >= MAX_ANY_VALUE_DEPTH) return "[nested]";
  if (member === ANY_ARRAY) {
    const items = listItems(c, messageRanges);
    const values: AttrValue[] = [];
    for (let i = 0; i < items.length; i += 2)
      values.push(convertAnyValue(c, items.slice(i, i + 2), depth + 1));
    return JSON.stringify(values);
  }
  if (member === ANY_KVLIST) {
    const items = listItems(c, messageRanges);
    const out: Record<string, AttrValue> = {};
    const kv: KeyValueRanges = { keyAt: 0, keyEnd: 0, values: [] };
    for (let i = 0; i < items.length; i += 2) {
      c.pos = items[i]!;
      keyValueRanges(c, items[i + 1]!, kv);
      out[c.buf.toString("utf8", kv.keyAt, kv.keyEnd)] = convertAnyValue(c, kv.values, depth + 1);
    }
    return JSON.stringify(out);
  }
  if (member === ANY_BYTES) return "[bytes]";
  return "";
}

/**
 * Reads a Resource's attributes (its KeyValue fields, tagged `attributeTag`) into `into`,
 * validating and converting each; the last of duplicate keys wins, as in a Map.
 */
export function readAttributesInto(
  c: WireCursor,
  end: number,
  attributeTag: number,
  depth: number,
  into: Attributes,
): void {
  const kv: KeyValueRanges = { keyAt: 0, keyEnd: 0, values: [] };
  while (c.pos < end) {
    const tag = c.tag(end);
    if (tag === attributeTag) {
      const len = c.length(end);
      const kvEnd = c.pos + len;
      const kvAt = c.pos;
      validateKeyValue(c, kvEnd, depth);
      c.pos = kvAt;
      keyValueRanges(c, kvEnd, kv);
      const key = c.buf.toString("utf8", kv.keyAt, kv.keyEnd);
      into.set(key, convertAnyValue(c, kv.values, 0));
      c.pos = kvEnd;
    } else {
      c.skip(tag & 7, end);
    }
  }
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * Where the key of the KeyValue at `kvAt` (ending at `end`) is, when the KeyValue has the usual
 * shape, checked byte by byte: a short key then a short string value, nothing else
 * (0a <len> key 12 <len> 0a <len> string). Returns the key's end (it starts at `kvAt + 2`), or -1
 * for any other shape.
 */
function usualKeyEnd(buf: Buffer, kvAt: number, end: number): number {
  if (end - kvAt < 6 || buf[kvAt] !== KEY_VALUE_KEY || buf[kvAt + 1]! >= 0x80) return -1;
  const valueTag = kvAt + 2 + buf[kvAt + 1]!;
  if (
    valueTag + 4 <= end &&
    buf[valueTag] === KEY_VALUE_VALUE &&
    buf[valueTag + 1]! < 0x80 &&
    valueTag + 2 + buf[valueTag + 1]! === end &&
    buf[valueTag + 2] === ANY_STRING &&
    buf[valueTag + 3]! < 0x80 &&
    valueTag + 4 + buf[valueTag + 3]! === end
  ) {
    return valueTag;
  }
  return -1;
}

/** Validates a span's KeyValue (the cursor at its first byte, `end` its end) and steps past it. */
export function validateSpanAttribute(c: WireCursor, end: number, depth: number): void {
  if (usualKeyEnd(c.buf, c.pos, end) >= 0) c.pos = end;
  else validateKeyValue(c, end, depth);
}

/**
 * Looks an attribute up by key among a span's KeyValue fields (`attributeTag`) between `at` and
 * `end`, converting only the value found; the last of duplicate keys wins, as in a Map. The span
 * was validated when it was decoded, so this cannot fail. Nothing is kept between lookups: the
 * pipeline makes a few per client span, and scanning the bytes again costs less than keeping an
 * index of every span's keys.
 */
export function lookupAttribute(
  c: WireCursor,
  attributeTag: number,
  at: number,
  end: number,
  key: string,
): AttrValue | undefined {
  const buf = c.buf;
  const ascii = isAscii(key);
  let foundAt = -1;
  let foundEnd = -1;
  let kv: KeyValueRanges | undefined;
  c.pos = at;
  while (c.pos < end) {
    const tag = c.tag(end);
    if (tag !== attributeTag) {
      c.skip(tag & 7, end);
      continue;
    }
    const len = c.length(end);
    const kvAt = c.pos;
    const kvEnd = kvAt + len;
    let keyAt = kvAt + 2;
    let keyEnd = usualKeyEnd(buf, kvAt, kvEnd);
    if (keyEnd < 0) {
      keyValueRanges(c, kvEnd, (kv ??= { keyAt: 0, keyEnd: 0, values: [] }));
      keyAt = kv.keyAt;
      keyEnd = kv.keyEnd;
    }
    let match: boolean;
    if (ascii) {
      // An ASCII key equals the decoded bytes only if the bytes are that same ASCII.
      match = keyEnd - keyAt === key.length;
      for (let i = 0; match && i < key.length; i++) match = buf[keyAt + i] === key.charCodeAt(i);
    } else {
      match = buf.toString("utf8", keyAt, keyEnd) === key;
    }
    if (match) {
      foundAt = kvAt;
      foundEnd = kvEnd;
    }
    c.pos = kvEnd;
  }
  if (foundAt < 0) return undefined;
  const found: KeyValueRanges = { keyAt: 0, keyEnd: 0, values: [] };
  c.pos = foundAt;
  keyValueRanges(c, foundEnd, found);
  return convertAnyValue(c, found.values, 0);
}
