#include "config.h"

#include "index-format/manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "base/buffer.h"
#include "base/error.h"
#include "base/file.h"

void manifest_format(const manifest *m, byte_buffer *out)
{
    char line[160];
    int n = snprintf(line, sizeof line, MANIFEST_MAGIC "1\ngeneration %" PRIu64 "\n", m->generation);
    buffer_append(out, line, (size_t)n);
    for (size_t i = 0; i < m->segment_count; i++) {
        const manifest_segment *seg = &m->segments[i];
        if (seg->deletions[0])
            n = snprintf(line, sizeof line, "segment %s %" PRIu64 " %" PRIu64 " deletions %s %" PRIu64 "\n",
                         seg->name, seg->bytes, seg->documents, seg->deletions, seg->deleted);
        else
            n = snprintf(line, sizeof line, "segment %s %" PRIu64 " %" PRIu64 "\n", seg->name,
                         seg->bytes, seg->documents);
        buffer_append(out, line, (size_t)n);
    }
    if (m->files[0]) {
        n = snprintf(line, sizeof line, "files %s\n", m->files);
        buffer_append(out, line, (size_t)n);
    }
}

uint64_t manifest_documents(const manifest *m)
{
    uint64_t documents = 0;
    for (size_t i = 0; i < m->segment_count; i++)
        documents += m->segments[i].documents;
    return documents;
}

/* A plain file name inside the index directory. */
static int manifest_name_ok(const char *name)
{
    return strlen(name) < MANIFEST_MAX_NAME && !strchr(name, '/') && name[0] != '.' && name[0];
}

static int read_text(int dir_fd, const char *dir, char text[MANIFEST_MAX_BYTES + 1],
                     size_t *length, cops_error *err)
{
    byte_buffer content = BUFFER_INIT;
    int rc = file_read_regular_at(dir_fd, dir, MANIFEST_NAME, MANIFEST_MAX_BYTES, &content, err);
    if (rc == COPS_ENOINDEX)
        rc = error_set_errno(err, COPS_ENOINDEX, ENOENT, "no index at %s: cannot read %s/%s",
                             dir, dir, MANIFEST_NAME);
    if (rc == 0) {
        memcpy(text, content.data, content.length);
        text[content.length] = '\0';
        *length = content.length;
    }
    buffer_free(&content);
    return rc;
}

int manifest_read_text_at(int dir_fd, const char *dir, char text[MANIFEST_MAX_BYTES + 1],
                          size_t *length, cops_error *err)
{
    return read_text(dir_fd, dir, text, length, err);
}

int manifest_read(const char *dir, manifest *out, cops_error *err)
{
    return manifest_read_at(AT_FDCWD, dir, out, err);
}

int manifest_read_at(int dir_fd, const char *dir, manifest *out, cops_error *err)
{
    memset(out, 0, sizeof *out);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, MANIFEST_NAME);
    char text[MANIFEST_MAX_BYTES + 1];
    size_t length;
    int rc = read_text(dir_fd, dir, text, &length, err);
    return rc != 0 ? rc : manifest_parse(text, path, out, err);
}

