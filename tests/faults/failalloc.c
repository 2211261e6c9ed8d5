/*
 * failalloc.c - an LD_PRELOAD shim that fails the N-th memory allocation,
 * for the allocation-failure sweep (tests/cli/alloc-faults.sh), in the
 * manner of SQLite's fts5fault tests.  Test-only: never installed, never
 * linked into a program.
 *
 * Settings, environment variables read once when main() starts:
 *
 *   COPS_FAIL_ALLOC=N         The N-th allocation (1-based) made after
 *                             main() started returns NULL with ENOMEM.
 *   COPS_FAIL_ALLOC_PERSIST=1 Every allocation from the N-th on fails, not
 *                             only the N-th (SQLite's persistent faults).
 *   COPS_FAIL_ALLOC_SITE=HEX  The first allocation made from the call
 *                             stack HEX (as listed by COPS_FAIL_ALLOC_SITES)
 *                             fails; with COPS_FAIL_ALLOC_PERSIST=1 every
 *                             allocation after it fails too.  Unlike N, a
 *                             site does not depend on how the program's
 *                             threads interleave.
 *   COPS_FAIL_ALLOC_REPORT=FILE
 *                             At exit, append to FILE one line
 *                             "allocations A failed F" (what was counted),
 *                             so that a test knows how far to sweep.
 *   COPS_FAIL_ALLOC_TRACE=1   Print the call stack of each failed allocation
 *                             on standard error (to find which one it was).
 *   COPS_FAIL_ALLOC_SITES=FILE
 *                             At exit, append to FILE one line per
 *                             distinct call stack that allocated:
 *                             "HEX first N count C".
 *
 * A call stack is the hash of its innermost frames, each taken as an offset
 * in its executable or library and that file's name, so it is the same from
 * run to run whatever the address space layout.
 *
 * Counted: malloc, calloc, realloc (to a non-zero size), posix_memalign,
 * aligned_alloc, memalign, valloc, pvalloc, strdup and strndup, whoever
 * calls them: cops itself, but also zlib, libdeflate, gumbo, Snowball and
 * libstdc++ (operator new ends in malloc), which must each report the
 * failure to cops; and glibc's own callers (fopen, opendir, qsort...),
 * which report ENOMEM or fall back.  Allocations made before main() (the
 * dynamic loader, library constructors, the sanitizer runtimes) are not
 * counted, since no program could survive their failure: the shim starts
 * counting when __libc_start_main hands over to main().  For the same
 * reason, nor are the allocations made while dlopen loads a library
 * (cops's modules, base/module.h): glibc's loader ends the process with
 * "out of memory" (exit 127) on some of them, which no caller can handle.
 *
 * glibc's strdup and strndup call malloc through an interposable symbol, but
 * AddressSanitizer intercepts them with its own allocator, so they are
 * wrapped here (as malloc and a copy) to be counted in both builds.
 *
 * Bootstrap: dlsym(RTLD_NEXT, ...) may itself call calloc or malloc before
 * the real functions are known; those few requests are served from a static
 * arena, which free() and realloc() recognise.
 *
 * In the AddressSanitizer build the shim is preloaded ahead of the runtime
 * (ASAN_OPTIONS=verify_asan_link_order=0) and forwards to its allocator
 * through RTLD_NEXT, so leaks and misuse are still reported.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <link.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The shim runs before the sanitizer runtimes have set up their shadow
 * memory (AddressSanitizer's start-up calls dlsym, which allocates), so in
 * the sanitizer build none of it may be instrumented. */
#if defined(__has_attribute)
#if __has_attribute(no_sanitize)
#define UNCHECKED __attribute__((no_sanitize("address", "undefined")))
#endif
#endif
#ifndef UNCHECKED
#define UNCHECKED
#endif

typedef void *malloc_fn(size_t);
typedef void *calloc_fn(size_t, size_t);
typedef void *realloc_fn(void *, size_t);
typedef void free_fn(void *);
typedef int posix_memalign_fn(void **, size_t, size_t);
typedef void *aligned_fn(size_t, size_t);
typedef void *valloc_fn(size_t);
typedef int main_fn(int, char **, char **);
typedef int start_main_fn(main_fn *, int, char **, void (*)(void), void (*)(void), void (*)(void),
                          void *);

static malloc_fn *real_malloc;
static calloc_fn *real_calloc;
static realloc_fn *real_realloc;
static free_fn *real_free;
static posix_memalign_fn *real_posix_memalign;
static aligned_fn *real_aligned_alloc;
static aligned_fn *real_memalign;
static valloc_fn *real_valloc;
static valloc_fn *real_pvalloc;

