/* SPDX-License-Identifier: BSD-3-Clause */
/** sipkit core: string views and error codes shared by every layer. */
#ifndef SIPKIT_CORE_H
#define SIPKIT_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/** Error codes; functions return 0 or the negated code. */
enum sk_err {
	SK_OK = 0,
	SK_EINVAL = 1,     /* bad argument */
	SK_ENOMEM = 2,     /* allocation failed or a fixed capacity is full */
	SK_EMALFORMED = 3, /* input violates the grammar */
	SK_ETOOBIG = 4,    /* input exceeds a configured limit */
	SK_EAGAIN = 5,     /* stream framing: more bytes are needed */
	SK_ENOTFOUND = 6,  /* lookup found nothing */
	SK_EIO = 7,        /* transport failure: refused, unreachable, reset, closed */
	SK_ETIMEDOUT = 8,  /* a transaction timer ran out */
	SK_ESTATE = 9,     /* not allowed in the current state */
	SK_EFULL = 10,     /* a bounded store or table is full: try again later */
	SK_ENOTSUP = 11,   /* valid input asking for something not supported (an algorithm) */
};

/** A non-owning view of bytes: never NUL-terminated, may contain NUL. */
struct sk_str {
	const char *p;
	size_t len;
};

#define SK_STR_NULL ((struct sk_str){NULL, 0})
/** A view of a string literal. */
#define SK_STR_LIT(s) ((struct sk_str){(s), sizeof(s) - 1})

/** A view of a NUL-terminated string (NULL gives the empty view). */
struct sk_str sk_str_c(const char *s);
/** True when the view refers to something (even of length 0). */
static inline bool sk_str_present(struct sk_str s)
{
	return s.p != NULL;
}
/** Byte-wise equality (inline: transaction and call lookups compare with it). */
static inline bool sk_str_eq(struct sk_str a, struct sk_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}
/** ASCII case-insensitive equality. */
bool sk_str_caseeq(struct sk_str a, struct sk_str b);
/** ASCII case-insensitive equality with a C string. */
bool sk_str_caseeq_c(struct sk_str a, const char *b);
/** Parses a decimal number of at most max; -SK_EMALFORMED or -SK_ETOOBIG. */
int sk_str_to_u64(struct sk_str s, uint64_t max, uint64_t *out);
/** Copies the view into dst as a C string, truncating; returns dst. */
char *sk_str_cpy(char *dst, size_t dstsize, struct sk_str s);

/** Human-readable name of an error code (positive or negative). */
const char *sk_strerror(int err);

/* ---- bounded formatting ------------------------------------------------ */

/**
 * Text appended to a caller's buffer, for the paths every message takes (a
 * status line, a branch, a Via, a Content-Length), where printf's parsing of
 * its format costs more than the text it makes. Nothing is written past
 * size - 1, the text stays NUL-terminated, and what does not fit is cut as
 * snprintf cuts it and sets overflow.
 */
struct sk_fmt {
	char *buf;
	size_t size; /* bytes of buf */
	size_t len;  /* bytes of text, at most size - 1 */
	bool overflow;
};

/** An empty text in buf (size 0: nothing is written, every append overflows). */
void sk_fmt_init(struct sk_fmt *f, char *buf, size_t size);
/** Appends the bytes of s (they may include NUL); inline: every number and word goes here. */
static inline void sk_fmt_str(struct sk_fmt *f, struct sk_str s)
{
	size_t room = f->size ? f->size - 1 - f->len : 0;
	size_t n = s.len;
	if (n > room) {
		n = room;
		f->overflow = true;
	}
	if (n)
		memcpy(f->buf + f->len, s.p, n);
	f->len += n;
	if (f->size)
		f->buf[f->len] = '\0';
}
/** Appends a C string (NULL: nothing). */
void sk_fmt_cstr(struct sk_fmt *f, const char *s);
/** Appends one byte. */
static inline void sk_fmt_char(struct sk_fmt *f, char c)
{
	sk_fmt_str(f, (struct sk_str){&c, 1});
}
/** Appends v in decimal ("%llu"). */
void sk_fmt_u64(struct sk_fmt *f, uint64_t v);
/** Appends v in lowercase hex, zero-padded to at least width digits ("%0*llx", width <= 16). */
void sk_fmt_hex(struct sk_fmt *f, uint64_t v, unsigned width);
/** The text's length in *len; -SK_ETOOBIG when something was cut (*len is what was kept). */
int sk_fmt_done(const struct sk_fmt *f, size_t *len);

