/*
 * surface-forms.c — the words as written of a segment (surface-forms.h).
 */
#include "config.h"

#include "indexer/surface-forms.h"

#include <stdlib.h>
#include <string.h>

#include "base/buffer.h"
#include "base/error.h"
#include "base/hash.h"
#include "index-format/surface.h"

/* Each form is stored once in `bytes` as form_length:u8 form
 * term_length:u8 term; `slots` (open addressing, a power of two) hold
 * their offsets plus one (0 = empty). */
struct surface_forms {
    byte_buffer bytes;
    uint32_t *slots;
    size_t slot_count, count;
    int overflowed;
    surface_pair *sorted;        /* surface_forms_sort's, or NULL */
};

surface_forms *surface_forms_new(void)
{
    surface_forms *forms = calloc(1, sizeof *forms);
    if (forms && !(forms->slots = calloc(forms->slot_count = 4096, sizeof *forms->slots))) {
        free(forms);
        forms = NULL;
    }
    return forms;
}

void surface_forms_free(surface_forms *forms)
{
    if (!forms)
        return;
    buffer_free(&forms->bytes);
    free(forms->slots);
    free(forms->sorted);
    free(forms);
}

uint32_t surface_forms_hash(const uint8_t *form, size_t length)
{
    return (uint32_t)hash_keyed(form, length); /* seeded: forms are strangers' words */
}

/* The slot holding `form`, or the empty one where it would go. */
static size_t find_slot(const surface_forms *forms, const uint8_t *form, size_t length)
{
    size_t mask = forms->slot_count - 1, i = surface_forms_hash(form, length) & mask;
    for (;; i = (i + 1) & mask) {
        uint32_t at = forms->slots[i];
        if (at == 0)
            return i;
        const uint8_t *stored = forms->bytes.data + at - 1;
        if (stored[0] == length && memcmp(stored + 1, form, length) == 0)
            return i;
    }
}

static int grow(surface_forms *forms)
{
    size_t count = forms->slot_count * 2;
    uint32_t *old = forms->slots;
    size_t old_count = forms->slot_count;
    if (!(forms->slots = calloc(count, sizeof *forms->slots))) {
        forms->slots = old;
        return COPS_ENOMEM;
    }
    forms->slot_count = count;
    for (size_t i = 0; i < old_count; i++)
        if (old[i]) {
            const uint8_t *stored = forms->bytes.data + old[i] - 1;
            forms->slots[find_slot(forms, stored + 1, stored[0])] = old[i];
        }
    free(old);
    return 0;
}

int surface_forms_add(surface_forms *forms, const uint8_t *form, size_t form_length,
                      const uint8_t *term, size_t term_length)
{
    if (forms->overflowed || form_length == 0 || form_length > SURFACE_MAX_BYTES
        || term_length == 0 || term_length > SURFACE_MAX_BYTES)
        return 0;
    size_t slot = find_slot(forms, form, form_length);
    if (forms->slots[slot])
        return 0;
    if (forms->count == SURFACE_MAX_FORMS || forms->bytes.length >= UINT32_MAX - 256) {
        /* too many to keep: no dictionary for this segment */
        forms->overflowed = 1;
        buffer_free(&forms->bytes);
        free(forms->slots);
        forms->slots = NULL;
        forms->slot_count = forms->count = 0;
        return 0;
    }
    uint32_t at = (uint32_t)forms->bytes.length + 1;
    buffer_append_byte(&forms->bytes, (uint8_t)form_length);
    buffer_append(&forms->bytes, form, form_length);
    buffer_append_byte(&forms->bytes, (uint8_t)term_length);
    buffer_append(&forms->bytes, term, term_length);
    if (buffer_failed(&forms->bytes))
        return COPS_ENOMEM;
    forms->slots[slot] = at;
    forms->count++;
    return forms->count * 2 > forms->slot_count ? grow(forms) : 0;
}

static int compare_pairs(const void *a, const void *b)
{
    const surface_pair *x = a, *y = b;
    size_t common = x->form_length < y->form_length ? x->form_length : y->form_length;
    int order = memcmp(x->form, y->form, common);
    return order ? order : (x->form_length > y->form_length) - (x->form_length < y->form_length);
}

size_t surface_forms_sort_bytes(const surface_forms *forms)
{
    return 2 * (forms->count + 1) * sizeof(surface_pair); /* the pairs, and qsort's copy */
}

int surface_forms_sort(surface_forms *forms)
{
    if (forms->overflowed || forms->count == 0 || forms->sorted)
        return 0;
    surface_pair *pairs = malloc(forms->count * sizeof *pairs);
    if (!pairs)
        return COPS_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < forms->slot_count; i++)
        if (forms->slots[i]) {
            const uint8_t *stored = forms->bytes.data + forms->slots[i] - 1;
            const uint8_t *term = stored + 1 + stored[0];
            pairs[n++] = (surface_pair){stored + 1, stored[0], term + 1, term[0]};
        }
    qsort(pairs, n, sizeof *pairs, compare_pairs);
    forms->sorted = pairs;
    return 0;
}

int surface_forms_write(surface_forms *forms, segment_writer *writer, cops_error *err)
{
    if (forms->overflowed || forms->count == 0)
        return 0;
    if (surface_forms_sort(forms) != 0)
        return error_set(err, COPS_ENOMEM, "out of memory sorting the words as written");
    int rc = segment_writer_set_surface(writer, forms->sorted, forms->count, err);
    free(forms->sorted);
    forms->sorted = NULL;
    return rc;
}
