/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the proxy says when its location store cannot be read or written (a
 * remote store's outage: the store answers -SK_EIO at once while it backs
 * off, so none of this waits). A REGISTER gets 500 with Retry-After (§21.5.1:
 * "MAY include a Retry-After header field", §20.33): the phone tries again
 * later, here or elsewhere, and keeps its old binding meanwhile. A request for
 * a user whose bindings cannot be read gets 480 Temporarily Unavailable
 * (§21.4.18) with a Warning (§20.43, code 399: miscellaneous) naming this
 * proxy, never a 404 that would tell the caller the user does not exist.
 */
#include <stdio.h>
#include <string.h>

#include "proxy_int.h"

#define STORE_RETRY_AFTER_S 10 /* seconds a phone waits before registering again */

const struct sk_location *sk_proxy_location(const struct sk_proxy *p)
{
	return p ? &p->loc : NULL;
}

int sk_proxy_reply_store_down(struct sk_proxy *p, struct sk_txn *st, bool registering)
{
	char extra[320], host[96] = "";
	if (registering) {
		snprintf(extra, sizeof(extra), "Retry-After: %u\r\n", STORE_RETRY_AFTER_S);
		return sk_proxy_reply(p, st, 500, "Location Store Unavailable", extra);
	}
	sk_proxy_warn_agent(p, sk_txn_flow(st), host, sizeof(host));
	snprintf(extra, sizeof(extra), "Warning: 399 %s \"location store unavailable\"\r\n", host);
	return sk_proxy_reply(p, st, 480, NULL, extra);
}