/* ---- clocks -------------------------------------------------------------- */

/**
 * A monotonic clock in milliseconds. Nothing outside src/core reads the OS
 * clock: a stack takes its time from one of these, so tests run on a virtual
 * clock that they move themselves.
 */
struct sk_clock;

/** The real monotonic clock (CLOCK_MONOTONIC). */
int sk_clock_new_real(struct sk_clock **out);
/** A virtual clock that starts at start_ms and moves only when told. */
int sk_clock_new_virtual(struct sk_clock **out, uint64_t start_ms);
/** Frees a clock (NULL-safe). */
void sk_clock_free(struct sk_clock *c);
/** The current time in milliseconds. */
uint64_t sk_clock_now(const struct sk_clock *c);
/** True for a virtual clock. */
bool sk_clock_is_virtual(const struct sk_clock *c);
/**
 * Wall-clock time in microseconds since 1970 (CLOCK_REALTIME), for timestamps that
 * leave the process (captures, logs), never for timers; a virtual clock gives its
 * own time, so what a test writes does not depend on the day it runs.
 */
int64_t sk_clock_wall_us(const struct sk_clock *c);
/** Moves a virtual clock to ms (never backwards): 0, or -SK_EINVAL. */
int sk_clock_set(struct sk_clock *c, uint64_t ms);

/* ---- timers -------------------------------------------------------------- */

/** A timer callback; it may start or stop any timer, itself included. */
typedef void (*sk_timer_fn)(void *arg);

/**
 * A timer, embedded in its owner (no allocation per timer). The fields are the
 * timer set's own: use the functions below.
 */
struct sk_timer {
	sk_timer_fn fn;
	void *arg;
	struct sk_timer *next, *prev; /* its lane's, in start order (src/core/timer.c) */
	uint64_t deadline, seq;       /* in a lane; a heap timer's key lives in the heap */
	uint32_t slot;                /* heap position + 1, 0 when not in the heap */
	uint8_t lane;                 /* lane + 1, 0 when in none */
};

/** A set of pending timers on one clock, ordered by (deadline, start order). */
struct sk_timers;

int sk_timers_new(struct sk_timers **out, struct sk_clock *clock);
/** Frees the set; pending timers are forgotten, not fired (NULL-safe). */
void sk_timers_free(struct sk_timers *ts);
/** Prepares a timer; call once before the first start. */
void sk_timer_init(struct sk_timer *t, sk_timer_fn fn, void *arg);
/** Starts (or restarts) t to fire delay_ms from now: 0 or -SK_ENOMEM. */
int sk_timer_start(struct sk_timers *ts, struct sk_timer *t, uint64_t delay_ms);
/** Stops t if it is pending (safe on a stopped timer). */
void sk_timer_stop(struct sk_timers *ts, struct sk_timer *t);
/** True while t is pending. */
bool sk_timer_pending(const struct sk_timer *t);
/** Milliseconds until t fires (0 when due), -1 when it is not pending. */
int64_t sk_timer_remaining(const struct sk_timers *ts, const struct sk_timer *t);
/**
 * The set's time: a real clock as last read by sk_timers_update_time (the loop
 * does it once per iteration, as libuv's uv__update_time), a virtual clock as
 * it stands. Timers start from it.
 */
uint64_t sk_timers_now(const struct sk_timers *ts);
/** Reads the clock into the set's time. */
void sk_timers_update_time(struct sk_timers *ts);
/** Number of pending timers. */
size_t sk_timers_count(const struct sk_timers *ts);
/**
 * Milliseconds until the next deadline (0 when one is due), -1 when none is pending.
 * Not how long a loop should sleep: that is sk_timers_wake_in.
 */
int64_t sk_timers_next_in(const struct sk_timers *ts);
/**
 * How long a real loop may sleep: sk_timers_next_in, but when the next timer is one
 * of 1 s or more, up to a few ms after its deadline, so that such timers ending close
 * together fire in one wake-up (order is kept: whatever is due fires in order).
 */
int64_t sk_timers_wake_in(const struct sk_timers *ts);
/** Fires every timer due at the set's time, in order; returns how many fired. */
size_t sk_timers_run(struct sk_timers *ts);
/** The same, max timers at most: those left are still due (sk_timers_next_in gives 0). */
size_t sk_timers_run_max(struct sk_timers *ts, size_t max);
/**
 * Virtual clock only: moves the clock forward by ms, stopping at each deadline
 * on the way to fire what is due then, so that callbacks see the time they were
 * set for. Returns how many fired.
 */
