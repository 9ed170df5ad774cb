/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Redis location store (src/proxy/location_redis.c, redis_conn.c) against
 * servers that are not Redis: a fake on loopback, in a child process, that
 * loads the store's scripts (SCRIPT LOAD: a SHA1) and answers the next
 * command with canned bytes. Every case ends in -SK_EIO or a
 * clean result, never a crash, a hang or an allocation the reply asked for:
 *  - an array header of two billion elements, a bulk string of a gigabyte
 *    that keeps coming, arrays nested deeper than hiredis follows, bytes that
 *    are not RESP, an error reply, a reply of the wrong type: -SK_EIO;
 *  - a lookup's reply of the right shape with hostile fields (a contact
 *    longer than a binding holds, a q over 1000, a PTTL that is not a
 *    number): those bindings are skipped, the good one is kept;
 *  - a server that accepts and never answers: -SK_EIO after the command's
 *    deadline; then the breaker is open: the next operation fails at once
 *    without a new connection (the listener sees exactly one);
 *  - two stores sharing a breaker (the workers'): one outage, one connection;
 *  - nobody listening: -SK_EIO, and bad URLs are refused at creation.
 * These run on the real clock: the deadlines are socket waits. No assertion
 * is about time.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sk_test.h"

#include "sipkit/proxy.h"

struct fake {
	int lfd;
	uint16_t port;
	pid_t child;
	struct sk_clock *clock;
	struct sk_location loc;
	char url[64];
};

static void fake_listen(struct fake *f)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->lfd >= 0);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(f->lfd, 8), 0);
	assert_int_equal(getsockname(f->lfd, (struct sockaddr *)&a, &al), 0);
	f->port = ntohs(a.sin_port);
	snprintf(f->url, sizeof(f->url), "redis://127.0.0.1:%u", (unsigned)f->port);
	assert_int_equal(sk_clock_new_real(&f->clock), 0);
	struct sk_location_redis_config rc = {
	    .url = f->url, .clock = f->clock, .command_ms = 300, .connect_ms = 300};
	assert_int_equal(sk_location_redis(&f->loc, &rc), 0);
}

/* The child: accepts one connection, reads the command, writes reply (repeat times,
 * forever when repeat is 0), then waits for the peer to go. */
