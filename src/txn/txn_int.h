/* SPDX-License-Identifier: BSD-3-Clause */
/* Transactions (internal to src/txn). */
#ifndef SK_TXN_INT_H
#define SK_TXN_INT_H

#include "sipkit/txn.h"

struct txl_conn;

struct sk_txn {
	struct sk_hnode node; /* in the table, by branch or the RFC 2543 key */
	struct sk_txl *txl;
	struct txl_conn *conn;        /* the connection's list it is on (NULL: none) */
	struct sk_txn *cnext, *cprev; /* that list */
	uint8_t kind;                 /* enum sk_txn_kind */
	uint8_t state;                /* enum sk_txn_state */
	bool server;
	bool rfc2543;     /* branch without the magic cookie: matched by §17.2.3's fallback */
	bool reliable;    /* timers D, I, J, K are zero */
	bool tu_answered; /* IST: no 100 Trying of our own needed */
	bool cancel_asked;
	bool cancel_sent;  /* ICT: its CANCEL transaction was started */
	bool msg_borrowed; /* msg is the transport's, during the request callback */
	bool compacted;    /* ICT: only its hop record and the bytes it names are left */
	uint16_t status;
	uint16_t busy; /* callbacks in progress: a terminated txn is freed when 0 */
	uint16_t sent_port;
	uint8_t g_max, g_sent; /* IST: Timer G retransmissions allowed (0: all) and made */
	uint32_t interval;     /* current retransmission interval */
	struct sk_timer tr;    /* retransmissions (A, E, G) and the 100 Trying delay */
	struct sk_timer tt;    /* timeouts and absorbing timers (B, D, F, H, I, J, K, L, M) */
	struct sk_flow flow;
	struct sk_sa src;   /* server: where the request came from (to stamp a re-parse) */
	char *data;         /* server: branch and sent-by host (the key), then the request;
	                     * ICT: its hop record, then the request; others: the request */
	struct sk_hop *hop; /* ICT: what its CANCEL and ACK copy (§9.1, §17.1.1.3) */
	char *req;          /* server: the request as received, inside data */
	uint32_t req_len;
	char *resp; /* server: last response sent; ICT: the ACK sent */
	uint32_t resp_len;
	struct sk_msg *msg; /* parsed on demand (sk_txn_msg), from req */
	struct sk_str method, branch, sent_host;
	char *to_tag;        /* RFC 2543 IST: To tag of the final sent, for ACK matching */
	char *cancel_reason; /* ICT: a CANCEL waiting for the first provisional */
	const struct sk_txn_handler *cancel_h; /* ICT: who hears of its CANCEL */
	void *cancel_arg;
	struct sk_txn *cancel;          /* ICT <-> the CANCEL client transaction */
	const struct sk_txn_handler *h; /* who hears of it (NULL: nobody) */
	void *arg;
	uint64_t created;
};

struct sk_txl {
	struct sk_txl_config cfg;
	struct sk_txl_user user;
	struct sk_hash_key key; /* secret: a peer cannot aim its branches at one chain */
	struct sk_htab tab;     /* every live transaction (§17.1.3, §17.2.3 keys) */
	struct sk_htab conns;   /* struct txl_conn by connection id: who a lost one ends */
	bool compact;           /* ICTs drop their request once Proceeding (sk_txl_set_compact) */
};

/* table.c */
/* key NULL: drawn from the OS */
int sk_txn_table_init(struct sk_txl *txl, size_t expected, const struct sk_hash_key *key);
void sk_txn_table_free(struct sk_txl *txl);
void sk_txn_table_insert(struct sk_txl *txl, struct sk_txn *t);
void sk_txn_table_remove(struct sk_txl *txl, struct sk_txn *t);
uint64_t sk_txn_hash_branch(const struct sk_txl *txl, struct sk_str branch);
uint64_t sk_txn_hash_2543(const struct sk_txl *txl, const struct sk_msg *m);
/* t's flow changed connection (a send opened one): it moves to that connection's list. */
void sk_txn_table_reindex(struct sk_txl *txl, struct sk_txn *t);
/* The transactions a lost connection ends fail with err (§17.1.4, §17.2.4). */
void sk_txn_table_conn_lost(struct sk_txl *txl, uint64_t conn, int err);
/* The UDP client transactions to flow->remote, sent from flow->local, that heard nothing
 * yet fail with err (an ICMP unreachable, §17.1.4). */
void sk_txn_table_unreachable(struct sk_txl *txl, const struct sk_flow *flow, int err);
static inline struct sk_txn *sk_txn_of(const struct sk_hnode *n)
{
	return sk_container_of(n, struct sk_txn, node);
}
/* A server transaction for request m whose method is taken as `method` (§17.2.3, §9.2). */
struct sk_txn *sk_txn_table_find_server(struct sk_txl *txl, const struct sk_msg *m,
                                        struct sk_str method);
/* A CANCEL's target: any server transaction other than a CANCEL with m's key. */
struct sk_txn *sk_txn_table_find_cancel_target(struct sk_txl *txl, const struct sk_msg *m);
/* §17.1.3: a client transaction by branch and CSeq method. */
struct sk_txn *sk_txn_table_find_client(struct sk_txl *txl, struct sk_str branch,
                                        struct sk_str method);

/* match.c: the rules the table and the trace checker share */
static inline uint16_t txn_via_port(const struct sk_via *v)
{
	return v->port ? v->port : 5060;
}

/* §17.2.3 steps 1 and 2: the branch and the sent-by of the top Via (inline: every lookup) */
static inline bool txn_key_eq(struct sk_str branch, struct sk_str host, uint16_t port,
                              const struct sk_via *v)
{
	return sk_str_caseeq(branch, v->branch) && port == txn_via_port(v) &&
	       sk_str_caseeq(host, v->host);
}
/* The RFC 2543 fallback (§17.2.3, §9.2): Request-URI, From tag, Call-ID, CSeq number, top Via. */
bool sk_txn_2543_same_dialog_part(const struct sk_msg *a, const struct sk_msg *b);

/* layer.c */
void sk_txn_hold(struct sk_txn *t);
void sk_txn_release(struct sk_txn *t);
void sk_txn_terminate(struct sk_txn *t);
void sk_txn_fail(struct sk_txn *t, int err);
/* Starts tt for ms; 0 terminates now (reliable transports, §17). */
void sk_txn_absorb(struct sk_txn *t, uint32_t ms);
int sk_txn_send(struct sk_txn *t, const char *buf, size_t len);
bool sk_txn_method_is(struct sk_str a, const char *m);

/* client.c */
void sk_txn_client_response(struct sk_txn *t, const struct sk_msg *m);
void sk_txn_client_retransmit_fired(void *arg);
void sk_txn_client_timeout_fired(void *arg);

/* server.c */
void sk_txn_server_request(struct sk_txl *txl, struct sk_msg *m, const struct sk_flow *flow);
void sk_txn_server_retransmit_fired(void *arg);
void sk_txn_server_timeout_fired(void *arg);

#endif