int manifest_parse(char *text, const char *path, manifest *out, cops_error *err)
{
    memset(out, 0, sizeof *out);
    char *checksum_line = strstr(text, "checksum ");
    if (!checksum_line || (checksum_line != text && checksum_line[-1] != '\n'))
        return error_set(err, COPS_ECORRUPT, "%s: damaged manifest (no checksum line)", path);
    uint32_t expected = (uint32_t)strtoul(checksum_line + 9, NULL, 16);
    uint32_t actual = (uint32_t)crc32(0, (const Bytef *)text, (uInt)(checksum_line - text));
    if (expected != actual)
        return error_set(err, COPS_ECORRUPT, "%s: damaged manifest (checksum mismatch)", path);
    if (strlen(checksum_line) != 18 || checksum_line[17] != '\n')
        return error_set(err, COPS_ECORRUPT, "%s: damaged manifest (bytes after the checksum)",
                         path);
    *checksum_line = '\0';
    char *save = NULL;
    int line_number = 0;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        line_number++;
        manifest_segment s;
        char name[MANIFEST_MAX_NAME + 1];
        if (line_number == 1) {
            if (strcmp(line, MANIFEST_MAGIC "1") != 0)
                return error_set(err, COPS_EVERSION, "%s: unsupported manifest version (%s)", path,
                                 line);
        } else if (sscanf(line, "generation %" SCNu64, &out->generation) == 1) {
        } else if (sscanf(line, "segment %64s %" SCNu64 " %" SCNu64, name, &s.bytes, &s.documents)
                   == 3) {
            if (out->segment_count == MANIFEST_MAX_SEGMENTS || !manifest_name_ok(name))
                return error_set(err, COPS_ECORRUPT, "%s:%d: bad segment line", path, line_number);
            memset(s.deletions, 0, sizeof s.deletions);
            s.deleted = 0;
            char deletions_name[MANIFEST_MAX_NAME + 1];
            int fields = sscanf(line, "segment %*s %*u %*u deletions %64s %" SCNu64,
                                deletions_name, &s.deleted);
            if (fields == 2) {
                if (!manifest_name_ok(deletions_name) || s.deleted > s.documents)
                    return error_set(err, COPS_ECORRUPT, "%s:%d: bad deletions", path, line_number);
                memcpy(s.deletions, deletions_name, strlen(deletions_name) + 1);
            } else if (strstr(line, " deletions ")) {
                return error_set(err, COPS_ECORRUPT, "%s:%d: bad deletions", path, line_number);
            }
            memcpy(s.name, name, strlen(name) + 1);
            out->segments[out->segment_count++] = s;
        } else if (sscanf(line, "files %64s", name) == 1) {
            if (!manifest_name_ok(name))
                return error_set(err, COPS_ECORRUPT, "%s:%d: bad files line", path, line_number);
            memcpy(out->files, name, strlen(name) + 1);
        } else {
            return error_set(err, COPS_ECORRUPT, "%s:%d: unreadable manifest line", path,
                             line_number);
        }
    }
    if (line_number == 0 || out->generation == 0 || out->segment_count == 0)
        return error_set(err, COPS_ECORRUPT, "%s: damaged manifest (no version, generation or "
                         "segment)", path);
    return 0;
}

static int sync_directory(int dir_fd, const char *dir, cops_error *err)
{
    int fd = dir_fd == AT_FDCWD ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : dir_fd;
    if (fd < 0)
        return error_set_errno(err, COPS_EIO, errno, "cannot open %s", dir);
    int rc = fsync(fd) == 0 ? 0 : error_set_errno(err, COPS_EIO, errno, "cannot fsync %s", dir);
    if (fd != dir_fd)
        close(fd);
    return rc;
}

int manifest_commit(int dir_fd, const char *dir, const manifest *m, int *committed,
                    cops_error *err)
{
    *committed = 0;
    byte_buffer body = BUFFER_INIT;
    manifest_format(m, &body);
    char checksum[32];
    int n = snprintf(checksum, sizeof checksum, "checksum %08x\n",
                     (unsigned)crc32(0, body.data, (uInt)body.length));
    buffer_append(&body, checksum, (size_t)n);
    if (buffer_failed(&body)) {
        buffer_free(&body);
        return error_set(err, COPS_ENOMEM, "out of memory");
    }
    char temporary[4096];
    int rc = file_write_temporary(dir_fd, dir, MANIFEST_NAME, body.data, body.length, temporary,
                                  sizeof temporary, err);
    /* The new segments' directory entries must be durable before the
     * manifest that names them can be. */
    if (rc == 0 && (rc = sync_directory(dir_fd, dir, err)) != 0)
        (void)file_remove_leftover_at(dir_fd, dir, temporary, NULL);
    if (rc == 0)
        rc = file_rename_over(dir_fd, dir, temporary, MANIFEST_NAME, err);
    if (rc == 0) {
        *committed = 1;
        rc = sync_directory(dir_fd, dir, err);
    }
    buffer_free(&body);
    return rc;
}
