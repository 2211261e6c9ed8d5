/*
 * cops-serve — a search page and a JSON API over an index (see
 * man/cops-serve.1 and serve/API.md).  A thin program over cops_search():
 * libmicrohttpd answers HTTP with a pool of threads sharing one index
 * handle (serve/index-holder.h), serve/api.c answers the API and
 * serve/static-files.c the page's files.
 * Exit status: 0 after a clean shutdown (SIGTERM, SIGINT), 2 on error.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cops.h"
#include "serve/api.h"
#include "serve/head-deadline.h"
#include "serve/index-holder.h"
#include "serve/static-files.h"

#define EXIT_TROUBLE 2

static const char *program = "cops-serve";

/* What every answer says to the browser: run only the page's own script
 * and style, fetch only from here, never be framed, never sniff a type. */
static const char *const content_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: %s [OPTION]...\n"
            "Serve a search page and a JSON API (GET /search, /doc/ID, /facets, /health)\n"
            "over an index built by cops-index.  Read-only; a new commit of the index is\n"
            "picked up without a restart.  SIGTERM or SIGINT stops it cleanly.\n"
            "\n"
            "  -i, --index DIR          index directory (default: $COPS_INDEX, else .cops);\n"
            "                           repeat it (at most 64) to search several as one\n"
            "      --listen ADDR:PORT   address to listen on (default: 127.0.0.1:8080;\n"
            "                           [::1]:PORT for IPv6; port 0 picks a free one)\n"
            "      --public             allow an address other than loopback: everyone who\n"
            "                           can reach it may search and read every document\n"
            "      --www DIR            the page's files (default: the installed copy, or\n"
            "                           the source tree's for a program of a build tree)\n"
            "      --threads N          request threads (default: 4)\n"
            "      --client-timeout S   close a connection idle for S seconds, or whose\n"
            "                           request head takes longer (default: 10)\n"
            "      --client-connections N\n"
            "                           connections one client address may hold at once\n"
            "                           (default: 64, of 1000 in all)\n"
            "      --request-timeout MS start no further search for a request after MS\n"
            "                           milliseconds (default: 5000)\n"
            "      --max-searches N     library searches one request may run (default: 2000)\n"
            "      --poll MS            look for a new commit every MS milliseconds\n"
            "                           (default: 500)\n"
            "  -h, --help               show this help and exit\n"
            "  -V, --version            show the version and exit\n"
            "\n"
            "Exit status: 0 after a clean shutdown, 2 on error.\n",
            program);
}

/* Indexes one server may search together (cops_index_open_many's bound). */
#define MAX_INDEXES 64
/* Connections open at once, from all clients together. */
#define MAX_CONNECTIONS 1000

typedef struct settings {
    const char *index_dirs[MAX_INDEXES]; /* -i, in order */
    size_t index_count;
    const char *listen;
    const char *www_dir;
    int public_address;
    unsigned threads, client_timeout, client_connections, poll_ms;
    api_limits limits;
} settings;

typedef struct server {
    index_holder *holder;
    head_deadline *deadlines;
    int www_fd;
    const api_limits *limits;
} server;

static int parse_count(const char *text, const char *option, unsigned low, unsigned high,
                       unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long value = strtoul(text, &end, 10);
    if (*text < '0' || *text > '9' || *end || errno || value < low || value > high) {
        fprintf(stderr, "%s: %s: expected a whole number from %u to %u\n", program, option, low,
                high);
        return -1;
    }
    *out = (unsigned)value;
    return 0;
}

/* ------------------------------------------------------------ address */

static int is_loopback(const struct sockaddr_storage *address)
{
    if (address->ss_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)(const void *)address;
        return (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
    }
    const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)(const void *)address;
    return IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
}

