/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A group of transports (src/transport/tp_group.c; transport.h, "several
 * transports in one process"), what the proxy's workers are. Cases:
 *  - the table of accepted connections: found by id (protocol, far end) and
 *    by protocol and far end (IPv4, IPv6), gone once removed, a removal of an
 *    unknown id harmless; 5000 in and out (the table grows, ASan counts)
 *  - the owner in a connection id: a transport alone numbers its connections
 *    1, 2, ... as before; member 3 of a group puts 3 in the top byte; the ids
 *    of two members never meet; sk_tp_set_group refused once a connection is
 *    open
 *  - the branch names its member: "z9hG4bKw03..." in a group, the branch of
 *    before alone (read back as no member); malformed marks read as none
 *  - a send across on simnet: a client connects to member A (index 1); member
 *    B finds A's connection by the client's address (sk_tp_flow_for), its send
 *    goes to the across hook with owner 1, and A's sk_tp_send_own writes it:
 *    the client receives it, A counts and traces it, B neither; the hook's
 *    error is the send's; once the client's connection is gone, B knows at
 *    once (sk_tp_conn_open false, a WebSocket flow on it -SK_EIO without the
 *    hook) and A's sk_tp_send_own says -SK_ENOTFOUND
 *  - a connection that breaks (a reset, a WebSocket closed): its owner's gone
 *    hook names the members that sent on it (B), and sk_tp_conn_gone on B
 *    tells B's user (conn_lost), so B's transactions on it fail at once; an
 *    orderly TCP close tells nobody (a response may come on a new connection);
 *    A leaving the group tells B of the connections B sent on
 */
#include "sk_test.h"

static struct sk_sa sa(const char *host, uint16_t port)
{
	struct sk_sa a;
	assert_int_equal(sk_sa_from_host(&a, sk_str_c(host), port), 0);
	return a;
}

static void test_table(void **state)
{
	(void)state;
	struct sk_tp_group *g;
	assert_int_equal(sk_tp_group_new(&g, 1), -SK_EINVAL);
	assert_int_equal(sk_tp_group_new(&g, SK_TP_GROUP_MAX + 1), -SK_EINVAL);
	assert_int_equal(sk_tp_group_new(&g, 4), 0);
	struct sk_sa a = sa("192.0.2.1", 40000), b = sa("2001:db8::1", 40000), got;
	enum sk_proto proto;
	uint64_t id_a = (uint64_t)2 << SK_TP_CONN_OWNER_SHIFT | 7;
	uint64_t id_b = (uint64_t)3 << SK_TP_CONN_OWNER_SHIFT | 7;
	assert_int_equal(sk_tp_group_add(g, id_a, SK_PROTO_WS, &a), 0);
	assert_int_equal(sk_tp_group_add(g, id_b, SK_PROTO_TCP, &b), 0);
	assert_int_equal(sk_tp_group_count(g), 2);
	assert_true(sk_tp_group_conn(g, id_a, &proto, &got));
	assert_int_equal(proto, SK_PROTO_WS);
	assert_true(sk_sa_equal(&got, &a));
	assert_true(sk_tp_group_conn(g, id_b, NULL, NULL));
	assert_false(sk_tp_group_conn(g, 7, NULL, NULL)); /* the same number, another owner */
	assert_int_equal(sk_tp_group_conn_to(g, SK_PROTO_WS, &a), id_a);
	assert_int_equal(sk_tp_group_conn_to(g, SK_PROTO_TCP, &b), id_b);
	assert_int_equal(sk_tp_group_conn_to(g, SK_PROTO_TCP, &a), 0); /* the protocol counts */
	struct sk_sa a2 = sa("192.0.2.1", 40001);
	assert_int_equal(sk_tp_group_conn_to(g, SK_PROTO_WS, &a2), 0); /* and the port */
	sk_tp_group_remove(g, id_a);
	sk_tp_group_remove(g, id_a); /* not there: nothing */
	assert_false(sk_tp_group_conn(g, id_a, NULL, NULL));
	assert_int_equal(sk_tp_group_conn_to(g, SK_PROTO_WS, &a), 0);
	assert_int_equal(sk_tp_group_count(g), 1);
	for (uint64_t i = 1; i <= 5000; i++) {
		struct sk_sa p = sa("198.51.100.7", (uint16_t)(1000 + i));
		assert_int_equal(sk_tp_group_add(g, i, SK_PROTO_TCP, &p), 0);
	}
	assert_int_equal(sk_tp_group_count(g), 5001);
	for (uint64_t i = 1; i <= 5000; i++) {
		struct sk_sa p = sa("198.51.100.7", (uint16_t)(1000 + i));
		assert_int_equal(sk_tp_group_conn_to(g, SK_PROTO_TCP, &p), i);
		if (i % 2)
			sk_tp_group_remove(g, i);
	}
	assert_int_equal(sk_tp_group_count(g), 2501);
	sk_tp_group_free(g); /* with what is left in it: ASan's leak check */
}

static void test_branch_owner(void **state)
{
	(void)state;
	assert_int_equal(sk_tp_branch_owner(sk_str_c("z9hG4bKw03a1b2c3")), 3);
	assert_int_equal(sk_tp_branch_owner(sk_str_c("z9hG4bKw3f")), 63);
	assert_int_equal(sk_tp_branch_owner(sk_str_c("z9hG4bKw40")), -1); /* past the max */
	assert_int_equal(sk_tp_branch_owner(sk_str_c("z9hG4bKwzz")), -1);
	assert_int_equal(sk_tp_branch_owner(sk_str_c("z9hG4bKw0")), -1);
	assert_int_equal(sk_tp_branch_owner(sk_str_c("z9hG4bK0123456789abcdef")), -1);
	assert_int_equal(sk_tp_branch_owner(sk_str_c("Z9HG4BKW03")), -1);
	assert_int_equal(sk_tp_branch_owner(sk_str_c("")), -1);
}

/* ---- members on simnet ------------------------------------------------------------------ */

struct member {
	struct sk_net *net;
	struct sk_tp *tp;
	struct sk_sa addr;
	int got;
	char last[2048];
	struct sk_flow flow; /* of the last message */
	int traced_out;
	int lost;           /* conn_lost heard */
	uint64_t lost_conn; /* the last one */
};

struct env {
	struct sk_clock *clock;
	struct sk_timers *timers;
	struct sk_simnet *sn;
	struct sk_tp_group *g;
	struct member m[3]; /* A and B in the group, C a client outside it */
	int across_calls;
	unsigned across_owner;
	int across_rc; /* what the hook answers; 0: it writes through A */
	int gone_calls;
	uint64_t gone_conn, gone_members;
};

static void on_recv(void *arg, struct sk_msg *msg, const struct sk_flow *flow)
{
	struct member *m = arg;
	struct sk_str raw = sk_msg_raw(msg);
	m->got++;
	m->flow = *flow;
	snprintf(m->last, sizeof(m->last), "%.*s", (int)raw.len, raw.p);
}

static void on_lost(void *arg, uint64_t conn, int err)
{
	struct member *m = arg;
	(void)err;
	m->lost++;
	m->lost_conn = conn;
}

/* A's connection broke after others sent on it: the proxy's workers pass this to each
 * of them through their queues; here B hears of it at once. */
static void on_gone(void *arg, uint64_t conn, uint64_t members)
{
	struct env *e = arg;
	e->gone_calls++;
	e->gone_conn = conn;
	e->gone_members = members;
	if (members & 1)
		sk_tp_conn_gone(e->m[1].tp, conn);
}

static void on_trace(void *arg, bool out, const struct sk_flow *flow, const char *buf, size_t len)
{
	struct member *m = arg;
	(void)flow, (void)buf, (void)len;
	if (out)
		m->traced_out++;
}

static int across(void *arg, unsigned owner, const struct sk_flow *flow, const char *buf,
                  size_t len)
{
	struct env *e = arg;
	e->across_calls++;
	e->across_owner = owner;
	if (e->across_rc)
		return e->across_rc;
	/* the owner's thread would do this, from its queue */
	return sk_tp_send_own(e->m[0].tp, flow, buf, len);
}

static void member_up(struct env *e, int i, const char *host)
{
	struct member *m = &e->m[i];
	m->addr = sa(host, 5060);
	assert_int_equal(sk_simnet_node(e->sn, &m->net), 0);
	struct sk_tp_config c = {.timers = e->timers, .net = m->net, .seed = 10 + (uint64_t)i};
	struct sk_tp_user u = {.recv = on_recv, .conn_lost = on_lost, .arg = m};
	assert_int_equal(sk_tp_new(&m->tp, &c, &u), 0);
	assert_int_equal(sk_tp_listen(m->tp, SK_PROTO_TCP, &m->addr, NULL), 0);
	sk_tp_set_trace(m->tp, on_trace, m);
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	assert_non_null(e);
	assert_int_equal(sk_clock_new_virtual(&e->clock, 1000000), 0);
	assert_int_equal(sk_timers_new(&e->timers, e->clock), 0);
	assert_int_equal(sk_simnet_new(&e->sn, e->timers, 3), 0);
	assert_int_equal(sk_tp_group_new(&e->g, 2), 0);
	member_up(e, 0, "10.0.0.1");
	member_up(e, 1, "10.0.0.2");
	member_up(e, 2, "10.0.0.9");
	/* A is member 1 and B member 0: ids with a nonzero owner byte are A's */
	assert_int_equal(sk_tp_set_group(e->m[0].tp, e->g, 1), 0);
	assert_int_equal(sk_tp_set_group(e->m[1].tp, e->g, 0), 0);
	assert_int_equal(sk_tp_set_group(e->m[1].tp, e->g, 2), -SK_EINVAL);
	sk_tp_set_across(e->m[1].tp, across, e);
	sk_tp_set_gone(e->m[0].tp, on_gone, e);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	for (int i = 0; i < 3; i++)
		sk_tp_free(e->m[i].tp);
	for (int i = 0; i < 3; i++)
		sk_net_free(e->m[i].net);
	sk_tp_group_free(e->g);
	sk_simnet_free(e->sn);
	sk_timers_free(e->timers);
	sk_clock_free(e->clock);
	free(e);
	return 0;
}

static const char *options(char *buf, size_t size, const char *from, int n)
{
	snprintf(buf, size,
	         "OPTIONS sip:x@10.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP %s;branch=z9hG4bK-%d\r\n"
	         "Max-Forwards: 70\r\nFrom: <sip:c@test>;tag=1\r\nTo: <sip:x@test>\r\n"
	         "Call-ID: c%d@test\r\nCSeq: %d OPTIONS\r\nContent-Length: 0\r\n\r\n",
	         from, n, n, n);
	return buf;
}

/* C sends a request to member i over TCP (a new connection the first time); returns C's flow. */
static struct sk_flow client_sends(struct env *e, int i, int n)
{
	char buf[600];
	struct sk_target t = {.proto = SK_PROTO_TCP, .addr = e->m[i].addr};
	struct sk_flow f;
	options(buf, sizeof(buf), "10.0.0.9:5060", n);
	assert_int_equal(sk_tp_flow_for(e->m[2].tp, &t, strlen(buf), &f), 0);
	assert_int_equal(sk_tp_send(e->m[2].tp, &f, buf, strlen(buf)), 0);
	sk_timers_advance(e->timers, 50);
	return f;
}

static void test_conn_ids(void **state)
{
	struct env *e = *state;
	struct member *a = &e->m[0], *b = &e->m[1], *c = &e->m[2];
	client_sends(e, 0, 1); /* accepted by A: owner 1 */
	client_sends(e, 1, 2); /* by B: owner 0 */
	assert_int_equal(a->got, 1);
	assert_int_equal(b->got, 1);
	assert_int_equal(sk_tp_conn_owner(a->flow.conn), 1);
	assert_int_equal(sk_tp_conn_owner(b->flow.conn), 0);
	assert_int_equal(b->flow.conn, 1); /* member 0: numbered as before */
	assert_true(a->flow.conn != b->flow.conn);
	/* C is alone: its connections are numbered 1, 2 as ever */
	struct sk_flow f1 = client_sends(e, 0, 3), f2 = client_sends(e, 1, 4);
	assert_int_equal(f1.conn, 1);
	assert_int_equal(f2.conn, 2);
	/* both accepted ones in the table, found by either member */
	assert_int_equal(sk_tp_group_count(e->g), 2);
	assert_true(sk_tp_conn_open(b->tp, a->flow.conn));
	assert_true(sk_tp_conn_open(a->tp, b->flow.conn));
	enum sk_proto proto;
	struct sk_sa far;
	assert_int_equal(sk_tp_conn_peer(b->tp, a->flow.conn, &proto, &far), 0);
	assert_int_equal(proto, SK_PROTO_TCP);
	assert_true(sk_sa_same_host(&far, &c->addr));
	/* a member holding connections cannot change its numbering any more */
	assert_int_equal(sk_tp_set_group(a->tp, e->g, 0), -SK_ESTATE);
}

static void test_branch_mark(void **state)
{
	struct env *e = *state;
	char br[64];
	size_t n = sk_tp_branch(e->m[0].tp, br, sizeof(br));
	assert_true(n == 7 + 3 + 24);
	assert_memory_equal(br, "z9hG4bKw01", 10);
	assert_int_equal(sk_tp_branch_owner((struct sk_str){br, n}), 1);
	n = sk_tp_branch(e->m[1].tp, br, sizeof(br));
	assert_int_equal(sk_tp_branch_owner((struct sk_str){br, n}), 0);
	n = sk_tp_branch(e->m[2].tp, br, sizeof(br)); /* alone: the branch of before */
	assert_int_equal(n, 7 + 24);
	assert_int_equal(sk_tp_branch_owner((struct sk_str){br, n}), -1);
}

static void test_send_across(void **state)
{
	struct env *e = *state;
	struct member *a = &e->m[0], *b = &e->m[1], *c = &e->m[2];
	char buf[600];
	client_sends(e, 0, 1);
	uint64_t id = a->flow.conn;
	struct sk_sa far = a->flow.remote; /* C's end of the connection, as A sees it */
	/* B reaches C over A's connection: found by its far end, as a contact is */
	struct sk_target t = {.proto = SK_PROTO_TCP, .addr = far};
	struct sk_flow f;
	assert_int_equal(sk_tp_flow_for(b->tp, &t, 100, &f), 0);
	assert_int_equal(f.conn, id);
	struct sk_tp_stats sa0 = sk_tp_stats(a->tp), sb0 = sk_tp_stats(b->tp);
	int ta = a->traced_out, tb = b->traced_out;
	options(buf, sizeof(buf), "10.0.0.2:5060", 9);
	assert_int_equal(sk_tp_send(b->tp, &f, buf, strlen(buf)), 0);
	assert_int_equal(e->across_calls, 1);
	assert_int_equal(e->across_owner, 1);
	sk_timers_advance(e->timers, 50);
	assert_int_equal(c->got, 1);
	assert_non_null(strstr(c->last, "Call-ID: c9@test"));
	assert_int_equal(sk_tp_stats(a->tp).tx_msgs, sa0.tx_msgs + 1);
	assert_int_equal(sk_tp_stats(b->tp).tx_msgs, sb0.tx_msgs);
	assert_int_equal(a->traced_out, ta + 1);
	assert_int_equal(b->traced_out, tb);
	assert_int_equal(sk_tp_stats(b->tp).conns, 0); /* B opened nothing */
	/* the hook's refusal (the owner's queue full) is the send's */
	e->across_rc = -SK_EFULL;
	assert_int_equal(sk_tp_send(b->tp, &f, buf, strlen(buf)), -SK_EFULL);
	e->across_rc = 0;
	/* the client goes (orderly): every member knows at once, nobody is told */
	sk_tp_conn_close(a->tp, id);
	assert_int_equal(e->gone_calls, 0);
	assert_int_equal(b->lost, 0);
	assert_int_equal(sk_tp_group_count(e->g), 0);
	assert_false(sk_tp_conn_open(b->tp, id));
	int calls = e->across_calls;
	struct sk_flow ws = f;
	ws.proto = SK_PROTO_WS;
	assert_int_equal(sk_tp_send(b->tp, &ws, buf, strlen(buf)), -SK_EIO);
	assert_int_equal(e->across_calls, calls);                /* the hook never asked */
	assert_int_equal(sk_tp_flow_for(b->tp, &t, 100, &f), 0); /* TCP: as for one's own */
	assert_int_equal(f.conn, 0);
	/* a send passed before the close reaches the owner after it: nothing written */
	assert_int_equal(sk_tp_send_own(a->tp, &(struct sk_flow){.proto = SK_PROTO_TCP, .conn = id},
	                                buf, strlen(buf)),
	                 -SK_ENOTFOUND);
	assert_int_equal(sk_tp_stats(a->tp).tx_msgs, sa0.tx_msgs + 1);
}

/* Sends on A's connection from B, across. */
static void b_sends_on(struct env *e, uint64_t id)
{
	char buf[600];
	struct sk_flow f = {.proto = SK_PROTO_TCP, .conn = id};
	options(buf, sizeof(buf), "10.0.0.2:5060", 20);
	assert_int_equal(sk_tp_send(e->m[1].tp, &f, buf, strlen(buf)), 0);
}

static void test_conn_breaks(void **state)
{
	struct env *e = *state;
	struct member *a = &e->m[0], *b = &e->m[1];
	struct sk_sa c_host = sa("10.0.0.9", 0); /* any port: the client's end is ephemeral */
	/* one that B never sent on breaks: nobody to tell */
	client_sends(e, 0, 1);
	uint64_t quiet = a->flow.conn;
	assert_int_equal(sk_simnet_drop_conns(e->sn, &c_host), 1);
	sk_timers_advance(e->timers, 50);
	assert_int_equal(a->lost, 1); /* A's own user hears, as ever */
	assert_int_equal(a->lost_conn, quiet);
	assert_int_equal(e->gone_calls, 0);
	/* one that B sent on breaks: B hears of it as of its own */
	client_sends(e, 0, 2);
	uint64_t id = a->flow.conn;
	assert_true(id != quiet);
	b_sends_on(e, id);
	assert_int_equal(sk_simnet_drop_conns(e->sn, &c_host), 1);
	sk_timers_advance(e->timers, 50);
	assert_int_equal(e->gone_calls, 1);
	assert_int_equal(e->gone_conn, id);
	assert_int_equal(e->gone_members, 1); /* B is member 0 */
	assert_int_equal(b->lost, 1);
	assert_int_equal(b->lost_conn, id);
	assert_false(sk_tp_conn_open(b->tp, id));
	/* A leaves the group: B hears of the connections it sent on */
	client_sends(e, 0, 3);
	id = a->flow.conn;
	b_sends_on(e, id);
	assert_int_equal(sk_tp_set_group(a->tp, NULL, 0), 0);
	assert_int_equal(e->gone_calls, 2);
	assert_int_equal(b->lost_conn, id);
	assert_int_equal(sk_tp_group_count(e->g), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_branch_owner),
	    cmocka_unit_test_setup_teardown(test_conn_ids, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_branch_mark, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_send_across, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_conn_breaks, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
