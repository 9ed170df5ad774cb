/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Several transports in one process (the proxy's workers): a group whose
 * members send on each other's connections. Included by transport.h, after
 * the types it uses.
 */
#ifndef SIPKIT_TP_GROUP_H
#define SIPKIT_TP_GROUP_H

#include <stdbool.h>
#include <stdint.h>

#include "sipkit/core.h"

/*
 * A group: N transports of one process, each on its own thread, listening on
 * the same addresses (docs/workers.md). A stream connection stays with the
 * transport that accepted or opened it, yet another member may have to send
 * on it (a browser's WebSocket, a phone behind NAT reachable only over the
 * connection it registered on). So, in a group:
 *  - a connection id names its owner: member i's ids carry i in their top
 *    byte (sk_tp_conn_owner), so the ids of all members are unique together
 *    and a binding or a flow token naming one is understood by every member;
 *  - the connections members accepted are in one table (a mutex held for one
 *    O(1) lookup, insertion or removal) that every member reads: by id (is it
 *    still open, to whom) and by far end (the connection a contact is reached
 *    on, RFC 5923 reuse as within one transport);
 *  - a send on another member's connection goes through the across hook (the
 *    caller moves the bytes to the owner's thread; the owner writes them with
 *    sk_tp_send_own); one on a connection the table no longer has fails at
 *    once, as a send on a closed connection of one's own does;
 *  - the branch of every request a member sends names it (sk_tp_branch_owner),
 *    so that a response arriving on another member's connection can be passed
 *    to the one whose client transaction waits for it (RFC 3261 §17.1.3
 *    matches by branch, not by connection).
 * Outside a group ids and branches are those of before, byte for byte.
 */
struct sk_tp_group;

#define SK_TP_GROUP_MAX        64 /* members; an owner index fits the id's top byte */
#define SK_TP_CONN_OWNER_SHIFT 56

/** The member of its group that owns connection conn (0 outside a group). */
static inline unsigned sk_tp_conn_owner(uint64_t conn)
{
	return (unsigned)(conn >> SK_TP_CONN_OWNER_SHIFT);
}

/** A group of n members (2..SK_TP_GROUP_MAX): 0, -SK_EINVAL, -SK_ENOMEM, -SK_EAGAIN. */
int sk_tp_group_new(struct sk_tp_group **out, unsigned n);
/** Frees the group (NULL-safe); every member must have been freed or left it. */
void sk_tp_group_free(struct sk_tp_group *g);
/**
 * Makes tp member idx of g, before its first connection: its connection ids
 * carry idx, its accepted connections go in g's table, its branches name idx.
 * g NULL: tp leaves its group (its accepted connections leave the table).
 * 0, -SK_EINVAL, -SK_ESTATE (tp holds connections already).
 */
int sk_tp_set_group(struct sk_tp *tp, struct sk_tp_group *g, unsigned idx);
/** The member whose branch this is ("z9hG4bKw" and two hex digits, sk_tp_branch in a group),
 * -1 for any other branch. */
int sk_tp_branch_owner(struct sk_str branch);
/** An accepted connection of any member, while open: true with its protocol and far end
 * (either pointer may be NULL). */
bool sk_tp_group_conn(struct sk_tp_group *g, uint64_t conn, enum sk_proto *proto,
                      struct sk_sa *remote);
/** The open accepted connection of proto whose far end is remote, of any member; 0: none. */
uint64_t sk_tp_group_conn_to(struct sk_tp_group *g, enum sk_proto proto,
                             const struct sk_sa *remote);
/** Accepted connections open in all members. */
size_t sk_tp_group_count(struct sk_tp_group *g);
/** What a member calls for each connection it accepts, and when it goes (tests may too):
 * 0 or -SK_ENOMEM. The removal returns the members that sent on it (bit i: member i,
 * sk_tp_group_use), 0 for an id not there. */
int sk_tp_group_add(struct sk_tp_group *g, uint64_t conn, enum sk_proto proto,
                    const struct sk_sa *remote);
uint64_t sk_tp_group_remove(struct sk_tp_group *g, uint64_t conn);
/** Member `member` is about to send on conn: true while it is open, with its protocol
 * (may be NULL), and the member is remembered as one that sent on it. */
bool sk_tp_group_use(struct sk_tp_group *g, uint64_t conn, unsigned member, enum sk_proto *proto);

/**
 * The across hook: sk_tp_send was asked to send bytes on flow, whose
 * connection member owner holds and the group's table has open. The hook
 * passes a copy to that member, which writes it with sk_tp_send_own, and
 * returns 0, or a negative error when it cannot (the owner's queue full or
 * the owner stopped: the send fails). NULL removes it (such sends then fail).
 */
typedef int (*sk_tp_across_fn)(void *arg, unsigned owner, const struct sk_flow *flow,
                               const char *buf, size_t len);
void sk_tp_set_across(struct sk_tp *tp, sk_tp_across_fn fn, void *arg);
/**
 * The gone hook: an accepted connection of ours broke (where the transport
 * tells its own user through conn_lost, §17.1.4: a WebSocket closed, a reset,
 * an error) after other members sent on it (bit i of members: member i). The
 * hook tells each of them, on its own thread, with sk_tp_conn_gone. NULL
 * removes it.
 */
typedef void (*sk_tp_gone_fn)(void *arg, uint64_t conn, uint64_t members);
void sk_tp_set_gone(struct sk_tp *tp, sk_tp_gone_fn fn, void *arg);
/** Another member's connection conn, on which we sent, broke: our user hears of it through
 * conn_lost, as of one of ours (its transactions on it fail at once, §17.1.4). */
void sk_tp_conn_gone(struct sk_tp *tp, uint64_t conn);
/**
 * The owner's half of a send across: bytes written on flow->conn, which must
 * be one of tp's, traced and counted as sk_tp_send does; -SK_ENOTFOUND when
 * that connection has gone meanwhile (nothing then opens another).
 */
int sk_tp_send_own(struct sk_tp *tp, const struct sk_flow *flow, const char *buf, size_t len);

#endif