static long fail_at;    /* 0: never */
static unsigned long long fail_site; /* 0: none */
static const char *sites_path;
static int persistent;  /* fail every allocation from fail_at on */
static int trace;
static const char *report_path;
static atomic_int armed; /* main() has started */
/* Set in a thread once its start routine runs: what the thread library and
 * a sanitizer runtime allocate to set a new thread up is not counted (under
 * AddressSanitizer, a failure there aborts in the runtime itself). */
static __thread int thread_started __attribute__((tls_model("initial-exec")));
static atomic_long allocations;
static atomic_long failures;

/* ---- Bootstrap arena, for the allocations of dlsym itself. */
static _Alignas(max_align_t) unsigned char arena[16384];
static size_t arena_used;
static int resolving;

UNCHECKED static int in_arena(const void *p)
{
    return (const unsigned char *)p >= arena && (const unsigned char *)p < arena + sizeof arena;
}

UNCHECKED static void *arena_alloc(size_t size)
{
    size_t at = (arena_used + _Alignof(max_align_t) - 1) & ~(_Alignof(max_align_t) - 1);
    if (size > sizeof arena - at)
        return NULL;
    arena_used = at + size;
    return arena + at; /* static storage: already zeroed */
}

UNCHECKED static void die(const char *message)
{
    (void)!syscall(SYS_write, 2, message, strlen(message));
    abort();
}

UNCHECKED static void *next_symbol(const char *name, int required)
{
    void *p = dlsym(RTLD_NEXT, name);
    if (!p && required)
        die("failalloc shim: an allocator symbol is missing\n");
    return p;
}

UNCHECKED static void resolve(void)
{
    if (real_malloc || resolving)
        return;
    resolving = 1;
    real_calloc = (calloc_fn *)next_symbol("calloc", 1);
    real_realloc = (realloc_fn *)next_symbol("realloc", 1);
    real_free = (free_fn *)next_symbol("free", 1);
    real_posix_memalign = (posix_memalign_fn *)next_symbol("posix_memalign", 1);
    real_aligned_alloc = (aligned_fn *)next_symbol("aligned_alloc", 1);
    real_memalign = (aligned_fn *)next_symbol("memalign", 0);
    real_valloc = (valloc_fn *)next_symbol("valloc", 0);
    real_pvalloc = (valloc_fn *)next_symbol("pvalloc", 0);
    real_malloc = (malloc_fn *)next_symbol("malloc", 1); /* last: marks "resolved" */
    resolving = 0;
}

/* ---- Call stacks: a lock-free table of the distinct ones seen. */
#define SITE_SLOTS 16384
#define SITE_DEPTH 8
typedef struct site {
    _Atomic unsigned long long key; /* 0: free */
    long first;                     /* the allocation number that first had it */
    atomic_long count;
} site;
static site sites[SITE_SLOTS];
static atomic_int site_failed;
/* Set while the shim unwinds (the unwinder may allocate): those requests
 * are neither counted nor failed. */
static __thread int unwinding __attribute__((tls_model("initial-exec")));

UNCHECKED static unsigned long long mix(unsigned long long h, unsigned long long v)
{
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdULL;
}

/* The executable and the libraries loaded at start-up, taken when counting
 * starts (dladdr on every frame would cost more than the program). */
#define MAX_MODULES 64
static struct module {
    uintptr_t start, end;
    unsigned long long name;
} modules[MAX_MODULES];
static int module_count;

UNCHECKED static int note_module(struct dl_phdr_info *info, size_t size, void *unused)
{
    (void)size;
    (void)unused;
    if (module_count == MAX_MODULES)
        return 1;
    struct module *m = &modules[module_count];
    m->start = UINTPTR_MAX;
    m->end = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        uintptr_t from = info->dlpi_addr + ph->p_vaddr;
        if (from < m->start)
            m->start = from;
        if (from + ph->p_memsz > m->end)
            m->end = from + ph->p_memsz;
    }
    const char *name = info->dlpi_name ? strrchr(info->dlpi_name, '/') : NULL;
    name = name ? name + 1 : info->dlpi_name ? info->dlpi_name : "";
    m->name = 0xcbf29ce484222325ULL;
    for (; *name; name++)
        m->name = (m->name ^ (unsigned char)*name) * 0x100000001b3ULL;
    if (m->start < m->end)
        module_count++;
    return 0;
}

UNCHECKED static unsigned long long stack_key(void)
{
    void *frames[SITE_DEPTH];
    unwinding = 1;
    int depth = backtrace(frames, SITE_DEPTH);
    unwinding = 0;
    unsigned long long h = 0xcbf29ce484222325ULL;
    for (int i = 0; i < depth; i++) {
        uintptr_t at = (uintptr_t)frames[i];
        unsigned long long frame = 0; /* a library loaded later: unknown */
        for (int m = 0; m < module_count; m++)
            if (at >= modules[m].start && at < modules[m].end) {
                frame = mix(modules[m].name, at - modules[m].start);
                break;
            }
        h = mix(h, frame);
    }
    return h ? h : 1;
}

