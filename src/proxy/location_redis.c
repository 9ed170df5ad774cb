/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Redis location store: bindings that survive a restart of the proxy and
 * that several proxies share (behind DNS SRV, each reaches a phone registered
 * through any other). The connection, its deadlines and its circuit breaker
 * are redis_conn.c's; this file is the data model.
 *
 * Keys (under the prefix sipkit:loc:):
 *   sipkit:loc:{AOR}           a set: the escaped contacts of the AOR
 *   sipkit:loc:{AOR}:CONTACT   a hash per binding: c (contact URI), i (Call-ID),
 *                              s (CSeq), q (q * 1000), src (address:port), tp
 * AOR and CONTACT are escaped: every byte outside [A-Za-z0-9._@-] is %XX, so
 * neither holds ':', '{', '}' or a glob character, and no AOR, however hostile,
 * names another AOR's keys or makes a key that SCAN's pattern mistakes for a
 * set. The braces are a Redis Cluster hash tag: an AOR's keys share a slot.
 *
 * Expiry is Redis's own: each binding's hash expires with its Expires (PEXPIRE),
 * the set at the latest of its bindings; no sweeper. Redis keeps relative
 * times (PTTL), the proxy absolute ones on its stack clock: converted on each
 * read (expires_at = now + PTTL) and write (PEXPIRE expires_at - now), so
 * restarted proxies and several proxies agree without any wall clock. Set
 * members whose hash has expired are dropped by the next script that meets
 * them.
 *
 * Each operation is one EVAL (Lua runs atomically in Redis): a lookup reads
 * the set and every binding in one round trip; a put checks the per-AOR limit
 * against the live bindings and writes in the same step, so two proxies
 * registering one AOR at once cannot both pass the limit. (A REGISTER is
 * still a lookup and then puts: two REGISTERs of one AOR through two proxies
 * at the same moment may interleave, as with any shared usrloc; the
 * Call-ID/CSeq order of §10.3 step 7 is checked against what the lookup saw.)
 *
 * Equal q values are ordered by contact text (Redis sets have no order), so
 * the same bindings always come back in the same order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "location_redis.h"
#include "proxy_int.h"

#define LR_PREFIX       "sipkit:loc:"
#define LR_KEY_MAX      (sizeof(LR_PREFIX) + 2 + 3 * 256 + 1 + 3 * 256 + 1)
#define LR_FIELDS       7   /* per binding in a lookup's reply: six fields and the PTTL */
#define LR_MAX_BINDINGS 64  /* per AOR: a lookup's reply stays small */
#define LR_SCAN_COUNT   64  /* SCAN's COUNT hint per step */
#define LR_SCAN_CALLS   16  /* SCAN calls per list step at most */
#define LR_LIST_BUDGET  250 /* ms a list step may take (one round trip per AOR) */

enum lr_script { LR_LOOKUP, LR_PUT, LR_REMOVE, LR_NSCRIPTS };

struct loc_redis {
	struct sk_redis *conn;
	char sha[LR_NSCRIPTS][41]; /* SHA1 of each script as the server loaded it, "" unknown */
	const struct sk_clock *clock;
	const struct sk_log *log;
	size_t max_bindings;
};

/* KEYS[1] the set; ARGV[1] the most to return. Flat: c, i, s, q, src, tp, pttl per binding. */
static const char LUA_LOOKUP[] =
    "local out, n = {}, 0\n"
    "for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
    "  local k = KEYS[1] .. ':' .. m\n"
    "  local t = redis.call('PTTL', k)\n"
    "  if t <= 0 then redis.call('SREM', KEYS[1], m)\n"
    "  elseif n < tonumber(ARGV[1]) then\n"
    "    local v = redis.call('HMGET', k, 'c', 'i', 's', 'q', 'src', 'tp')\n"
    "    for j = 1, 6 do out[#out + 1] = v[j] or '' end\n"
    "    out[#out + 1] = t\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "return out\n";

/* KEYS[1] the set; ARGV: contact key part, ttl ms, max bindings, c, i, s, q, src, tp.
 * 1: stored; 0: the AOR has max other live bindings. */