/* "A.B.C.D:PORT" or "[V6]:PORT" (numeric only: no name is looked up). */
static int parse_listen(const char *text, struct sockaddr_storage *address)
{
    char host[64];
    const char *colon = strrchr(text, ':');
    size_t host_length = colon ? (size_t)(colon - text) : 0;
    const char *host_start = text;
    if (host_length >= 2 && text[0] == '[' && text[host_length - 1] == ']') {
        host_start++;
        host_length -= 2;
    }
    unsigned port;
    if (!colon || host_length == 0 || host_length >= sizeof host
        || parse_count(colon + 1, "--listen port", 0, 65535, &port) != 0) {
        fprintf(stderr, "%s: --listen: expected ADDRESS:PORT such as 127.0.0.1:8080 or [::1]:8080\n",
                program);
        return -1;
    }
    memcpy(host, host_start, host_length);
    host[host_length] = '\0';
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_PASSIVE, .ai_socktype = SOCK_STREAM};
    struct addrinfo *found;
    if (getaddrinfo(host, NULL, &hints, &found) != 0) {
        fprintf(stderr, "%s: --listen: '%s' is not a numeric IPv4 or IPv6 address\n", program,
                host);
        return -1;
    }
    memset(address, 0, sizeof *address);
    memcpy(address, found->ai_addr, found->ai_addrlen);
    freeaddrinfo(found);
    if (address->ss_family == AF_INET)
        ((struct sockaddr_in *)(void *)address)->sin_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in6 *)(void *)address)->sin6_port = htons((uint16_t)port);
    return 0;
}

/* ----------------------------------------------------------- requests */

