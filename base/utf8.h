/*
 * utf8.h — the one UTF-8 validator: which bytes form a well-formed
 * sequence (Unicode 15, table 3-7), for the indexer's repair of document
 * text and for the escaping of output (base/escape.h).
 */
#ifndef COPS_BASE_UTF8_H
#define COPS_BASE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The length (1 to 4) of the well-formed sequence at `bytes`, reading at
 * most `available` (>= 1) bytes; or 0 when it is ill-formed, with
 * *bad_length (OUT) set to the length of its maximal ill-formed subpart,
 * the unit that one U+FFFD replaces (Unicode's "substitution of maximal
 * subparts").  Overlong forms, surrogates (ED A0..BF) and values past
 * U+10FFFF are ill-formed. */
size_t utf8_sequence(const uint8_t *bytes, size_t available, size_t *bad_length);

/* The code point of a well-formed sequence of `length` bytes, as
 * utf8_sequence measured it. */
uint32_t utf8_decode(const uint8_t *bytes, size_t length);

#endif
