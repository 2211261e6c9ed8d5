/*
 * charset.c — byte-order marks, HTML declarations and iconv's conversions:
 * see charset.h (uchardet's guesses are in charset-guess.c, part of the
 * readers module).
 */
#include "config.h"

#include "indexer/charset.h"

#include "base/utf8.h"
#include "indexer/source-internal.h"

#include <errno.h>
#include <stdio.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

const char *charset_from_bom(const uint8_t *data, size_t length, size_t *mark_length)
{
    static const struct {
        const char *name;
        uint8_t bytes[4];
        size_t length;
    } marks[] = {
        /* UTF-32LE before UTF-16LE: FF FE 00 00 starts with FF FE. */
        {"UTF-32LE", {0xFF, 0xFE, 0x00, 0x00}, 4},
        {"UTF-32BE", {0x00, 0x00, 0xFE, 0xFF}, 4},
        {"UTF-8", {0xEF, 0xBB, 0xBF, 0}, 3},
        {"UTF-16LE", {0xFF, 0xFE, 0, 0}, 2},
        {"UTF-16BE", {0xFE, 0xFF, 0, 0}, 2},
    };
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++) {
        if (length >= marks[i].length && memcmp(data, marks[i].bytes, marks[i].length) == 0) {
            *mark_length = marks[i].length;
            return marks[i].name;
        }
    }
    *mark_length = 0;
    return NULL;
}

size_t charset_utf8_valid_prefix(const uint8_t *data, size_t length)
{
    size_t at = 0;
    while (at < length) {
        /* Text is mostly ASCII: skip it a word at a time. */
        while (length - at >= 8) {
            uint64_t word;
            memcpy(&word, data + at, sizeof word);
            if (word & UINT64_C(0x8080808080808080))
                break;
            at += 8;
        }
        if (at == length)
            break;
        if (data[at] < 0x80) {
            at++;
            continue;
        }
        size_t bad;
        size_t good = utf8_sequence(data + at, length - at, &bad);
        if (!good)
            break;
        at += good;
    }
    return at;
}

int charset_is_utf8(const uint8_t *data, size_t length)
{
    return charset_utf8_valid_prefix(data, length) == length;
}

const char *charset_utf16_unmarked(const uint8_t *data, size_t length)
{
    if (length > CHARSET_UTF16_SNIFF_BYTES)
        length = CHARSET_UTF16_SNIFF_BYTES;
    length &= ~(size_t)1;
    if (length < 4)
        return NULL;
    size_t zeros[2] = {0, 0};
    for (size_t at = 0; at < length; at++)
        zeros[at & 1] += data[at] == 0;
    size_t units = length / 2;
    /* Latin text in UTF-16: the high byte of most units is zero, the low
     * byte never is. */
    if (zeros[1] * 2 >= units && zeros[0] == 0)
        return "UTF-16LE";
    if (zeros[0] * 2 >= units && zeros[1] == 0)
        return "UTF-16BE";
    return NULL;
}

static int is_blank(uint8_t byte)
{
    return byte == ' ' || byte == '\t' || byte == '\n' || byte == '\r' || byte == '\f';
}