static void add_common_headers(struct MHD_Response *response, const char *type)
{
    MHD_add_response_header(response, "Content-Type", type);
    MHD_add_response_header(response, "Content-Security-Policy", content_security_policy);
    MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(response, "X-Frame-Options", "DENY");
    MHD_add_response_header(response, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(response, "Cache-Control", "no-store");
}

/* `body` as the answer.  In ASCII, every other character as \uXXXX: a
 * document's C1 controls (U+009B starts a terminal sequence), bidi
 * controls and line separators, which jansson writes as they are, stay
 * inert in a terminal that shows the answer (curl), as in cops-query's
 * JSON (cops_results_print_json). */
static enum MHD_Result send_json(struct MHD_Connection *connection, unsigned status, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(body);
    if (!text) {
        status = 503;
        text = strdup("{\"error\":{\"status\":503,\"message\":\"out of memory\"}}");
        if (!text)
            return MHD_NO;
    }
    size_t length = strlen(text);
    struct MHD_Response *response =
        MHD_create_response_from_buffer(length, text, MHD_RESPMEM_MUST_FREE);
    if (!response) {
        free(text);
        return MHD_NO;
    }
    add_common_headers(response, "application/json");
    if (status == 405)
        MHD_add_response_header(response, "Allow", "GET, HEAD");
    enum MHD_Result queued = MHD_queue_response(connection, status, response);
    MHD_destroy_response(response);
    return queued;
}

static const char *query_argument(void *context, const char *name)
{
    return MHD_lookup_connection_value(context, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result send_static(const server *srv, struct MHD_Connection *connection,
                                   const char *url)
{
    static_file file;
    unsigned status = static_file_read(srv->www_fd, url, &file);
    if (status != 200)
        return send_json(connection, status,
                         api_error(status, status == 404 ? "not found" : "the file could not be read"));
    struct MHD_Response *response =
        MHD_create_response_from_buffer(file.length, file.bytes, MHD_RESPMEM_MUST_FREE);
    if (!response) {
        free(file.bytes);
        return MHD_NO;
    }
    add_common_headers(response, file.type);
    enum MHD_Result queued = MHD_queue_response(connection, 200, response);
    MHD_destroy_response(response);
    return queued;
}

static enum MHD_Result handle_request(void *context, struct MHD_Connection *connection,
                                      const char *url, const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **request_state)
{
    (void)version;
    (void)upload_data;
    (void)request_state;
    const server *srv = context;
    head_deadline_complete(connection);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return send_json(connection, 405, api_error(405, "only GET and HEAD are served"));
    if (*upload_data_size != 0)
        return send_json(connection, 413, api_error(413, "a GET request has no body"));
    if (!api_handles(url))
        return send_static(srv, connection, url);
    index_handle *handle = index_holder_acquire(srv->holder);
    api_request request = {url, query_argument, connection, handle, srv->holder, srv->limits};
    json_t *body;
    unsigned status = api_answer(&request, &body);
    index_holder_release(srv->holder, handle);
    return send_json(connection, status, body);
}

/* ------------------------------------------------------------- options */

enum { OPT_LISTEN = 256, OPT_PUBLIC, OPT_WWW, OPT_THREADS, OPT_CLIENT_TIMEOUT,
       OPT_CLIENT_CONNECTIONS, OPT_REQUEST_TIMEOUT, OPT_MAX_SEARCHES, OPT_POLL };

static const struct option long_options[] = {
    {"index", required_argument, NULL, 'i'},
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"public", no_argument, NULL, OPT_PUBLIC},
    {"www", required_argument, NULL, OPT_WWW},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"client-timeout", required_argument, NULL, OPT_CLIENT_TIMEOUT},
    {"client-connections", required_argument, NULL, OPT_CLIENT_CONNECTIONS},
    {"request-timeout", required_argument, NULL, OPT_REQUEST_TIMEOUT},
    {"max-searches", required_argument, NULL, OPT_MAX_SEARCHES},
    {"poll", required_argument, NULL, OPT_POLL},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* Returns -1 to exit with an error, 1 to exit successfully, 0 to serve. */
static int parse_options(int argc, char **argv, settings *s)
{
    const char *env = getenv("COPS_INDEX");
    *s = (settings){{NULL}, 0, "127.0.0.1:8080", NULL, 0, 4, 10, 64, 500,
                    {1024, 100, 10000, 2000, 5000}};
    int c;
    while ((c = getopt_long(argc, argv, "i:hV", long_options, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case 'i':
            if (s->index_count == MAX_INDEXES) {
                fprintf(stderr, "%s: at most %d indexes (-i)\n", program, MAX_INDEXES);
                return -1;
            }
            s->index_dirs[s->index_count++] = optarg;
            break;
        case OPT_LISTEN: s->listen = optarg; break;
        case OPT_PUBLIC: s->public_address = 1; break;
        case OPT_WWW: s->www_dir = optarg; break;
        case OPT_THREADS: rc = parse_count(optarg, "--threads", 1, 256, &s->threads); break;
        case OPT_CLIENT_TIMEOUT:
            rc = parse_count(optarg, "--client-timeout", 1, 3600, &s->client_timeout);
            break;
        case OPT_CLIENT_CONNECTIONS:
            rc = parse_count(optarg, "--client-connections", 1, MAX_CONNECTIONS,
                             &s->client_connections);
            break;
        case OPT_REQUEST_TIMEOUT:
            rc = parse_count(optarg, "--request-timeout", 1, 600000, &s->limits.timeout_ms);
            break;
        case OPT_MAX_SEARCHES:
            rc = parse_count(optarg, "--max-searches", 1, 1000000, &s->limits.max_searches);
            break;
        case OPT_POLL: rc = parse_count(optarg, "--poll", 10, 3600000, &s->poll_ms); break;
        case 'h': usage(stdout); return 1;
        case 'V': printf("%s %s\n", program, COPS_VERSION_STRING); return 1;
        default:
            fprintf(stderr, "Try '%s --help' for more information.\n", program);
            return -1;
        }
        if (rc != 0)
            return -1;
    }
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument '%s' (the index is given with --index)\n",
                program, argv[optind]);
        return -1;
    }
    if (s->index_count == 0)
        s->index_dirs[s->index_count++] = env && *env ? env : ".cops";
    return 0;
}

/* Whether this program runs from its build tree (an uninstalled
 * cops-serve, as base/module.h tells where the modules are). */
static int running_from_build_tree(void)
{
    char *here = realpath("/proc/self/exe", NULL);
    size_t built = strlen(COPS_ABS_BUILDDIR);
    int inside = here && strncmp(here, COPS_ABS_BUILDDIR, built) == 0 && here[built] == '/';
    free(here);
    return inside;
}

/* The folder of the page's files: --www, else the source tree's serve/www
 * for the program of a build tree, else the installed copy.  Never a
 * folder found from the current directory: a serve/www/app.js in a folder
 * from a stranger (an unpacked archive, a shared drive) would run in the
 * page with the right to read every document of the index. */
static int open_www(const char *named)
{
    const char *dir = named;
    if (!dir)
        dir = running_from_build_tree() ? COPS_SOURCE_WWW : COPS_DATADIR "/www";
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "%s: cannot open the page's folder ", program);
        cops_print_escaped(stderr, dir, 0);
        fprintf(stderr, ": %s (give it with --www DIR)\n", strerror(errno));
    }
    return fd;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decoding of the URL path and arguments, in place, except that
 * "%00" stays as it is: a decoded NUL would cut the C string libmicrohttpd
 * hands over ("/app.js%00.html" would read as "/app.js"). */
static size_t unescape_keeping_nul(void *context, struct MHD_Connection *connection, char *text)
{
    (void)context;
    (void)connection;
    char *out = text;
    for (const char *in = text; *in; in++) {
        int high = in[0] == '%' ? hex_value(in[1]) : -1;
        int low = high >= 0 ? hex_value(in[2]) : -1;
        if (low >= 0 && (high | low) != 0) {
            *out++ = (char)(high * 16 + low);
            in += 2;
        } else
            *out++ = *in;
    }
    *out = '\0';
    return (size_t)(out - text);
}