static const char LUA_PUT[] =
    "local set, ttl = KEYS[1], tonumber(ARGV[2])\n"
    "local keep, others = ttl, 0\n"
    "for _, m in ipairs(redis.call('SMEMBERS', set)) do\n"
    "  if m ~= ARGV[1] then\n"
    "    local t = redis.call('PTTL', set .. ':' .. m)\n"
    "    if t <= 0 then redis.call('SREM', set, m)\n"
    "    else others = others + 1; if t > keep then keep = t end end\n"
    "  end\n"
    "end\n"
    "if others >= tonumber(ARGV[3]) then return 0 end\n"
    "local k = set .. ':' .. ARGV[1]\n"
    "redis.call('DEL', k)\n"
    "redis.call('HSET', k, 'c', ARGV[4], 'i', ARGV[5], 's', ARGV[6], 'q', ARGV[7],\n"
    "           'src', ARGV[8], 'tp', ARGV[9])\n"
    "redis.call('PEXPIRE', k, ttl)\n"
    "redis.call('SADD', set, ARGV[1])\n"
    "redis.call('PEXPIRE', set, keep)\n"
    "return 1\n";

/* KEYS[1] the set; ARGV[1] the contact key part, '' for all of them. */
static const char LUA_REMOVE[] = "if ARGV[1] ~= '' then\n"
                                 "  redis.call('DEL', KEYS[1] .. ':' .. ARGV[1])\n"
                                 "  redis.call('SREM', KEYS[1], ARGV[1])\n"
                                 "  return 1\n"
                                 "end\n"
                                 "for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
                                 "  redis.call('DEL', KEYS[1] .. ':' .. m)\n"
                                 "end\n"
                                 "redis.call('DEL', KEYS[1])\n"
                                 "return 1\n";

static const char *const lr_scripts[LR_NSCRIPTS] = {LUA_LOOKUP, LUA_PUT, LUA_REMOVE};

/* ---- keys ------------------------------------------------------------------------- */

static bool keeps(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '@' || c == '-';
}