size_t sk_timers_advance(struct sk_timers *ts, uint64_t ms);

/* ---- event loop ---------------------------------------------------------- */

enum sk_io_events {
	SK_IO_READ = 1 << 0,
	SK_IO_WRITE = 1 << 1,
	SK_IO_ERROR = 1 << 2, /* error or hang-up; always reported */
};

/** Called with the events that are ready. It may delete or re-arm any watcher. */
typedef void (*sk_io_fn)(void *arg, unsigned events);

/** A file-descriptor watcher, embedded in its owner. Fields are the loop's own. */
struct sk_io {
	int fd;
	unsigned events;
	sk_io_fn fn;
	void *arg;
	bool active;
};

/**
 * A single-threaded event loop (epoll) with the timers of one clock. On a
 * virtual clock it never waits: time moves only through sk_timers_advance.
 */
struct sk_loop;

int sk_loop_new(struct sk_loop **out, struct sk_clock *clock);
/** Frees the loop; watchers and timers still registered are forgotten (NULL-safe). */
void sk_loop_free(struct sk_loop *loop);
/** The loop's timer set. */
struct sk_timers *sk_loop_timers(struct sk_loop *loop);
/** Watches fd for events (SK_IO_READ / SK_IO_WRITE): 0 or -errno. */
int sk_loop_io_add(struct sk_loop *loop, struct sk_io *io, int fd, unsigned events, sk_io_fn fn,
                   void *arg);
/** Changes the events watched: 0 or -errno. */
int sk_loop_io_mod(struct sk_loop *loop, struct sk_io *io, unsigned events);
/** Stops watching (safe on an inactive watcher, also from a callback). */
void sk_loop_io_del(struct sk_loop *loop, struct sk_io *io);
/** Work a loop's user does once per pass instead of once per event. */
typedef void (*sk_loop_hook_fn)(void *arg);

/** A pass hook, embedded in its owner. Fields are the loop's own. */
struct sk_loop_hook {
	sk_loop_hook_fn fn;
	void *arg;
	struct sk_loop_hook *next;
	bool active;
};

/**
 * Runs fn at the end of every pass and before the loop waits (what was done
 * between two passes is then also seen to): datagrams queued during a pass
 * leave together (issue 16), a log is written once per pass. A hook may
 * delete itself from fn, not another hook.
 */
int sk_loop_hook_add(struct sk_loop *loop, struct sk_loop_hook *h, sk_loop_hook_fn fn, void *arg);
/** Stops running h (safe on an inactive hook). */
void sk_loop_hook_del(struct sk_loop *loop, struct sk_loop_hook *h);
/**
 * One iteration: waits for I/O at most timeout_ms (-1: until the next timer; a
 * virtual clock never waits), dispatches ready watchers, then due timers.
 * Returns the number of callbacks run, or -errno.
 */
int sk_loop_run_once(struct sk_loop *loop, int timeout_ms);
/**
 * Runs passes while keep(arg) holds and, if max_ms is not 0, for max_ms of the
 * loop's clock at most; keep is asked again at least every poll_ms (a signal's
 * flag). Each pass waits as sk_loop_run_once(loop, poll_ms) does: until I/O, the
 * poll, or sk_timers_wake_in. A caller that shortened the wait itself to the next
 * deadline (sk_timers_next_in) would wake once per timer of 1 s or more instead of
 * once per few ms of them (issue 16: a wake-up per Timer D of every call).
 */
void sk_loop_run_while(struct sk_loop *loop, bool (*keep)(void *arg), void *arg, uint64_t max_ms,
                       int poll_ms);

/* ---- random numbers ------------------------------------------------------ */

/**
 * A small fast generator (xoshiro256**), one per stack: branches and tags are
 * unique because it is seeded from the OS (sk_rng_seed_os), and a test that
 * seeds it with a number replays identically.
 */
struct sk_rng {
	uint64_t s[4];
};

/** Seeds from a number (tests, simnet). */
void sk_rng_seed(struct sk_rng *r, uint64_t seed);
/** Seeds from the OS entropy source: 0 or -SK_EAGAIN. */
int sk_rng_seed_os(struct sk_rng *r);
/** The next 64 random bits. */
uint64_t sk_rng_next(struct sk_rng *r);
/** A uniform value in [0, n) (n > 0). */
uint64_t sk_rng_below(struct sk_rng *r, uint64_t n);

