// bench/xapian-index: index a JSON Lines corpus (fields id, title, text;
// optionally gzip-compressed) into a new Xapian glass database, the way a
// typical Xapian application would, so that bench/index-compare can set its
// time, memory and size beside cops-index.
//
//   bench/xapian-index INPUT.jsonl[.gz] DBDIR [--store]
//
// Each line becomes one document: the title through the TermGenerator with
// the prefix "S", the text unprefixed (English stemmer, STEM_SOME,
// positions on), the id as the boolean term "Q"+id.  With --store the text
// is the document data as well.  The database is committed every
// COMMIT_EVERY documents and at the end.  Prints the document count
// (Xapian::Database::get_doccount) and the decompressed input size.

#include <xapian.h>

#include <jansson.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace {

const unsigned COMMIT_EVERY = 10000;
const Xapian::termcount TITLE_WDF_INC = 1;

// Reads a gzip (or plain: gzread passes it through) file one line at a time.
class LineReader {
  public:
    explicit LineReader(const char *path) : file_(gzopen(path, "rb")) {
        if (file_)
            gzbuffer(file_, 1 << 17);
    }
    ~LineReader() {
        if (file_)
            gzclose(file_);
    }
    LineReader(const LineReader &) = delete;
    LineReader &operator=(const LineReader &) = delete;

    bool ok() const { return file_ != nullptr; }
    unsigned long long bytes() const { return bytes_; }

    // The next line (without its '\n') in *line; false at the end of input.
    // Throws std::runtime_error on a read error.
    bool next(std::string *line) {
        line->clear();
        for (;;) {
            if (pos_ == len_) {
                if (eof_)
                    return !line->empty();
                int n = gzread(file_, buf_, sizeof buf_);
                if (n < 0) {
                    int code;
                    const char *msg = gzerror(file_, &code);
                    throw std::runtime_error(std::string("read error: ") + msg);
                }
                if (n == 0) {
                    eof_ = true;
                    continue;
                }
                bytes_ += static_cast<unsigned>(n);
                pos_ = 0;
                len_ = static_cast<size_t>(n);
            }
            const char *start = buf_ + pos_;
            const void *nl = std::memchr(start, '\n', len_ - pos_);
            if (nl) {
                size_t take = static_cast<size_t>(static_cast<const char *>(nl) - start);
                line->append(start, take);
                pos_ += take + 1;
                return true;
            }
            line->append(start, len_ - pos_);
            pos_ = len_;
        }
    }

  private:
    gzFile file_;
    char buf_[1 << 17];
    size_t pos_ = 0, len_ = 0;
    bool eof_ = false;
    unsigned long long bytes_ = 0;
};

// The string value of a JSON field ("" when absent); numbers are printed.
std::string field(json_t *object, const char *name) {
    json_t *value = json_object_get(object, name);
    if (json_is_string(value))
        return std::string(json_string_value(value), json_string_length(value));
    if (json_is_integer(value))
        return std::to_string(static_cast<long long>(json_integer_value(value)));
    return std::string();
}

int usage(const char *program) {
    std::fprintf(stderr, "Usage: %s INPUT.jsonl[.gz] DBDIR [--store]\n", program);
    return 2;
}

} // namespace

int main(int argc, char **argv) {
    const char *program = argv[0];
    const char *input = nullptr, *dbdir = nullptr;
    bool store = false;
    for (int i = 1; i < argc; i++) {
        if (std::strcmp(argv[i], "--store") == 0)
            store = true;
        else if (argv[i][0] == '-' && argv[i][1] != '\0')
            return usage(program);
        else if (!input)
            input = argv[i];
        else if (!dbdir)
            dbdir = argv[i];
        else
            return usage(program);
    }
    if (!input || !dbdir)
        return usage(program);

    LineReader reader(input);
    if (!reader.ok()) {
        std::fprintf(stderr, "%s: %s: %s\n", program, input, std::strerror(errno));
        return 2;
    }

    try {
        Xapian::WritableDatabase db(dbdir, Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_BACKEND_GLASS);
        Xapian::TermGenerator generator;
        generator.set_stemmer(Xapian::Stem("english"));
        generator.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);

        std::string line;
        unsigned long long lineno = 0, added = 0, skipped = 0;
        while (reader.next(&line)) {
            lineno++;
            if (line.find_first_not_of(" \t\r") == std::string::npos)
                continue;
            json_error_t error;
            json_t *object = json_loadb(line.data(), line.size(), 0, &error);
            if (!json_is_object(object)) {
                std::fprintf(stderr, "%s: %s:%llu: %s\n", program, input, lineno,
                             object ? "not a JSON object" : error.text);
                json_decref(object);
                skipped++;
                continue;
            }
            std::string id = field(object, "id");
            std::string title = field(object, "title");
            std::string text = field(object, "text");
            json_decref(object);

            Xapian::Document doc;
            generator.set_document(doc);
            generator.index_text(title, TITLE_WDF_INC, "S");
            generator.increase_termpos();
            generator.index_text(text);
            if (!id.empty())
                doc.add_boolean_term("Q" + id);
            if (store)
                doc.set_data(text);
            db.add_document(doc);
            if (++added % COMMIT_EVERY == 0)
                db.commit();
        }
        db.commit();
        std::printf("xapian-index: %llu documents (get_doccount %u), %llu input bytes%s, Xapian %s\n",
                    added, static_cast<unsigned>(db.get_doccount()), reader.bytes(),
                    store ? ", text stored" : "", Xapian::version_string());
        if (skipped)
            std::fprintf(stderr, "%s: %llu lines skipped\n", program, skipped);
        db.close();
    } catch (const Xapian::Error &e) {
        std::fprintf(stderr, "%s: %s\n", program, e.get_description().c_str());
        return 2;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "%s: %s: %s\n", program, input, e.what());
        return 2;
    }
    return 0;
}