/* s escaped into out: the length, or 0 when it does not fit (or s is empty). */
static size_t escape(char *out, size_t size, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (n + 4 > size)
			return 0;
		if (keeps(c)) {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
	return n;
}

static int hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The AOR of a set key as SCAN gave it ("sipkit:loc:{ESC}"): 0, or -1 for another key. */
static int aor_of_key(const char *key, size_t len, char *aor, size_t size)
{
	size_t pl = sizeof(LR_PREFIX) - 1, n = 0;
	if (len < pl + 3 || memcmp(key, LR_PREFIX "{", pl + 1) || key[len - 1] != '}')
		return -1;
	for (size_t i = pl + 1; i < len - 1; i++) {
		char c = key[i];
		if (c == '%') {
			int hi = i + 2 < len - 1 ? hexdigit(key[i + 1]) : -1;
			int lo = hi >= 0 ? hexdigit(key[i + 2]) : -1;
			if (lo < 0)
				return -1;
			c = (char)(hi * 16 + lo);
			i += 2;
		} else if (!keeps((unsigned char)c)) {
			return -1;
		}
		if (!c || n + 1 >= size)
			return -1;
		aor[n++] = c;
	}
	aor[n] = '\0';
	return n ? 0 : -1;
}

static int set_key(char *out, size_t size, const char *aor)
{
	char esc[3 * PROXY_AOR_MAX + 1];
	if (!aor || !escape(esc, sizeof(esc), aor))
		return -SK_EINVAL;
	int n = snprintf(out, size, LR_PREFIX "{%s}", esc);
	return n > 0 && (size_t)n < size ? 0 : -SK_EINVAL;
}

/* ---- the scripts -------------------------------------------------------------------- */

/* SCRIPT LOAD: the script's SHA1 into sha (41 bytes), or -SK_EIO. */
static int load_script(struct loc_redis *s, const char *script, char *sha)
{
	const char *argv[] = {"SCRIPT", "LOAD", script};
	size_t lens[] = {6, 4, strlen(script)};
	redisReply *rep;
	int rc = sk_redis_command(s->conn, 3, argv, lens, &rep);
	if (rc < 0)
		return rc;
	rc = rep->type == REDIS_REPLY_STRING && rep->len == 40 ? 0 : -SK_EIO;
	if (rc == 0)
		memcpy(sha, rep->str, 41);
	freeReplyObject(rep);
	return rc;
}

/*
 * EVALSHA of a script, loaded first when its SHA1 is not known yet or the
 * server lost it (NOSCRIPT: a restarted Redis): the script's text crosses
 * once per connection, not with every operation. The reply, or -SK_EIO (down,
 * or an error reply).
 */
static int eval(struct loc_redis *s, enum lr_script which, const char *key, int nargs,
                const char **args, redisReply **reply)
{
	char *sha = s->sha[which];
	const char *argv[16] = {"EVALSHA", sha, "1", key};
	size_t lens[16] = {7, 40, 1, strlen(key)};
	for (int i = 0; i < nargs && i < 12; i++) {
		argv[4 + i] = args[i];
		lens[4 + i] = strlen(args[i]);
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		int rc = sha[0] ? 0 : load_script(s, lr_scripts[which], sha);
		if (rc == 0)
			rc = sk_redis_command(s->conn, 4 + nargs, argv, lens, reply);
		if (rc < 0)
			return rc;
		if ((*reply)->type != REDIS_REPLY_ERROR)
			return 0;
		bool lost = (*reply)->str && !strncmp((*reply)->str, "NOSCRIPT", 8);
		if (!lost || attempt) {
			sk_logf(s->log, SK_LOG_ERR, "location: redis %s: %.200s",
			        sk_redis_name(s->conn), (*reply)->str ? (*reply)->str : "error");
		}
		freeReplyObject(*reply);
		*reply = NULL;
		sha[0] = '\0';
		if (!lost)
			break;
	}
	return -SK_EIO;
}

/* A string element copied into a field of size bytes: false when absent or too long. */
static bool copy_field(char *dst, size_t size, const redisReply *e)
{
	if (e->type != REDIS_REPLY_STRING || e->len >= size || memchr(e->str, '\0', e->len))
		return false;
	memcpy(dst, e->str, e->len);
	dst[e->len] = '\0';
	return true;
}

static bool number_field(const redisReply *e, unsigned long max, unsigned long *out)
{
	char buf[16];
	if (!copy_field(buf, sizeof(buf), e) || !buf[0] || strspn(buf, "0123456789") != e->len)
		return false;
	errno = 0;
	*out = strtoul(buf, NULL, 10);
	return errno == 0 && *out <= max;
}

/* One binding of a lookup's reply (e[0..LR_FIELDS)), checked: false to skip it. */
static bool parse_binding(struct sk_binding *b, redisReply **e, uint64_t now)
{
	unsigned long cseq, q;
	memset(b, 0, sizeof(*b));
	if (!copy_field(b->contact, sizeof(b->contact), e[0]) || !b->contact[0] ||
	    !copy_field(b->call_id, sizeof(b->call_id), e[1]) ||
	    !number_field(e[2], UINT32_MAX, &cseq) || !number_field(e[3], 1000, &q) ||
	    !copy_field(b->source, sizeof(b->source), e[4]) ||
	    !copy_field(b->transport, sizeof(b->transport), e[5]) ||
	    e[6]->type != REDIS_REPLY_INTEGER || e[6]->integer <= 0 ||
	    e[6]->integer > (long long)UINT32_MAX * 1000)
		return false;
	b->cseq = (uint32_t)cseq;
	b->q = (uint16_t)q;
	b->expires_at = now + (uint64_t)e[6]->integer;
	return true;
}

static int by_q_then_contact(const void *a, const void *b)
{
	const struct sk_binding *x = a, *y = b;
	if (x->q != y->q)
		return x->q > y->q ? -1 : 1;
	return strcmp(x->contact, y->contact);
}

/*
 * The bindings of a lookup script's reply into out[0..max), by q descending
 * then contact: the count, or -SK_EIO for a reply of the wrong shape; bindings
 * with a field that is missing, too long or out of range are skipped and
 * counted in *bad.
 */
int sk_location_redis_bindings(const redisReply *rep, uint64_t now, struct sk_binding *out,
                               size_t max, size_t *bad)
{
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements % LR_FIELDS)
		return -SK_EIO;
	size_t n = 0;
	*bad = 0;
	for (size_t i = 0; i + LR_FIELDS <= rep->elements && n < max; i += LR_FIELDS) {
		if (parse_binding(&out[n], &rep->element[i], now))
			n++;
		else
			(*bad)++;
	}
	qsort(out, n, sizeof(*out), by_q_then_contact);
	return (int)n;
}

