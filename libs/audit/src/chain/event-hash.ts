import * as crypto from 'node:crypto';
import { canonicalJson } from './canonical-json';

/** What the first event of a stream chains from: 32 zero bytes. */
export const GENESIS_HASH = '0'.repeat(64);

/** The metadata key under which the store keeps an event's chain hash (hex SHA-256). */
export const CHAIN_HASH_KEY = 'chainHash';

/**
 * An event as stored, in the parts its chain hash covers. `data` and `metadata` are canonical JSON
 * texts (`canonicalJson`), the metadata without its chain hash.
 */
export interface ChainedContent {
  readonly stream: string;
  readonly revision: bigint | number;
  readonly type: string;
  readonly dataJson: string;
  readonly metadataJson: string;
}

/**
 * The canonical bytes of an event (as text): the canonical JSON of
 * `{ data, metadata, revision, stream, type }` (keys in that, sorted, order), built from the
 * canonical texts of data and metadata without parsing them again.
 */
export function canonicalEventText(event: ChainedContent): string {
  return (
    `{"data":${event.dataJson},"metadata":${event.metadataJson},"revision":${event.revision},` +
    `"stream":${JSON.stringify(event.stream)},"type":${JSON.stringify(event.type)}}`
  );
}

/** The same, from an event's values (as read back through the port, metadata without its chain hash). */
export function canonicalEventTextOf(event: {
  readonly stream: string;
  readonly revision: bigint | number;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
}): string {
  return canonicalEventText({
    stream: event.stream,
    revision: event.revision,
    type: event.type,
    dataJson: canonicalJson(event.data),
    metadataJson: canonicalJson(event.metadata ?? {}),
  });
}

/**
 * An event's chain hash: hex SHA-256 of the previous event's hash (32 bytes; `GENESIS_HASH` for the
 * first event of a stream) followed by the UTF-8 of the event's canonical text.
 */
export function chainHash(previousHex: string, canonicalText: string): string {
  const length = Buffer.byteLength(canonicalText);
  const input = Buffer.allocUnsafe(32 + length);
  input.write(previousHex, 0, 32, 'hex');
  input.write(canonicalText, 32, length, 'utf8');
  return sha256Hex(input);
}

/**
 * `chainHash(previousHex, canonicalEventText(event))` without building the canonical text: its
 * parts are written straight into a reused buffer (the stores and `audit:verify` run this for
 * every event; the text and its UTF-8 copy were most of the garbage a whole-store pass made).
 * Only the data and metadata texts go through a UTF-8 encoding call; the fixed member names, the
 * revision's digits and the (cached) quoted stream name and type are copied in as bytes, so no
 * intermediate string is made per event.
 */
export function chainHashOf(previousHex: string, event: ChainedContent): string {
  const stream = quotedUtf8(event.stream);
  const type = quotedUtf8(event.type);
  // UTF-8 takes at most 3 bytes per UTF-16 code unit; 20 digits hold any revision.
  const most =
    DATA_AT + 3 * (event.dataJson.length + event.metadataJson.length) + FIXED_BYTES + stream.length + type.length;
  if (scratch.length < most) scratch = newScratch(Math.max(most, scratch.length * 2));
  const into = scratch;
  into.write(previousHex, 0, 32, 'hex');
  let at = DATA_AT;
  at += into.write(event.dataJson, at, 'utf8');
  into.set(METADATA, at);
  at += METADATA.length;
  at += into.write(event.metadataJson, at, 'utf8');
  into.set(REVISION, at);
  at = writeDigits(into, at + REVISION.length, event.revision);
  into.set(STREAM, at);
  at += STREAM.length;
  into.set(stream, at);
  at += stream.length;
  into.set(TYPE, at);
  at += TYPE.length;
  into.set(type, at);
  at += type.length;
  into[at++] = 0x7d; // }
  return sha256Hex(into.subarray(0, at));
}

