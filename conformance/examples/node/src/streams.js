// Durable per-(namespace, user) streams (spec section 16).
//
// In memory: this example keeps streams in a Map, so a restart loses them. The spec allows that (SB-DLV-004: a
// server that loses stored streams creates new ones with new epochs, and clients then see `recovered: false`).
// A production server would append to a database before acknowledging; the shape below (append, then push) is
// the same.

import { randomBytes } from 'node:crypto';
import { encodeEvent } from './codec.js';

export class StreamStore {
  constructor({ historyMaxPerStream, historyTtlMs }) {
    this.maxEvents = historyMaxPerStream;
    this.ttlMs = historyTtlMs;
    /** @type {Map<string, Stream>} */
    this.streams = new Map();
  }

  static key(namespace, userId) {
    return `${namespace}/${userId}`;
  }

  get(namespace, userId) {
    return this.streams.get(StreamStore.key(namespace, userId));
  }

  /** A stream is created by the user's first connection to the namespace (or the first durable event there). */
  getOrCreate(namespace, userId) {
    const key = StreamStore.key(namespace, userId);
    let stream = this.streams.get(key);
    if (!stream) {
      stream = new Stream(randomBytes(12).toString('base64url'));
      this.streams.set(key, stream);
    }
    return stream;
  }

  /** Appends a durable event and returns the stored entry ({seq, frame}); `frame` is the exact replay text. */
  append(stream, event, response) {
    const seq = stream.lastSeq + 1;
    const entry = { seq, event, response, storedAt: Date.now(), frame: encodeEvent(event, response, { seq }) };
    stream.events.push(entry);
    stream.lastSeq = seq;
    this.trim(stream);
    return entry;
  }

  /** Retention (SB-DLV-011): keep the last `maxEvents` events younger than the TTL. */
  trim(stream) {
    const cutoff = Date.now() - this.ttlMs;
    let drop = Math.max(0, stream.events.length - this.maxEvents);
    while (drop < stream.events.length && stream.events[drop].storedAt < cutoff) drop++;
    if (drop > 0) stream.events.splice(0, drop);
  }

  /**
   * Decides what a new connection replays (SB-DLV-006..010, SB-DLV-014).
   * `since` is a BigInt or undefined (already parsed; non-decimal values are absent), `epoch` a string or undefined.
   * Returns { from, missed, recovered }: replay the events with seq > `from`, `missed` of them retained right now.
   * Moves `ackedSeq` for a resume with the right epoch (SB-DLV-008).
   */
  planReplay(stream, since, epoch) {
    this.trim(stream);
    let from; // replay events with seq > from
    let recovered = true;
    if (since !== undefined && epoch === stream.epoch && since <= BigInt(stream.lastSeq)) {
      from = Number(since);
      stream.ackedSeq = Math.max(stream.ackedSeq, from);
    } else {
      // No since, since without epoch, a foreign epoch or a position beyond the end: offline delivery after
      // acked_seq (SB-DLV-007/010). The client that gave a since did not get "everything after since", so it is
      // told recovered: false (since without epoch is not spelt out by the spec; the reference server does this).
      from = stream.ackedSeq;
      if (since !== undefined) recovered = false;
    }
    const missed = stream.events.filter((e) => e.seq > from).length;
    // Events after the requested position that retention already removed make the replay incomplete.
    const firstRetained = stream.events.length > 0 ? stream.events[0].seq : stream.lastSeq + 1;
    if (firstRetained > from + 1) recovered = false;
    return { from, missed, recovered };
  }
}

class Stream {
  constructor(epoch) {
    this.epoch = epoch;
    this.lastSeq = 0;
    this.ackedSeq = 0;
    /** @type {{seq: number, event: string, response: object, storedAt: number, frame: string}[]} */
    this.events = [];
  }
}