/* The bindings of the set key into out[0..max): the count, or -SK_EIO. */
static int read_set(struct loc_redis *s, const char *key, uint64_t now, struct sk_binding *out,
                    size_t max)
{
	char most[24];
	snprintf(most, sizeof(most), "%zu", max < LR_MAX_BINDINGS ? max : LR_MAX_BINDINGS);
	const char *args[] = {most};
	redisReply *rep;
	int rc = eval(s, LR_LOOKUP, key, 1, args, &rep);
	if (rc < 0)
		return rc;
	size_t bad = 0;
	int n = sk_location_redis_bindings(rep, now, out, max, &bad);
	freeReplyObject(rep);
	if (n < 0)
		sk_logf(s->log, SK_LOG_ERR,
		        "location: redis %s: a lookup's reply has the wrong shape",
		        sk_redis_name(s->conn));
	else if (bad)
		sk_logf(s->log, SK_LOG_WARN,
		        "location: redis: %s: %zu malformed binding(s) skipped", key, bad);
	return n;
}

/* ---- the operations -------------------------------------------------------------------- */

static int redis_lookup(void *st, const char *aor, uint64_t now, struct sk_binding *out, size_t max)
{
	struct loc_redis *s = st;
	char key[LR_KEY_MAX];
	if (set_key(key, sizeof(key), aor) < 0 || !max || !out)
		return 0; /* an AOR no binding can have */
	return read_set(s, key, now, out, max);
}

static int redis_remove(void *st, const char *aor, const char *contact)
{
	struct loc_redis *s = st;
	char key[LR_KEY_MAX], esc[3 * sizeof(((struct sk_binding *)0)->contact) + 1] = "";
	if (set_key(key, sizeof(key), aor) < 0)
		return 0;
	if (contact && !escape(esc, sizeof(esc), contact))
		return 0; /* no binding has such a contact */
	const char *args[] = {esc};
	redisReply *rep;
	int rc = eval(s, LR_REMOVE, key, 1, args, &rep);
	if (rc == 0)
		freeReplyObject(rep);
	return rc;
}

static int redis_put(void *st, const char *aor, const struct sk_binding *b)
{
	struct loc_redis *s = st;
	char key[LR_KEY_MAX], contact[3 * sizeof(b->contact) + 1];
	if (!b || !memchr(b->contact, '\0', sizeof(b->contact)) ||
	    !memchr(b->call_id, '\0', sizeof(b->call_id)) ||
	    !memchr(b->source, '\0', sizeof(b->source)) ||
	    !memchr(b->transport, '\0', sizeof(b->transport)) || !b->contact[0])
		return -SK_EINVAL;
	if (set_key(key, sizeof(key), aor) < 0)
		return -SK_ETOOBIG;
	if (!escape(contact, sizeof(contact), b->contact))
		return -SK_EINVAL;
	uint64_t now = sk_clock_now(s->clock);
	if (b->expires_at <= now) /* already expired: as good as removed */
		return redis_remove(st, aor, b->contact);
	char ttl[24], max[24], cseq[16], q[8];
	snprintf(ttl, sizeof(ttl), "%llu", (unsigned long long)(b->expires_at - now));
	snprintf(max, sizeof(max), "%zu", s->max_bindings);
	snprintf(cseq, sizeof(cseq), "%u", (unsigned)b->cseq);
	snprintf(q, sizeof(q), "%u", (unsigned)(b->q > 1000 ? 1000 : b->q));
	const char *args[] = {contact, ttl, max,       b->contact,  b->call_id,
	                      cseq,    q,   b->source, b->transport};
	redisReply *rep;
	int rc = eval(s, LR_PUT, key, 9, args, &rep);
	if (rc < 0)
		return rc;
	rc = rep->type == REDIS_REPLY_INTEGER ? (rep->integer == 1 ? 0 : -SK_ETOOBIG) : -SK_EIO;
	freeReplyObject(rep);
	return rc;
}

/* Lists the bindings of the set keys of one SCAN page: 0, -SK_EIO, or -SK_ETIMEDOUT when
 * the step's time ran out before the page's end (a Redis answering, slowly). */
static int list_page(struct loc_redis *s, const redisReply *keys, uint64_t now,
                     sk_location_list_fn fn, void *arg, size_t *listed, uint64_t deadline)
{
	for (size_t i = 0; i < keys->elements; i++) {
		if (sk_clock_now(s->clock) > deadline)
			return -SK_ETIMEDOUT;
		const redisReply *k = keys->element[i];
		char aor[PROXY_AOR_MAX], key[LR_KEY_MAX];
		if (k->type != REDIS_REPLY_STRING || k->len >= sizeof(key) ||
		    aor_of_key(k->str, k->len, aor, sizeof(aor)) < 0)
			continue; /* not one of ours after all */
		memcpy(key, k->str, k->len);
		key[k->len] = '\0';
		struct sk_binding b[LR_MAX_BINDINGS];
		int n = read_set(s, key, now, b, LR_MAX_BINDINGS);
		if (n < 0)
			return n;
		for (int j = 0; j < n; j++)
			fn(arg, aor, &b[j]);
		*listed += (size_t)n;
	}
	return 0;
}

