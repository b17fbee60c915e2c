#!/usr/bin/env node
// Checks a case's disclosure bundle offline, with nothing but Node (18 or newer): no packages, no
// network, no access to the system that made it. Copy this one file beside the bundle and run
//
//   node verify-bundle.mjs bundle.json [--key published-key.pem]
//
// It proves three things, and says which fails first:
//   1. the tree head: its Ed25519 signature, by the key given with --key (the key the MARAC
//      publishes at GET /audit/tree-head), or else by the key in the bundle, whose id it prints
//      so it can be compared with the published one;
//   2. every event's stream: the events of each stream, from its first, each hashed from its
//      predecessor's hash and its bytes as stored (the chain the event store keeps); a changed
//      byte, a removed, inserted or reordered event breaks it;
//   3. every event's place in the whole log: an inclusion proof (RFC 9162 section 2.1.3.2) of its
//      leaf in the Merkle tree whose root the tree head signs.
// Exit code 0 when all hold, 1 when one does not, 2 when the bundle cannot be read.
//
// The formats it checks are those of libs/audit: the chain hash (src/chain/event-hash.ts), the
// leaf bytes (eventLeafBytes), RFC 9162 hashing (src/merkle/hashing.ts) and the signed tree head's
// 108 bytes (src/tree-heads/tree-head.ts). What personal data the bundle shows in its timeline is
// redacted for its reader; the stored data it verifies holds personal fields sealed (encrypted).
import { Buffer } from 'node:buffer';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export const BUNDLE_FORMAT = 'marac-disclosure-bundle/1';
const CONTEXT = Buffer.from('marac/audit/tree-head/v1\0', 'latin1');
const GENESIS = Buffer.alloc(32);
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const sha256 = (...parts) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

class Failure extends Error {}
const fail = (message) => {
  throw new Failure(message);
};

/** The bytes a tree head's signature covers (libs/audit/src/tree-heads/tree-head.ts). */
function signedBytes(head) {
  const bytes = Buffer.alloc(CONTEXT.length + 32 + 8 + 8 + 1 + 32 + 2);
  let at = CONTEXT.copy(bytes, 0);
  at += head.keyId.copy(bytes, at);
  at = bytes.writeBigUInt64BE(BigInt(head.timestamp), at);
  at = bytes.writeBigUInt64BE(BigInt(head.treeSize), at);
  at = bytes.writeUInt8(32, at);
  at += head.rootHash.copy(bytes, at);
  bytes.writeUInt16BE(0, at);
  return bytes;
}

function base64Hash(value, what) {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0);
  if (bytes.length !== 32 || bytes.toString('base64') !== value) fail(`${what} is not a 32-byte hash in base64`);
  return bytes;
}

function rawPublicKey(pem, what) {
  let key;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    fail(`${what} is not a public key PEM`);
  }
  if (key.asymmetricKeyType !== 'ed25519') fail(`${what} is not an Ed25519 key`);
  return { key, raw: key.export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519_PREFIX.length) };
}

/** 1. The tree head, signed by the trusted key. */
function checkTreeHead(bundle, trustedPem) {
  const json = bundle.treeHead ?? fail('the bundle has no tree head');
  const head = {
    treeSize: json.treeSize,
    timestamp: json.timestamp,
    rootHash: base64Hash(json.rootHash, 'the tree head root'),
    keyId: base64Hash(json.keyId, 'the tree head key id'),
    signature: Buffer.from(String(json.signature ?? ''), 'base64'),
  };
  for (const field of ['treeSize', 'timestamp']) {
    if (!Number.isSafeInteger(head[field]) || head[field] < 0) fail(`the tree head ${field} is not a whole number`);
  }
  const { key, raw } = rawPublicKey(trustedPem ?? bundle.publicKey, trustedPem ? 'the --key file' : "the bundle's key");
  const keyId = sha256(raw);
  if (!keyId.equals(head.keyId)) {
    fail(
      `the tree head names key ${head.keyId.toString('base64')}, but ${trustedPem ? 'the key given' : "the bundle's key"} is ${keyId.toString('base64')}`,
    );
  }
  if (head.signature.length !== 64 || !verify(null, signedBytes(head), key, head.signature)) {
    fail('the tree head signature does not verify');
  }
  return { ...head, keyIdText: keyId.toString('base64') };
}

/** The canonical text an event's chain hash covers (libs/audit/src/chain/event-hash.ts). */
function canonicalEventText(event) {
  return (
    `{"data":${event.dataJson},"metadata":${event.metadataJson},"revision":${event.revision},` +
    `"stream":${JSON.stringify(event.stream)},"type":${JSON.stringify(event.type)}}`
  );
}

