/*
 * hash.h — the hash of the in-memory tables keyed by what documents say.
 */
#ifndef COPS_BASE_HASH_H
#define COPS_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>

/* XXH3 of key[0, length), seeded once per process at random.  The tables
 * whose keys come from documents (their ids, their words) probe by it, so
 * that a stranger cannot choose keys that all fall into one run of slots:
 * with the unseeded hash, 20,000 ids chosen offline to share its low bits
 * made a build's id table probe quadratically (ten times the CPU, and a
 * hundred times for ten times as many).  Never written to an index: its
 * values differ from run to run. */
uint64_t hash_keyed(const void *key, size_t length);

#endif