/* A step of SCAN 0 MATCH sipkit:loc:{*}: the set keys, never the binding keys. */
static int redis_list(void *st, uint64_t now, uint64_t *cursor, size_t max, sk_location_list_fn fn,
                      void *arg)
{
	struct loc_redis *s = st;
	if (!cursor || !fn || !max)
		return -SK_EINVAL;
	size_t listed = 0;
	uint64_t deadline = sk_clock_now(s->clock) + LR_LIST_BUDGET;
	for (int call = 0; call < LR_SCAN_CALLS && listed < max; call++) {
		char cur[24], count[8];
		snprintf(cur, sizeof(cur), "%llu", (unsigned long long)*cursor);
		snprintf(count, sizeof(count), "%d", LR_SCAN_COUNT);
		const char *argv[] = {"SCAN", cur, "MATCH", LR_PREFIX "{*}", "COUNT", count};
		size_t lens[6];
		for (int i = 0; i < 6; i++)
			lens[i] = strlen(argv[i]);
		redisReply *rep;
		int rc = sk_redis_command(s->conn, 6, argv, lens, &rep);
		if (rc < 0)
			return rc;
		unsigned long long next = 0;
		char *end = NULL;
		bool ok = rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
		          rep->element[0]->type == REDIS_REPLY_STRING && rep->element[0]->len > 0 &&
		          rep->element[0]->len < 21 &&
		          strspn(rep->element[0]->str, "0123456789") == rep->element[0]->len &&
		          rep->element[1]->type == REDIS_REPLY_ARRAY;
		if (ok) {
			errno = 0;
			next = strtoull(rep->element[0]->str, &end, 10);
			ok = errno == 0;
		}
		if (ok)
			rc = list_page(s, rep->element[1], now, fn, arg, &listed, deadline);
		freeReplyObject(rep);
		if (!ok)
			return -SK_EIO;
		if (rc < 0)
			return rc;
		*cursor = next;
		if (next == 0 || sk_clock_now(s->clock) > deadline)
			break;
	}
	return listed > INT32_MAX ? INT32_MAX : (int)listed;
}

static void redis_free(void *st)
{
	struct loc_redis *s = st;
	if (!s)
		return;
	sk_redis_free(s->conn);
	free(s);
}

static const struct sk_location_ops redis_ops = {
    .lookup = redis_lookup,
    .put = redis_put,
    .remove = redis_remove,
    .list = redis_list,
    .free = redis_free,
};

int sk_location_redis(struct sk_location *loc, const struct sk_location_redis_config *cfg)
{
	if (!loc || !cfg || !cfg->url || !cfg->clock || cfg->max_bindings > LR_MAX_BINDINGS)
		return -SK_EINVAL;
	struct loc_redis *s = calloc(1, sizeof(*s));
	if (!s)
		return -SK_ENOMEM;
	struct sk_redis_config rc = {.url = cfg->url,
	                             .clock = cfg->clock,
	                             .log = cfg->log,
	                             .connect_ms = cfg->connect_ms,
	                             .command_ms = cfg->command_ms,
	                             .backoff_ms = cfg->backoff_ms,
	                             .backoff_max_ms = cfg->backoff_max_ms,
	                             .breaker = cfg->breaker};
	int err = sk_redis_new(&s->conn, &rc);
	if (err < 0) {
		free(s);
		return err;
	}
	s->clock = cfg->clock;
	s->log = cfg->log;
	s->max_bindings = cfg->max_bindings ? cfg->max_bindings : 16;
	loc->ops = &redis_ops;
	loc->st = s;
	return 0;
}

/* Whether the store answers now (a PING): 0 or -SK_EIO. For a start-up check. */
int sk_location_redis_ping(const struct sk_location *loc)
{
	if (!loc || loc->ops != &redis_ops)
		return -SK_EINVAL;
	struct loc_redis *s = loc->st;
	const char *argv[] = {"PING"};
	size_t lens[] = {4};
	redisReply *rep;
	int rc = sk_redis_command(s->conn, 1, argv, lens, &rep);
	if (rc == 0) {
		rc = rep->type == REDIS_REPLY_STATUS ? 0 : -SK_EIO;
		freeReplyObject(rep);
	}
	return rc;
}