static struct MHD_Daemon *start_daemon(const settings *s, const struct sockaddr_storage *address,
                                       server *srv)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
    if (address->ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    return MHD_start_daemon(flags, 0, NULL, NULL, handle_request, srv,
                            MHD_OPTION_SOCK_ADDR, address,
                            MHD_OPTION_THREAD_POOL_SIZE, s->threads,
                            MHD_OPTION_CONNECTION_TIMEOUT, s->client_timeout,
                            /* the whole request head (line and headers) must fit */
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
                            /* one address cannot take every connection, nor
                             * hold one by sending its head a byte at a time */
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->client_connections,
                            MHD_OPTION_NOTIFY_CONNECTION, head_deadline_notify, srv->deadlines,
                            MHD_OPTION_NOTIFY_COMPLETED, head_deadline_restart, NULL,
                            MHD_OPTION_UNESCAPE_CALLBACK, unescape_keeping_nul, NULL,
                            MHD_OPTION_END);
}

/* Serve until one of `stop_signals` (blocked in every thread) arrives. */
static int serve(const settings *s, const struct sockaddr_storage *address, server *srv,
                 const sigset_t *stop_signals)
{
    srv->deadlines = head_deadline_start(s->client_timeout);
    if (!srv->deadlines) {
        fprintf(stderr, "%s: cannot start: %s\n", program, strerror(errno));
        return EXIT_TROUBLE;
    }
    struct MHD_Daemon *daemon = start_daemon(s, address, srv);
    if (!daemon) {
        fprintf(stderr, "%s: cannot listen on %s: %s\n", program, s->listen, strerror(errno));
        head_deadline_stop(srv->deadlines);
        return EXIT_TROUBLE;
    }
    const union MHD_DaemonInfo *bound = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    char host[INET6_ADDRSTRLEN];
    const void *raw = address->ss_family == AF_INET
                          ? (const void *)&((const struct sockaddr_in *)(const void *)address)->sin_addr
                          : (const void *)&((const struct sockaddr_in6 *)(const void *)address)->sin6_addr;
    inet_ntop(address->ss_family, raw, host, sizeof host);
    uint64_t documents, generation;
    index_holder_latest(srv->holder, &documents, &generation);
    fprintf(stderr, "%s: serving %llu documents on http://%s%s%s:%u/\n", program,
            (unsigned long long)documents, address->ss_family == AF_INET6 ? "[" : "", host,
            address->ss_family == AF_INET6 ? "]" : "", bound ? bound->port : 0);
    int received;
    sigwait(stop_signals, &received);
    fprintf(stderr, "%s: %s: finishing the requests under way, then stopping\n", program,
            received == SIGTERM ? "SIGTERM" : "SIGINT");
    MHD_stop_daemon(daemon);
    head_deadline_stop(srv->deadlines);
    return 0;
}

int main(int argc, char **argv)
{
    /* Blocked before any thread starts, so that every thread inherits the
     * mask and the signal waits for sigwait in serve(). */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    settings s;
    int parsed = parse_options(argc, argv, &s);
    if (parsed != 0)
        return parsed > 0 ? 0 : EXIT_TROUBLE;
    struct sockaddr_storage address;
    if (parse_listen(s.listen, &address) != 0)
        return EXIT_TROUBLE;
    if (!is_loopback(&address) && !s.public_address) {
        fprintf(stderr,
                "%s: %s is not a loopback address: everyone who can reach it could search the "
                "index and read the stored text of every document, without a password; give "
                "--public to allow that\n",
                program, s.listen);
        return EXIT_TROUBLE;
    }
    server srv = {NULL, NULL, -1, &s.limits};
    srv.www_fd = open_www(s.www_dir);
    if (srv.www_fd < 0)
        return EXIT_TROUBLE;
    cops_error err;
    if (index_holder_open(s.index_dirs, s.index_count, s.poll_ms, &srv.holder, &err) != 0) {
        cops_print_error(stderr, program, NULL, &err);
        close(srv.www_fd);
        return EXIT_TROUBLE;
    }
    int rc = serve(&s, &address, &srv, &stop_signals);
    index_holder_free(srv.holder);
    close(srv.www_fd);
    return rc;
}
