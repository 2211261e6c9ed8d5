/*
 * index-many.c — several native indexes searched as one collection
 * (cops_index_open_many, cops.h).
 *
 * The segments of every index are taken into the first one's handle, in
 * the order the indexes were given, so the search sees one collection:
 * BM25's document count, average lengths and document frequencies are
 * those of all the indexes together (index_document_frequency sums over
 * the segments), and a score is the one the same documents would get in
 * one index.  Each segment remembers which index it came from, for the
 * hits' cops_hit.index.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "query/index.h"

/* Move the segments of `other` (opened from `name`) to the end of
 * `index`'s.  `other` keeps nothing to close but its analyzer. */
static int take_segments(cops_index *index, cops_index *other, const char *name,
                         cops_error *err)
{
    if (other->engine != COPS_ENGINE_NATIVE)
        return error_set(err, COPS_EUNSUPPORTED, "%s is a Xapian index: several indexes are "
                         "searched together only when all are native cops indexes", name);
    if (other->analysis.stem != index->analysis.stem
        || strcmp(other->analysis.language, index->analysis.language) != 0)
        return error_set(err, COPS_EINVAL, "%s was built with another analysis (%s) than %s "
                         "(%s): their words cannot be searched together", name,
                         other->analysis.stem ? other->analysis.language : "no stemming",
                         index->names[0], index->analysis.stem ? index->analysis.language
                                                               : "no stemming");
    /* =word needs the words as written in every index searched */
    index->analysis.exact_forms = index->analysis.exact_forms && other->analysis.exact_forms;
    if (index->segment_count + other->segment_count > MANIFEST_MAX_SEGMENTS)
        return error_set(err, COPS_ELIMIT, "the indexes hold more than %d segments together "
                         "(merge them: cops-index --merge)", MANIFEST_MAX_SEGMENTS);
    size_t last = index->segment_count - 1;
    uint64_t stored = (uint64_t)index->bases[last] + segment_documents(index->segments[last]);
    uint64_t documents = index->documents + other->documents;
    double n = documents ? (double)documents : 1.0;
    index->average_body_length = (index->average_body_length * (double)index->documents
                                  + other->average_body_length * (double)other->documents) / n;
    index->average_title_length = (index->average_title_length * (double)index->documents
                                   + other->average_title_length * (double)other->documents) / n;
    index_take_records(index, other, index->segment_count);
    for (size_t i = 0; i < other->segment_count; i++) {
        if (stored + segment_documents(other->segments[i]) >= UINT32_MAX)
            return error_set(err, COPS_ELIMIT, "the indexes hold more than 2^32 documents together");
        size_t at = index->segment_count++;
        index->segments[at] = other->segments[i];
        index->deleted[at] = other->deleted[i];
        index->bases[at] = (uint32_t)stored;
        index->segment_source[at] = (uint8_t)index->name_count;
        stored += segment_documents(other->segments[i]);
        other->segments[i] = NULL;
        memset(&other->deleted[i], 0, sizeof other->deleted[i]);
    }
    other->segment_count = 0;
    index->documents = documents;
    index->has_deletions |= other->has_deletions;
    if (!(index->names[index->name_count] = strdup(name)))
        return error_set(err, COPS_ENOMEM, "out of memory");
    index->name_count++;
    return 0;
}

int cops_index_open_many(const char *const *index_dirs, size_t count, cops_index **out,
                         cops_error *err)
{
    if (!out)
        return error_null_argument(err, __func__, "out");
    *out = NULL;
    if (count == 0 || count > MANIFEST_MAX_SEGMENTS)
        return error_set(err, COPS_EINVAL, "give 1 to %d indexes", MANIFEST_MAX_SEGMENTS);
    if (!index_dirs)
        return error_null_argument(err, __func__, "index_dirs");
    for (size_t i = 0; i < count; i++)
        if (!index_dirs[i])
            return error_set(err, COPS_EINVAL, "%s: index_dirs[%zu] is NULL", __func__, i);
    cops_index *index = NULL;
    int rc = cops_index_open(index_dirs[0], &index, err);
    if (rc != 0 || count == 1) {
        *out = index;
        return rc;
    }
    if (index->engine != COPS_ENGINE_NATIVE)
        rc = take_segments(index, index, index_dirs[0], err); /* says why it is refused */
    else if (!(index->names[0] = strdup(index_dirs[0])))
        rc = error_set(err, COPS_ENOMEM, "out of memory");
    else
        index->name_count = 1;
    for (size_t i = 1; rc == 0 && i < count; i++) {
        cops_index *other = NULL;
        rc = cops_index_open(index_dirs[i], &other, err);
        if (rc == 0)
            rc = take_segments(index, other, index_dirs[i], err);
        cops_index_close(other);
    }
    if (rc != 0) {
        cops_index_close(index);
        return rc;
    }
    *out = index;
    return 0;
}

const char *index_segment_name(const cops_index *index, size_t segment_number)
{
    return index->name_count > 1 ? index->names[index->segment_source[segment_number]] : NULL;
}