/* Count allocation n against its call stack; whether it is the first
 * allocation of the stack to fail. */
UNCHECKED static int note_site(long n)
{
    unsigned long long key = stack_key();
    for (unsigned long long i = key % SITE_SLOTS, probes = 0; probes < SITE_SLOTS;
         i = (i + 1) % SITE_SLOTS, probes++) {
        unsigned long long expected = 0;
        if (atomic_load(&sites[i].key) != key
            && !atomic_compare_exchange_strong(&sites[i].key, &expected, key)) {
            if (expected != key)
                continue;
        } else if (expected == 0 && atomic_load(&sites[i].count) == 0) {
            sites[i].first = n;
        }
        atomic_fetch_add(&sites[i].count, 1);
        break;
    }
    return key == fail_site && atomic_exchange(&site_failed, 1) == 0;
}

/* Set while this thread is inside dlopen (see the top). */
static __thread int loading __attribute__((tls_model("initial-exec")));

/* Whether this allocation is to fail (and count it). */
UNCHECKED static int should_fail(void)
{
    if (!atomic_load_explicit(&armed, memory_order_relaxed) || unwinding || loading ||
        !thread_started)
        return 0;
    long n = atomic_fetch_add(&allocations, 1) + 1;
    int fail = fail_at > 0 && (n == fail_at || (n > fail_at && persistent));
    /* Once the site has failed, stacks matter only to a report. */
    if ((sites_path || (fail_site && !atomic_load(&site_failed))) && note_site(n))
        fail = 1;
    else if (fail_site && persistent && atomic_load(&site_failed))
        fail = 1;
    if (!fail)
        return 0;
    if (trace) {
        void *frames[32];
        unwinding = 1;
        int depth = backtrace(frames, 32);
        (void)!syscall(SYS_write, 2, "failalloc: this allocation fails:\n", 34);
        backtrace_symbols_fd(frames, depth, 2);
        unwinding = 0;
    }
    atomic_fetch_add(&failures, 1);
    errno = ENOMEM;
    return 1;
}

UNCHECKED void *malloc(size_t size)
{
    resolve();
    if (!real_malloc)
        return arena_alloc(size);
    return should_fail() ? NULL : real_malloc(size);
}

UNCHECKED void *calloc(size_t count, size_t size)
{
    resolve();
    if (!real_malloc) {
        if (size && count > SIZE_MAX / size)
            return NULL;
        return arena_alloc(count * size);
    }
    return should_fail() ? NULL : real_calloc(count, size);
}

UNCHECKED void *realloc(void *p, size_t size)
{
    resolve();
    if (in_arena(p)) {
        /* Never happens in practice; move the block out of the arena. */
        void *q = malloc(size);
        if (q)
            memcpy(q, p, size < (size_t)(arena + sizeof arena - (unsigned char *)p)
                             ? size
                             : (size_t)(arena + sizeof arena - (unsigned char *)p));
        return q;
    }
    if (!real_malloc)
        return p ? NULL : arena_alloc(size);
    if (size > 0 && should_fail())
        return NULL;
    return real_realloc(p, size);
}

UNCHECKED void free(void *p)
{
    if (!p || in_arena(p))
        return;
    resolve();
    real_free(p);
}

UNCHECKED int posix_memalign(void **out, size_t alignment, size_t size)
{
    resolve();
    if (should_fail())
        return ENOMEM;
    return real_posix_memalign(out, alignment, size);
}

UNCHECKED void *aligned_alloc(size_t alignment, size_t size)
{
    resolve();
    return should_fail() ? NULL : real_aligned_alloc(alignment, size);
}

UNCHECKED void *memalign(size_t alignment, size_t size)
{
    resolve();
    if (!real_memalign)
        return aligned_alloc(alignment, size);
    return should_fail() ? NULL : real_memalign(alignment, size);
}

UNCHECKED void *valloc(size_t size)
{
    resolve();
    if (!real_valloc)
        return memalign((size_t)sysconf(_SC_PAGESIZE), size);
    return should_fail() ? NULL : real_valloc(size);
}

UNCHECKED void *pvalloc(size_t size)
{
    resolve();
    if (!real_pvalloc)
        return memalign((size_t)sysconf(_SC_PAGESIZE), size);
    return should_fail() ? NULL : real_pvalloc(size);
}

UNCHECKED char *strdup(const char *s)
{
    size_t length = strlen(s) + 1;
    char *copy = malloc(length);
    return copy ? memcpy(copy, s, length) : NULL;
}