/** Where the data starts in the hash input: after the previous hash and `{"data":`, which stay written. */
const DATA_AT = 32 + '{"data":'.length;
const METADATA = Buffer.from(',"metadata":', 'latin1');
const REVISION = Buffer.from(',"revision":', 'latin1');
const STREAM = Buffer.from(',"stream":', 'latin1');
const TYPE = Buffer.from(',"type":', 'latin1');
const FIXED_BYTES = METADATA.length + REVISION.length + 20 + STREAM.length + TYPE.length + 1;

/** A revision's decimal digits (as `${revision}` writes them), at `at`; returns where they end. */
function writeDigits(into: Buffer, at: number, revision: bigint | number): number {
  let value = Number(revision);
  if (!Number.isSafeInteger(value) || value < 0) return at + into.write(String(revision), at, 'latin1');
  const start = at;
  do {
    into[at++] = 0x30 + (value % 10);
    value = Math.floor(value / 10);
  } while (value > 0);
  into.subarray(start, at).reverse();
  return at;
}

/** The UTF-8 of `JSON.stringify(name)` for the stream names and types seen (bounded: a cache, not a leak). */
const quotedNames = new Map<string, Buffer>();

function quotedUtf8(name: string): Buffer {
  let bytes = quotedNames.get(name);
  if (bytes === undefined) {
    bytes = Buffer.from(JSON.stringify(name), 'utf8');
    if (quotedNames.size >= 10_000) quotedNames.clear();
    quotedNames.set(name, bytes);
  }
  return bytes;
}

function newScratch(size: number): Buffer {
  const buffer = Buffer.allocUnsafe(size);
  buffer.write('{"data":', 32, 'latin1');
  return buffer;
}

let scratch = newScratch(64 * 1024);

/** Node 20.12+ has a one-shot `crypto.hash`, about half the cost of `createHash` for small inputs. */
const oneShot = (crypto as { hash?: (algorithm: string, data: Buffer, encoding: 'hex') => string }).hash;
const sha256Hex: (input: Buffer) => string = oneShot
  ? (input) => oneShot('sha256', input, 'hex')
  : (input) => crypto.createHash('sha256').update(input).digest('hex');

/** Whether a value looks like a chain hash (64 lower-case hex digits). */
export function isChainHash(value: unknown): value is string {
  return typeof value === 'string' && value.length === 64 && /^[0-9a-f]{64}$/.test(value);
}

/**
 * The bytes a Merkle tree over the whole log takes as an event's leaf input: the UTF-8 of the
 * canonical JSON `{"chainHash":…,"revision":…,"stream":…}`. The chain hash commits to the event's
 * content and, through its predecessors, to its stream's history, so these three are enough.
 */
export function eventLeafBytes(event: {
  readonly stream: string;
  readonly revision: bigint | number;
  readonly chainHash: string;
}): Buffer {
  if (!isChainHash(event.chainHash)) {
    throw new TypeError(`event ${event.stream}@${event.revision} has no chain hash to make a leaf of`);
  }
  return Buffer.from(
    `{"chainHash":"${event.chainHash}","revision":${event.revision},"stream":${JSON.stringify(event.stream)}}`,
    'utf8',
  );
}

/**
 * The leaf input the global Merkle tree takes for any event, chained or not: `eventLeafBytes` for
 * an event with a chain hash; for one without (written before the store chained events) the UTF-8
 * of its canonical text (`canonicalEventTextOf`: data, metadata, revision, stream, type, as the
 * store gives them back), so no event is ever left out of the tree. The two cannot be taken for
 * each other: one starts `{"chainHash":`, the other `{"data":`.
 */
export function auditLeafBytes(event: {
  readonly stream: string;
  readonly revision: bigint | number;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly chainHash?: string;
}): Buffer {
  if (event.chainHash !== undefined && isChainHash(event.chainHash)) {
    return eventLeafBytes({ stream: event.stream, revision: event.revision, chainHash: event.chainHash });
  }
  return Buffer.from(canonicalEventTextOf(event), 'utf8');
}