void charset_normalize(char name[CHARSET_NAME_MAX])
{
    static const char *const windows_1252[] = {
        "latin1", "iso-8859-1", "iso8859-1", "iso_8859-1", "l1", "us-ascii", "ascii",
        "ansi_x3.4-1968", "cp819", "ibm819", "iso-ir-100", "csisolatin1", "x-cp1252", "cp1252",
    };
    size_t start = 0, end = strlen(name);
    while (start < end && (is_blank((uint8_t)name[start]) || name[start] == '"' || name[start] == '\''))
        start++;
    while (end > start && (is_blank((uint8_t)name[end - 1]) || name[end - 1] == '"' ||
                           name[end - 1] == '\''))
        end--;
    memmove(name, name + start, end - start);
    name[end - start] = 0;
    for (size_t i = 0; i < sizeof windows_1252 / sizeof windows_1252[0]; i++) {
        if (strcasecmp(name, windows_1252[i]) == 0) {
            strcpy(name, "WINDOWS-1252");
            return;
        }
    }
    for (char *c = name; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
}

int charset_is_utf8_name(const char *name)
{
    return strcasecmp(name, "UTF-8") == 0 || strcasecmp(name, "UTF8") == 0 ||
           strcasecmp(name, "ASCII") == 0;
}

/* The encodings of the WHATWG Encoding Standard (encoding.spec.whatwg.org,
 * "Encodings"): the iconv name each is decoded with, and its labels.
 * "replacement" and "x-user-defined" are left out (the first decodes to
 * nothing, the second to private-use code points).  A label a stranger's
 * document gives is looked up here before it reaches iconv: iconv would
 * open any of its decoders, UTF-7 and stateful ones among them, which
 * browsers refuse for that reason (UTF-7 turns "+ADw-" into "<"). */
static const struct {
    const char *iconv;
    const char *labels; /* separated by single spaces */
} whatwg[] = {
    {"UTF-8", "unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8"},
    {"IBM866", "866 cp866 csibm866 ibm866"},
    {"ISO-8859-2", "csisolatin2 iso-8859-2 iso-ir-101 iso8859-2 iso88592 iso_8859-2 "
                   "iso_8859-2:1987 l2 latin2"},
    {"ISO-8859-3", "csisolatin3 iso-8859-3 iso-ir-109 iso8859-3 iso88593 iso_8859-3 "
                   "iso_8859-3:1988 l3 latin3"},
    {"ISO-8859-4", "csisolatin4 iso-8859-4 iso-ir-110 iso8859-4 iso88594 iso_8859-4 "
                   "iso_8859-4:1988 l4 latin4"},
    {"ISO-8859-5", "csisolatincyrillic cyrillic iso-8859-5 iso-ir-144 iso8859-5 iso88595 "
                   "iso_8859-5 iso_8859-5:1988"},
    {"ISO-8859-6", "arabic asmo-708 csiso88596e csiso88596i csisolatinarabic ecma-114 "
                   "iso-8859-6 iso-8859-6-e iso-8859-6-i iso-ir-127 iso8859-6 iso88596 "
                   "iso_8859-6 iso_8859-6:1987"},
    {"ISO-8859-7", "csisolatingreek ecma-118 elot_928 greek greek8 iso-8859-7 iso-ir-126 "
                   "iso8859-7 iso88597 iso_8859-7 iso_8859-7:1987 sun_eu_greek"},
    {"ISO-8859-8", "csiso88598e csisolatinhebrew hebrew iso-8859-8 iso-8859-8-e iso-ir-138 "
                   "iso8859-8 iso88598 iso_8859-8 iso_8859-8:1988 visual csiso88598i "
                   "iso-8859-8-i logical"},
    {"ISO-8859-10", "csisolatin6 iso-8859-10 iso-ir-157 iso8859-10 iso885910 l6 latin6"},
    {"ISO-8859-13", "iso-8859-13 iso8859-13 iso885913"},
    {"ISO-8859-14", "iso-8859-14 iso8859-14 iso885914"},
    {"ISO-8859-15", "csisolatin9 iso-8859-15 iso8859-15 iso885915 iso_8859-15 l9"},
    {"ISO-8859-16", "iso-8859-16"},
    {"KOI8-R", "cskoi8r koi koi8 koi8-r koi8_r"},
    {"KOI8-U", "koi8-ru koi8-u"},
    {"MACINTOSH", "csmacintosh mac macintosh x-mac-roman"},
    {"WINDOWS-874", "dos-874 iso-8859-11 iso8859-11 iso885911 tis-620 windows-874"},
    {"WINDOWS-1250", "cp1250 windows-1250 x-cp1250"},
    {"WINDOWS-1251", "cp1251 windows-1251 x-cp1251"},
    {"WINDOWS-1252", "ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 "
                     "iso-ir-100 iso8859-1 iso88591 iso_8859-1 iso_8859-1:1987 l1 latin1 "
                     "us-ascii windows-1252 x-cp1252"},
    {"WINDOWS-1253", "cp1253 windows-1253 x-cp1253"},
    {"WINDOWS-1254", "cp1254 csisolatin5 iso-8859-9 iso-ir-148 iso8859-9 iso88599 iso_8859-9 "
                     "iso_8859-9:1989 l5 latin5 windows-1254 x-cp1254"},
    {"WINDOWS-1255", "cp1255 windows-1255 x-cp1255"},
    {"WINDOWS-1256", "cp1256 windows-1256 x-cp1256"},
    {"WINDOWS-1257", "cp1257 windows-1257 x-cp1257"},
    {"WINDOWS-1258", "cp1258 windows-1258 x-cp1258"},
    {"MAC-CYRILLIC", "x-mac-cyrillic x-mac-ukrainian"},
    {"GBK", "chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 gbk iso-ir-58 x-gbk"},
    {"GB18030", "gb18030"},
    {"BIG5-HKSCS", "big5 big5-hkscs cn-big5 csbig5 x-x-big5"},
    {"EUC-JP", "cseucpkdfmtjapanese euc-jp x-euc-jp"},
    {"ISO-2022-JP", "csiso2022jp iso-2022-jp"},
    {"SHIFT_JIS", "csshiftjis ms932 ms_kanji shift-jis shift_jis sjis windows-31j x-sjis"},
    {"CP949", "cseuckr csksc56011987 euc-kr iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989 "
              "ksc5601 ksc_5601 windows-949"},
    {"UTF-16BE", "unicodefffe utf-16be"},
    {"UTF-16LE", "csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 utf-16le"},
};

const char *charset_whatwg(const char *label)
{
    size_t length = strlen(label);
    if (length == 0)
        return NULL;
    for (size_t i = 0; i < sizeof whatwg / sizeof whatwg[0]; i++) {
        for (const char *at = whatwg[i].labels; *at;) {
            size_t size = strcspn(at, " ");
            if (size == length && strncasecmp(at, label, length) == 0)
                return whatwg[i].iconv;
            at += size + (at[size] == ' ');
        }
    }
    return NULL;
}

/* The label after "charset" in a meta tag spanning tag[0..length). */
static int meta_charset(const uint8_t *tag, size_t length, char name[CHARSET_NAME_MAX])
{
    static const char key[] = "charset";
    for (size_t at = 0; at + sizeof key - 1 <= length; at++) {
        if (strncasecmp((const char *)tag + at, key, sizeof key - 1) != 0)
            continue;
        size_t value = at + sizeof key - 1;
        while (value < length && is_blank(tag[value]))
            value++;
        if (value >= length || tag[value] != '=')
            continue;
        value++;
        while (value < length && (is_blank(tag[value]) || tag[value] == '"' || tag[value] == '\''))
            value++;
        size_t used = 0;
        while (value < length && used + 1 < CHARSET_NAME_MAX && !is_blank(tag[value]) &&
               tag[value] != '"' && tag[value] != '\'' && tag[value] != ';' && tag[value] != '>' &&
               tag[value] != '/')
            name[used++] = (char)tag[value++];
        name[used] = 0;
        if (used == 0)
            continue;
        charset_normalize(name);
        return 1;
    }
    return 0;
}

int charset_from_html(const uint8_t *data, size_t length, char name[CHARSET_NAME_MAX])
{
    if (length > CHARSET_HTML_PRESCAN_BYTES)
        length = CHARSET_HTML_PRESCAN_BYTES;
    for (size_t at = 0; at + 5 < length; at++) {
        if (data[at] != '<' || strncasecmp((const char *)data + at + 1, "meta", 4) != 0 ||
            !(is_blank(data[at + 5]) || data[at + 5] == '/'))
            continue;
        const uint8_t *close = memchr(data + at, '>', length - at);
        size_t end = close ? (size_t)(close - data) : length;
        if (meta_charset(data + at, end - at, name))
            return 1;
        at = end;
    }
    return 0;
}

int charset_convert(const char *from, const uint8_t *data, size_t length, byte_buffer *out,
                    size_t *replaced)
{
    static const uint8_t replacement[3] = {0xEF, 0xBF, 0xBD};
    iconv_t converter = iconv_open("UTF-8", from);
    if (converter == (iconv_t)-1)
        return errno == ENOMEM ? -2 : -1;
    size_t count = 0;
    char *input = (char *)(uintptr_t)data;
    size_t input_left = length;
    int status = 0;
    while (input_left > 0) {
        /* Room for the worst case of what is left (4 bytes out per byte
         * in, UTF-16's surrogate pairs included), bounded per round. */
        size_t want = input_left < ((size_t)1 << 20) ? input_left * 4 + 4 : ((size_t)4 << 20);
        if (buffer_reserve(out, want) != 0) {
            status = -2;
            break;
        }
        char *output = (char *)out->data + out->length;
        size_t output_left = want;
        size_t result = iconv(converter, &input, &input_left, &output, &output_left);
        out->length += want - output_left;
        if (result != (size_t)-1 || errno == E2BIG)
            continue;
        /* EILSEQ or EINVAL (incomplete at the end): one U+FFFD, skip a
         * byte, or the rest when incomplete. */
        buffer_append(out, replacement, sizeof replacement);
        count++;
        size_t skip = errno == EINVAL ? input_left : 1;
        input += skip;
        input_left -= skip;
        iconv(converter, NULL, NULL, NULL, NULL);
    }
    iconv_close(converter);
    if (buffer_failed(out))
        status = -2;
    if (replaced)
        *replaced = count;
    return status;
}

/* ------------------------------------------------ the layer before readers */

/* Bytes libmagic is shown: enough for the signatures and its text tests.
 * (Its first answer in a walk costs about 27 million instructions of
 * set-up, whatever the size: plain UTF-8 never gets there.) */
#define CHARSET_MAGIC_BYTES ((size_t)8 << 10)

/* "text/plain; charset=utf-16le" -> type "text/plain", charset "utf-16le". */
static void split_mime(const char *mime, char type[SOURCE_MIME_MAX], char charset[CHARSET_NAME_MAX])
{
    const char *semicolon = strchr(mime, ';');
    size_t type_length = semicolon ? (size_t)(semicolon - mime) : strlen(mime);
    snprintf(type, SOURCE_MIME_MAX, "%.*s", (int)type_length, mime);
    const char *label = strstr(mime, "charset=");
    snprintf(charset, CHARSET_NAME_MAX, "%s", label ? label + 8 : "");
}

/* The encoding of a whole file that is not plain UTF-8, into `name`:
 * returns 1 with a name, 0 when it is binary (skipped, counted), 2 when
 * it is best read as damaged UTF-8, -1 when memory ran out. */
static int choose_encoding(source_file *file, const byte_buffer *text, const uint8_t *nul,
                           char name[CHARSET_NAME_MAX])
{
    source_walker *walker = file->walker;
    char mime[160], type[SOURCE_MIME_MAX], magic_charset[CHARSET_NAME_MAX];
    size_t shown = text->length < CHARSET_MAGIC_BYTES ? text->length : CHARSET_MAGIC_BYTES;
    int asked = detect_mime(&walker->magic, text->data, shown, mime, sizeof mime);
    if (asked == -2)
        return -1;
    if (asked != 0) {
        if (!walker->magic_failed)
            source_warn(walker, "%s: %s; files that are not UTF-8 are read as UTF-8", file->path,
                        mime);
        walker->magic_failed = 1;
        snprintf(mime, sizeof mime, "%s", nul ? "application/octet-stream; charset=binary"
                                              : "text/plain; charset=unknown");
    }
    split_mime(mime, type, magic_charset);
    int wide = strncasecmp(magic_charset, "utf-16", 6) == 0 ||
               strncasecmp(magic_charset, "utf-32", 6) == 0;
    const char *unmarked = nul && !wide ? charset_utf16_unmarked(text->data, text->length) : NULL;
    if (unmarked) {
        snprintf(magic_charset, sizeof magic_charset, "%s", unmarked);
        wide = 1;
    }
    if (!wide && (strcasecmp(magic_charset, "binary") == 0 || nul)) {
        source_tally_add(walker->stats.binaries, type);
        if (nul)
            source_skip(walker, "%s: binary file (%s; NUL byte at byte %zu), skipped", file->path,
                        type, (size_t)(nul - text->data));
        else
            source_skip(walker, "%s: binary file (%s), skipped", file->path, type);
        return 0;
    }
    if (wide) {
        snprintf(name, CHARSET_NAME_MAX, "%s", magic_charset);
        charset_normalize(name);
        return 1;
    }
    if (file->format == FORMAT_HTML && charset_from_html(text->data, text->length, name)) {
        const char *allowed = charset_whatwg(name);
        /* A page whose <meta> was read byte by byte as ASCII is not
         * UTF-16 (its NUL bytes would have made it `wide` above): the HTML
         * Standard takes a UTF-16 label there for UTF-8; decoded as UTF-16,
         * all of the page's text was lost.  Its encoding is guessed, as an
         * unlabelled page's (UTF-8 found so when it is UTF-8). */
        int wide_label = allowed && strncmp(allowed, "UTF-16", 6) == 0;
        if (allowed && !wide_label) {
            snprintf(name, CHARSET_NAME_MAX, "%s", allowed);
            return charset_is_utf8_name(name) ? 2 : 1;
        }
        if (!allowed)
            source_warn(walker, "%s: <meta charset> names '%s', not an encoding of the WHATWG "
                        "Encoding Standard: ignored, the encoding guessed", file->path, name);
    }
    if (charset_guess(text->data, text->length, name) != 0)
        return -1;
    return charset_is_utf8_name(name) ? 2 : 1;
}

int source_decode_text(source_file *file, byte_buffer *text)
{
    size_t mark = 0;
    const char *marked = charset_from_bom(text->data, text->length, &mark);
    char name[CHARSET_NAME_MAX];
    if (marked && strcmp(marked, "UTF-8") == 0)
        return 1; /* the readers step over it (the encoding stays UTF-8) */
    if (marked) {
        snprintf(name, sizeof name, "%s", marked);
    } else {
        size_t sniff = text->length < SOURCE_BINARY_SNIFF_BYTES ? text->length
                                                                : SOURCE_BINARY_SNIFF_BYTES;
        const uint8_t *nul = memchr(text->data, 0, sniff);
        if (!nul && charset_is_utf8(text->data, text->length))
            return 1;
        int chosen = choose_encoding(file, text, nul, name);
        if (chosen == -1)
            return COPS_ENOMEM;
        if (chosen != 1)
            return chosen == 2 ? 1 : 0;
    }
    byte_buffer converted = BUFFER_INIT;
    size_t replaced = 0;
    int status = charset_convert(name, text->data + mark, text->length - mark, &converted,
                                 &replaced);
    if (status == -1) {
        buffer_free(&converted);
        source_warn(file->walker, "%s: character set %s is unknown to iconv: read as UTF-8",
                    file->path, name);
        return 1;
    }
    if (status != 0) {
        buffer_free(&converted);
        return COPS_ENOMEM;
    }
    if (replaced > 0) {
        file->walker->stats.invalid_utf8 += replaced;
        source_warn(file->walker, "%s: %zu byte sequences not valid in %s replaced", file->path,
                    replaced, name);
    }
    source_tally_add(file->walker->stats.encodings, name);
    snprintf(file->encoding, sizeof file->encoding, "%s", name);
    buffer_free(text);
    *text = converted;
    return 1;
}