static void fake_serve(struct fake *f, const char *reply, size_t len, int repeat)
{
	f->child = fork();
	assert_true(f->child >= 0);
	if (f->child > 0)
		return;
	signal(SIGPIPE, SIG_IGN);
	int c = accept(f->lfd, NULL, NULL);
	char buf[65536];
	ssize_t n;
	/* the store loads its scripts first (SCRIPT LOAD): a SHA1, then the reply */
	while (c >= 0 && (n = read(c, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		if (!strstr(buf, "SCRIPT"))
			break;
		const char sha[] = "$40\r\n0123456789012345678901234567890123456789\r\n";
		if (write(c, sha, sizeof(sha) - 1) < 0)
			_exit(1);
	}
	if (c < 0 || n <= 0)
		_exit(1);
	for (int i = 0; repeat == 0 || i < repeat; i++)
		if (write(c, reply, len) < 0)
			break;
	while (read(c, buf, sizeof(buf)) > 0)
		;
	_exit(0);
}

static void fake_free(struct fake *f)
{
	f->loc.ops->free(f->loc.st);
	if (f->child > 0) {
		kill(f->child, SIGKILL);
		waitpid(f->child, NULL, 0);
	}
	close(f->lfd);
	sk_clock_free(f->clock);
}

static int lookup(struct fake *f, struct sk_binding *out, size_t max)
{
	return f->loc.ops->lookup(f->loc.st, "bob@example.com", sk_clock_now(f->clock), out, max);
}

/* One fake answering `reply` to a lookup: what the lookup returns. */
static int lookup_against(const char *reply, size_t len, int repeat)
{
	struct fake f = {0};
	struct sk_binding b[4];
	fake_listen(&f);
	fake_serve(&f, reply, len, repeat);
	int rc = lookup(&f, b, 4);
	fake_free(&f);
	return rc;
}

#define LIT(s) s, sizeof(s) - 1

static void test_hostile_replies(void **state)
{
	(void)state;
	/* two billion elements announced: refused before hiredis allocates them */
	assert_int_equal(lookup_against(LIT("*2000000000\r\n"), 1), -SK_EIO);
	assert_int_equal(lookup_against(LIT("*-5\r\n"), 1), -SK_EIO);
	/* a gigabyte string that keeps coming: cut at the reply's byte bound */
	static char chunk[65536];
	memset(chunk, 'x', sizeof(chunk));
	memcpy(chunk, "$1000000000\r\n", 13);
	assert_int_equal(lookup_against(chunk, sizeof(chunk), 0), -SK_EIO);
	/* a string over the string bound, complete */
	static char big[8192 + 64];
	int n = snprintf(big, sizeof(big), "*1\r\n$8192\r\n");
	memset(big + n, 'y', 8192);
	memcpy(big + n + 8192, "\r\n", 2);
	assert_int_equal(lookup_against(big, (size_t)n + 8194, 1), -SK_EIO);
	/* many small arrays: the elements of a reply count all together */
	static char many[8 * 5000 + 16];
	size_t used = (size_t)snprintf(many, sizeof(many), "*5000\r\n");
	for (int i = 0; i < 5000; i++)
		used += (size_t)snprintf(many + used, sizeof(many) - used, "*1\r\n:1\r\n");
	assert_int_equal(lookup_against(many, used, 1), -SK_EIO);
	/* nested deeper than hiredis follows */
	char deep[256] = "";
	for (int i = 0; i < 20; i++)
		strcat(deep, "*1\r\n");
	strcat(deep, ":1\r\n");
	assert_int_equal(lookup_against(deep, strlen(deep), 1), -SK_EIO);
	/* not RESP at all, an error reply, the wrong type, the wrong shape */
	assert_int_equal(lookup_against(LIT("HTTP/1.1 400 Bad Request\r\n\r\n"), 1), -SK_EIO);
	assert_int_equal(lookup_against(LIT("-ERR unknown command\r\n"), 1), -SK_EIO);
	assert_int_equal(lookup_against(LIT(":42\r\n"), 1), -SK_EIO);
	assert_int_equal(lookup_against(LIT("*2\r\n:1\r\n:2\r\n"), 1), -SK_EIO);
	/* the server closes at once */
	assert_int_equal(lookup_against(LIT(""), 1), -SK_EIO);
}

static void test_hostile_fields(void **state)
{
	(void)state;
	char reply[4096], longc[300];
	memset(longc, 'c', sizeof(longc) - 1);
	longc[sizeof(longc) - 1] = '\0';
	/* c, i, s, q, src, tp, pttl: a contact too long, a q over 1000, a PTTL as a
	 * string, then a good one */
	int n = snprintf(
	    reply, sizeof(reply),
	    "*28\r\n"
	    "$%zu\r\n%s\r\n$1\r\ni\r\n$1\r\n1\r\n$4\r\n1000\r\n$0\r\n\r\n$3\r\nudp\r\n"
	    ":5000\r\n"
	    "$9\r\nsip:q@h.x\r\n$1\r\ni\r\n$1\r\n1\r\n$4\r\n1001\r\n$0\r\n\r\n$3\r\nudp\r\n"
	    ":5000\r\n"
	    "$9\r\nsip:t@h.x\r\n$1\r\ni\r\n$1\r\n1\r\n$3\r\n500\r\n$0\r\n\r\n$3\r\nudp\r\n"
	    "$4\r\n5000\r\n"
	    "$9\r\nsip:g@h.x\r\n$2\r\nid\r\n$2\r\n42\r\n$3\r\n500\r\n"
	    "$14\r\n127.0.0.1:5070\r\n$3\r\ntcp\r\n:5000\r\n",
	    strlen(longc), longc);
	struct fake f = {0};
	struct sk_binding b[4];
	fake_listen(&f);
	fake_serve(&f, reply, (size_t)n, 1);
	uint64_t now = sk_clock_now(f.clock);
	assert_int_equal(f.loc.ops->lookup(f.loc.st, "bob@example.com", now, b, 4), 1);
	assert_string_equal(b[0].contact, "sip:g@h.x");
	assert_string_equal(b[0].call_id, "id");
	assert_int_equal(b[0].cseq, 42);
	assert_int_equal(b[0].q, 500);
	assert_string_equal(b[0].source, "127.0.0.1:5070");
	assert_string_equal(b[0].transport, "tcp");
	assert_int_equal(b[0].expires_at, now + 5000);
	fake_free(&f);
}

static void no_binding(void *arg, const char *aor, const struct sk_binding *b)
{
	(void)arg;
	(void)aor;
	(void)b;
	fail_msg("listed a binding");
}

static void test_silent_then_breaker(void **state)
{
	(void)state;
	struct fake f = {0};
	struct sk_binding b[4];
	fake_listen(&f); /* listening, never accepting: the kernel completes the handshake */
	assert_int_equal(lookup(&f, b, 4), -SK_EIO);
	/* the breaker is open: these fail at once, without connecting */
	struct sk_binding x = {.contact = "sip:a@h", .q = 1000};
	x.expires_at = sk_clock_now(f.clock) + 60000;
	assert_int_equal(f.loc.ops->put(f.loc.st, "bob@example.com", &x), -SK_EIO);
	assert_int_equal(f.loc.ops->remove(f.loc.st, "bob@example.com", NULL), -SK_EIO);
	uint64_t cursor = 0;
	assert_int_equal(f.loc.ops->list(f.loc.st, 0, &cursor, 10, no_binding, NULL), -SK_EIO);
	assert_int_equal(sk_location_redis_ping(&f.loc), -SK_EIO);
	fcntl(f.lfd, F_SETFL, O_NONBLOCK);
	int accepted = 0, c;
	while ((c = accept(f.lfd, NULL, NULL)) >= 0) {
		accepted++;
		close(c);
	}
	assert_int_equal(accepted, 1);
	fake_free(&f);
}

/* Two workers' stores sharing one breaker: the outage the first waits for opens it
 * for the second, which fails at once without connecting (the listener sees one). */
static void test_shared_breaker(void **state)
{
	(void)state;
	struct fake f = {0};
	struct sk_binding b[4];
	fake_listen(&f); /* never accepting */
	struct sk_redis_breaker *br;
	assert_int_equal(sk_redis_breaker_new(&br), 0);
	struct sk_location a, c;
	struct sk_location_redis_config rc = {
	    .url = f.url, .clock = f.clock, .command_ms = 300, .connect_ms = 300, .breaker = br};
	assert_int_equal(sk_location_redis(&a, &rc), 0);
	assert_int_equal(sk_location_redis(&c, &rc), 0);
	uint64_t now = sk_clock_now(f.clock);
	assert_int_equal(a.ops->lookup(a.st, "bob@example.com", now, b, 4), -SK_EIO);
	assert_int_equal(c.ops->lookup(c.st, "bob@example.com", now, b, 4), -SK_EIO);
	assert_int_equal(sk_location_redis_ping(&c), -SK_EIO);
	fcntl(f.lfd, F_SETFL, O_NONBLOCK);
	int accepted = 0, fd;
	while ((fd = accept(f.lfd, NULL, NULL)) >= 0) {
		accepted++;
		close(fd);
	}
	assert_int_equal(accepted, 1);
	a.ops->free(a.st);
	c.ops->free(c.st);
	sk_redis_breaker_free(br);
	fake_free(&f);
}

static void test_nobody_and_urls(void **state)
{
	(void)state;
	struct fake f = {0};
	struct sk_binding b[4];
	fake_listen(&f);
	close(f.lfd); /* nobody listens there any more */
	f.lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(lookup(&f, b, 4), -SK_EIO);
	fake_free(&f);

	struct sk_clock *clock;
	struct sk_location loc;
	assert_int_equal(sk_clock_new_real(&clock), 0);
	const char *bad[] = {"redis:/127.0.0.1",
	                     "http://127.0.0.1:6379",
	                     "redis://",
	                     "redis://:6379",
	                     "redis://127.0.0.1:0",
	                     "redis://127.0.0.1:65536",
	                     "redis://127.0.0.1:6379/x",
	                     "redis://[::1:6379",
	                     "redis://127.0.0.1:6379/1/2",
	                     "redis://no-such-host.invalid:6379"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sk_location_redis_config rc = {.url = bad[i], .clock = clock};
		if (sk_location_redis(&loc, &rc) != -SK_EINVAL)
			fail_msg("accepted %s", bad[i]);
	}
	const char *good[] = {"redis://127.0.0.1", "redis://127.0.0.1:6379/",
	                      "redis://[::1]:6379/3", "redis://localhost:6379/15"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct sk_location_redis_config rc = {.url = good[i], .clock = clock};
		if (sk_location_redis(&loc, &rc) != 0)
			fail_msg("refused %s", good[i]);
		loc.ops->free(loc.st);
	}
	struct sk_location_redis_config rc = {
	    .url = "redis://127.0.0.1", .clock = clock, .max_bindings = 65};
	assert_int_equal(sk_location_redis(&loc, &rc), -SK_EINVAL);
	sk_clock_free(clock);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hostile_replies),     cmocka_unit_test(test_hostile_fields),
	    cmocka_unit_test(test_silent_then_breaker), cmocka_unit_test(test_shared_breaker),
	    cmocka_unit_test(test_nobody_and_urls),
	};
	return cmocka_run_group_tests_name("location_redis", tests, NULL, NULL);
}