/** 2. Each stream's chain, from its first event. */
function checkChains(events) {
  const streams = new Map();
  for (const event of events) {
    for (const field of ['stream', 'type', 'dataJson', 'metadataJson']) {
      if (typeof event[field] !== 'string') fail(`an event has no ${field}`);
    }
    if (typeof event.chainHash !== 'string' && event.chainHash !== null) fail('an event has no chainHash');
    if (!Number.isSafeInteger(event.revision) || event.revision < 0)
      fail(`an event of ${event.stream} has no revision`);
    for (const field of ['dataJson', 'metadataJson']) {
      try {
        JSON.parse(event[field]);
      } catch {
        fail(`${event.stream} revision ${event.revision}: ${field} is not JSON`);
      }
    }
    const list = streams.get(event.stream) ?? [];
    list.push(event);
    streams.set(event.stream, list);
  }
  let unchained = 0;
  for (const [stream, list] of streams) {
    let previous = GENESIS;
    list.forEach((event, index) => {
      if (event.revision !== index) {
        fail(
          `${stream}: revision ${index} expected in order, found ${event.revision} (an event removed, inserted or reordered)`,
        );
      }
      if (event.chainHash === null) {
        // Written before the store chained events: proven by its leaf alone; the next chains from genesis.
        unchained++;
        previous = GENESIS;
        return;
      }
      const hash = sha256(previous, Buffer.from(canonicalEventText(event), 'utf8'));
      if (hash.toString('hex') !== event.chainHash) {
        fail(
          `${stream} revision ${event.revision}: its bytes or its predecessor's do not match its chain hash (altered)`,
        );
      }
      previous = hash;
    });
  }
  return { streams: streams.size, unchained };
}

/** RFC 9162 section 2.1.3.2, step by step. */
function verifyInclusion(leafIndex, treeSize, leaf, path, root) {
  if (leafIndex >= treeSize) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = sha256(Buffer.from([1]), p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = sha256(Buffer.from([1]), r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** 3. Each event's leaf in the signed tree. */
function checkInclusion(events, head) {
  for (const event of events) {
    // The leaf input (libs/audit auditLeafBytes): stream, revision and chain hash, or, for an
    // event without a chain hash, its whole canonical text.
    const leafBytes = Buffer.from(
      event.chainHash === null
        ? canonicalEventText(event)
        : `{"chainHash":"${event.chainHash}","revision":${event.revision},"stream":${JSON.stringify(event.stream)}}`,
      'utf8',
    );
    const leaf = sha256(Buffer.from([0]), leafBytes);
    if (!Number.isSafeInteger(event.leafIndex) || event.leafIndex < 0)
      fail(`${event.stream} revision ${event.revision} has no leaf index`);
    if (!Array.isArray(event.inclusionProof)) fail(`${event.stream} revision ${event.revision} has no inclusion proof`);
    const path = event.inclusionProof.map((hash, i) =>
      base64Hash(hash, `proof element ${i} of ${event.stream} revision ${event.revision}`),
    );
    if (!verifyInclusion(event.leafIndex, head.treeSize, leaf, path, head.rootHash)) {
      fail(
        `${event.stream} revision ${event.revision}: not proven to be leaf ${event.leafIndex} of the signed tree of ${head.treeSize} events`,
      );
    }
  }
}

/** Verifies a parsed bundle; returns what it proved, or throws a `Failure` naming the first problem. */
export function verifyBundle(bundle, trustedPem) {
  if (bundle?.format !== BUNDLE_FORMAT) fail(`not a ${BUNDLE_FORMAT} bundle`);
  if (!Array.isArray(bundle.events) || bundle.events.length === 0) fail('the bundle has no events');
  const head = checkTreeHead(bundle, trustedPem);
  const { streams, unchained } = checkChains(bundle.events);
  checkInclusion(bundle.events, head);
  return { events: bundle.events.length, streams, unchained, head };
}

function main(argv) {
  const args = argv.slice(2);
  const keyAt = args.indexOf('--key');
  const keyFile = keyAt >= 0 ? args.splice(keyAt, 2)[1] : undefined;
  if (args.length !== 1 || (keyAt >= 0 && !keyFile)) {
    console.error('usage: node verify-bundle.mjs bundle.json [--key published-key.pem]');
    return 2;
  }
  let bundle;
  let trusted;
  try {
    bundle = JSON.parse(readFileSync(args[0], 'utf8'));
    trusted = keyFile ? readFileSync(keyFile, 'utf8') : undefined;
  } catch (error) {
    console.error(`cannot read the bundle or the key: ${error.message}`);
    return 2;
  }
  try {
    const { events, streams, unchained, head } = verifyBundle(bundle, trusted);
    console.log(
      `bundle verifies: ${events} events in ${streams} streams of case ${bundle.caseId}, each chained from its stream's first ` +
        `and proven in the tree of ${head.treeSize} events signed at ${new Date(head.timestamp).toISOString()} ` +
        `by key ${head.keyIdText}`,
    );
    if (unchained > 0) {
      console.log(
        `${unchained} of them were written before the store chained events: each is proven by its leaf alone`,
      );
    }
    if (Number.isSafeInteger(bundle.notYetCovered) && bundle.notYetCovered > 0) {
      console.log(
        `the case had ${bundle.notYetCovered} later events that no signed tree head covered yet: they are not in this bundle`,
      );
    }
    if (!trusted) {
      console.log(
        "the key was the bundle's own: compare its id above with the one the MARAC publishes (GET /audit/tree-head), or pass --key",
      );
    }
    return 0;
  } catch (error) {
    if (!(error instanceof Failure)) throw error;
    console.log(`bundle does NOT verify: ${error.message}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = main(process.argv);