/* ---- keyed hashing and the hash table ------------------------------------ */

/**
 * A 128-bit SipHash key. Every table keyed by values a peer chooses (branch,
 * Call-ID, tags, AOR, source address) hashes under a secret key like this one,
 * so nobody outside can aim many keys at one chain.
 */
struct sk_hash_key {
	uint64_t k0, k1;
};

/** Draws a key from a generator seeded from the OS (a stack's sk_rng). */
void sk_hash_key_from_rng(struct sk_hash_key *key, struct sk_rng *r);
/**
 * Draws a key from the OS entropy source: 0, or -SK_EAGAIN when none could be
 * read; the key is usable either way but then weak (from addresses).
 */
int sk_hash_key_from_os(struct sk_hash_key *key);

/** SipHash-c-d of p[0..len) (64-bit output); tables use sk_hash. */
uint64_t sk_siphash(const struct sk_hash_key *key, int c, int d, const void *p, size_t len);
/** SipHash-1-3 of p[0..len): the hash of every table. */
uint64_t sk_hash(const struct sk_hash_key *key, const void *p, size_t len);
/** sk_hash of p with A-Z read as a-z: for tokens compared without case (branch, §7.3.1). */
uint64_t sk_hash_case(const struct sk_hash_key *key, const void *p, size_t len);

/** An incremental SipHash-1-3, for keys made of several fields. Fields are the hash's own. */
struct sk_hash_state {
	uint64_t v[4];
	uint64_t tail;  /* bytes not yet in a full 8-byte word, little-endian */
	uint64_t total; /* bytes fed */
};

/** Starts a hash; init, update(p, len), final gives sk_hash(key, p, len). */
void sk_hash_init(struct sk_hash_state *s, const struct sk_hash_key *key);
/** Feeds raw bytes (no separation: ("ab", "c") hashes like ("a", "bc")). */
void sk_hash_update(struct sk_hash_state *s, const void *p, size_t len);
/** Feeds a field, length first: ("ab", "c") and ("a", "bc") differ. */
void sk_hash_field(struct sk_hash_state *s, struct sk_str v);
/** sk_hash_field with A-Z read as a-z. */
void sk_hash_field_case(struct sk_hash_state *s, struct sk_str v);
/** Feeds a number (8 bytes, little-endian): a CSeq number, a port. */
void sk_hash_u64(struct sk_hash_state *s, uint64_t v);
/** The hash of everything fed (the state may be fed further). */
uint64_t sk_hash_final(const struct sk_hash_state *s);

/** The object that embeds member at ptr (through void *: no alignment warning). */
#define sk_container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/** A table entry, embedded in its owner; the fields are the table's own. */
struct sk_hnode {
	struct sk_hnode *next;
	uint64_t hash;
};

/**
 * An intrusive chained hash table that grows incrementally: no operation does
 * work in proportion to the number of entries (see src/core/hash.c for what
 * each costs). It holds nodes, never allocates or frees them.
 */
struct sk_htab {
	struct sk_hnode **b[2]; /* b[0] the table; b[1] its double while growing, else NULL */
	size_t mask[2];         /* bucket count - 1 */
	size_t count;
	size_t rehash;    /* while growing: b[0][0..rehash) are moved to b[1] */
	size_t moved_max; /* the most buckets one insert moved (tests) */
};

/** Prepares a table sized for expected entries: 0 or -SK_ENOMEM. */
int sk_htab_init(struct sk_htab *t, size_t expected);
/** Frees the bucket arrays, not the nodes (NULL-safe). */
void sk_htab_free(struct sk_htab *t);
/** Adds n under hash (duplicates allowed: the caller looks first if it must). */
void sk_htab_insert(struct sk_htab *t, struct sk_hnode *n, uint64_t hash);
/** Removes n, which must be in t. */
void sk_htab_remove(struct sk_htab *t, struct sk_hnode *n);
/** The first node with this hash (a candidate: the caller compares its key), or NULL. */
struct sk_hnode *sk_htab_first(const struct sk_htab *t, uint64_t hash);
/** The next candidate after n with the same hash, or NULL. */
struct sk_hnode *sk_htab_next(const struct sk_hnode *n);
/** True when n holds the key ctx points to. */
typedef bool (*sk_htab_eq_fn)(const struct sk_hnode *n, const void *ctx);
/** The first node with this hash for which eq(node, ctx) holds, or NULL. */
struct sk_hnode *sk_htab_find(const struct sk_htab *t, uint64_t hash, sk_htab_eq_fn eq,
                              const void *ctx);