UNCHECKED char *strndup(const char *s, size_t most)
{
    size_t length = strnlen(s, most);
    char *copy = malloc(length + 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, length);
    copy[length] = '\0';
    return copy;
}

/* ---- Not counted while a library is loaded. */
typedef void *dlopen_fn(const char *, int);

UNCHECKED void *dlopen(const char *file, int mode)
{
    static dlopen_fn *real_dlopen;
    if (!real_dlopen)
        *(void **)&real_dlopen = dlsym(RTLD_NEXT, "dlopen");
    loading++;
    void *handle = real_dlopen(file, mode);
    loading--;
    return handle;
}

/* ---- Counting starts in main(). */
int __libc_start_main(main_fn *main, int argc, char **argv, void (*init)(void), void (*fini)(void),
                      void (*rtld_fini)(void), void *stack_end);
static main_fn *real_main;

UNCHECKED static void report(void)
{
    atomic_store(&armed, 0); /* the report's own fopen is not counted */
    if (!report_path || !*report_path)
        return;
    FILE *f = fopen(report_path, "a");
    if (!f)
        return;
    fprintf(f, "allocations %ld failed %ld\n", (long)atomic_load(&allocations),
            (long)atomic_load(&failures));
    fclose(f);
}

UNCHECKED static void report_sites(void)
{
    atomic_store(&armed, 0);
    FILE *f = fopen(sites_path, "a");
    if (!f)
        return;
    for (size_t i = 0; i < SITE_SLOTS; i++)
        if (atomic_load(&sites[i].key))
            fprintf(f, "%016llx first %ld count %ld\n", (unsigned long long)sites[i].key,
                    sites[i].first, (long)atomic_load(&sites[i].count));
    fclose(f);
}

UNCHECKED static long env_number(const char *name)
{
    const char *s = getenv(name);
    if (!s || !*s)
        return 0;
    char *end;
    long v = strtol(s, &end, 10);
    return *end == '\0' && v > 0 ? v : 0;
}

UNCHECKED static int counted_main(int argc, char **argv, char **envp)
{
    resolve();
    fail_at = env_number("COPS_FAIL_ALLOC");
    persistent = env_number("COPS_FAIL_ALLOC_PERSIST") > 0;
    trace = env_number("COPS_FAIL_ALLOC_TRACE") > 0;
    report_path = getenv("COPS_FAIL_ALLOC_REPORT");
    const char *wanted = getenv("COPS_FAIL_ALLOC_SITE");
    fail_site = wanted && *wanted ? strtoull(wanted, NULL, 16) : 0;
    sites_path = getenv("COPS_FAIL_ALLOC_SITES");
    if (sites_path && !*sites_path)
        sites_path = NULL;
    if (fail_site || sites_path || trace) {
        /* The unwinder loads libgcc_s on its first use: before counting. */
        void *frames[2];
        backtrace(frames, 2);
        dl_iterate_phdr(note_module, NULL);
    }
    if (sites_path)
        atexit(report_sites);
    thread_started = 1;
    /* Registered before the program's own exit handlers, so it runs after
     * them and counts their allocations; LeakSanitizer's check, registered
     * earlier still, runs after it. */
    if (report_path && *report_path)
        atexit(report);
    atomic_store(&armed, 1);
    return real_main(argc, argv, envp);
}

int __libc_start_main(main_fn *main, int argc, char **argv, void (*init)(void), void (*fini)(void),
                      void (*rtld_fini)(void), void *stack_end)
{
    start_main_fn *real_start = (start_main_fn *)next_symbol("__libc_start_main", 1);
    real_main = main;
    return real_start(counted_main, argc, argv, init, fini, rtld_fini, stack_end);
}

/* ---- Threads: counted from their start routine on. */
typedef void *start_fn(void *);
typedef int pthread_create_fn(pthread_t *, const pthread_attr_t *, start_fn *, void *);
typedef struct thread_start {
    start_fn *routine;
    void *argument;
} thread_start;

UNCHECKED static void *counted_thread(void *opaque)
{
    thread_start start = *(thread_start *)opaque;
    thread_started = 1;
    free(opaque);
    return start.routine(start.argument);
}

UNCHECKED int pthread_create(pthread_t *thread, const pthread_attr_t *attributes, start_fn *routine,
                             void *argument)
{
    static pthread_create_fn *real_create;
    if (!real_create)
        real_create = (pthread_create_fn *)next_symbol("pthread_create", 1);
    thread_start *start = malloc(sizeof *start); /* counted: it may fail */
    if (!start)
        return EAGAIN;
    start->routine = routine;
    start->argument = argument;
    int rc = real_create(thread, attributes, counted_thread, start);
    if (rc != 0)
        free(start);
    return rc;
}