/** Number of nodes held. */
static inline size_t sk_htab_count(const struct sk_htab *t)
{
	return t->count;
}

/** A walk over every node; fields are the walk's own. */
struct sk_htab_iter {
	const struct sk_htab *t;
	size_t table, bucket;
	struct sk_hnode *next;
};

/**
 * Walks all nodes, each once, in no particular order: for (n = first; n; n =
 * next). The node just returned may be removed or freed; nothing else may be
 * inserted or removed until the walk ends.
 */
struct sk_hnode *sk_htab_iter_first(struct sk_htab_iter *it, const struct sk_htab *t);
struct sk_hnode *sk_htab_iter_next(struct sk_htab_iter *it);

/** Called by sk_htab_scan for each node; it may remove or free that node, no other. */
typedef void (*sk_htab_visit_fn)(void *arg, struct sk_hnode *n);
/**
 * A resumable walk in small steps: visits the nodes of one bucket (and, while
 * the table grows, of the two it splits into) and returns the cursor of the
 * next step; starting from 0, the cursor comes back to 0 once every node held
 * throughout has been visited at least once, inserts and growth in between
 * notwithstanding. For sweeps that must stay O(1) per operation.
 */
size_t sk_htab_scan(struct sk_htab *t, size_t cursor, sk_htab_visit_fn fn, void *arg);

/* ---- logging ------------------------------------------------------------- */

enum sk_log_level { SK_LOG_ERR, SK_LOG_WARN, SK_LOG_INFO, SK_LOG_DEBUG };

/**
 * Rate limiting of log lines (a stranger's garbage must not write a line per
 * datagram). The kind of a line is its call site: its format string and level.
 * Each kind has a token bucket: burst lines at once, then rate lines per
 * second; the lines over it are counted, not written, and the next line of the
 * kind that is written ends with how many were suppressed. A fixed table of
 * kinds, O(1) per line, no allocation per line; kinds beyond the table share
 * one budget. Time is the timer set's (the loop's cached time, or a virtual
 * clock). One limiter per stack or program, used from its loop's thread.
 */
struct sk_log_limiter;

struct sk_log_limits {
	const struct sk_timers *timers; /* the clock (required) */
	uint32_t burst;                 /* lines a kind writes at once; 0: 10 */
	uint32_t rate;                  /* lines per second a kind earns back; 0: 1 */
	uint32_t err_burst;             /* the same for SK_LOG_ERR lines; 0: 50 */
	uint32_t err_rate;              /* 0: 5 */
	uint32_t kinds;                 /* kinds told apart; 0: 64 (at most 4096) */
};

#define SK_LOG_BURST     10
#define SK_LOG_RATE      1
#define SK_LOG_ERR_BURST 50
#define SK_LOG_ERR_RATE  5
#define SK_LOG_KINDS     64

/** Counters of a limiter. */
struct sk_log_limiter_stats {
	uint64_t written;    /* lines let through */
	uint64_t suppressed; /* lines counted and not written */
	uint64_t shared;     /* lines of kinds that found no slot (the shared budget) */
	size_t kinds;        /* slots in use */
};

/** A limiter with these limits: 0, -SK_EINVAL (no timers, too many kinds) or -SK_ENOMEM. */
int sk_log_limiter_new(struct sk_log_limiter **out, const struct sk_log_limits *lim);
/** Frees a limiter (NULL-safe); the logs pointing to it must not be used after. */
void sk_log_limiter_free(struct sk_log_limiter *l);
/** Its counters (all zero for NULL). */
struct sk_log_limiter_stats sk_log_limiter_stats(const struct sk_log_limiter *l);

/** Where a stack's log lines go; fn NULL drops them. */
struct sk_log {
	void (*fn)(void *arg, enum sk_log_level level, const char *line);
	void *arg;
	enum sk_log_level max;          /* lines above this level are not formatted */
	struct sk_log_limiter *limiter; /* NULL: every line is written (tests) */
};

/**
 * Formats one line and hands it to log->fn (NULL log: nothing), unless the
 * limiter suppresses it; fmt is the kind, so pass a literal.
 */
void sk_logf(const struct sk_log *log, enum sk_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Lines the log's limiter suppressed so far (0 without one). */
uint64_t sk_log_suppressed_total(const struct sk_log *log);

#endif
