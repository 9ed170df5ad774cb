/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Copies of a message for a proxy to pass on (§16.6, §16.7 step 3): a request
 * with a new Request-URI, Max-Forwards decremented, its first Route value
 * removed or a Record-Route added; a response without its top Via value.
 * Every other header line goes through as received, in order; the body too,
 * with Content-Length computed again.
 */
#include <string.h>

#include "msg_int.h"

/* Emits the values of an address list (Route) or Via in [from, n - drop_last), one per line. */
static int put_values(struct sk_build *b, const struct sk_msg *m, enum sk_hdr_id id, size_t from,
                      size_t drop_last)
{
	const char *name = id == SK_HDR_VIA ? "Via" : "Route";
	size_t n = id == SK_HDR_VIA ? sk_msg_via_count(m) : sk_msg_addr_count(m, id);
	n = n > drop_last ? n - drop_last : 0;
	for (size_t i = from; i < n; i++) {
		struct sk_str v =
		    id == SK_HDR_VIA ? sk_msg_via(m, i)->raw : sk_msg_addr(m, id, i)->raw;
		int rc = sk_build_hdr(b, name, v);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* What a forwarded request gets right below the received Vias (§16.6 steps 3-4). */
struct insert {
	const char *record_route;
	int max_forwards;     /* -1: none */
	uint32_t max_breadth; /* 0: none (any received one is copied) */
	const struct sk_hdr *drop;
};

static int put_insert(struct sk_build *b, const struct insert *ins)
{
	int rc = 0;
	if (ins->record_route) /* ours above the Record-Routes already there */
		rc = sk_build_hdr(b, "Record-Route", sk_str_c(ins->record_route));
	if (rc == 0 && ins->max_forwards >= 0)
		rc = sk_build_hdr_u64(b, "Max-Forwards", (unsigned)ins->max_forwards);
	if (rc == 0 && ins->max_breadth)
		rc = sk_build_hdr_u64(b, "Max-Breadth", ins->max_breadth);
	return rc;
}

/*
 * Copies every header but those skipped; `rewrite` lines are replaced by
 * put_values(from). ins (may be NULL) goes after the leading Via lines, so
 * that the Via block stays together under the one the transport adds on top
 * (§7.3.1; peers that read "the Vias" as consecutive lines need it).
 */
static int copy_headers(struct sk_build *b, const struct sk_msg *m, enum sk_hdr_id rewrite,
                        size_t from, size_t drop_last, const struct insert *ins)
{
	bool rewritten = false, inserted = !ins;
	for (uint32_t i = 0; i < m->nhdrs; i++) {
		const struct sk_hdr *h = &m->hdrs[i];
		int rc = 0;
		if (!inserted && h->id != SK_HDR_VIA) {
			if ((rc = put_insert(b, ins)) < 0)
				return rc;
			inserted = true;
		}
		if (h->id == SK_HDR_CONTENT_LENGTH || (ins && h->id == SK_HDR_MAX_FORWARDS) ||
		    (ins && h == ins->drop))
			continue;
		if (ins && ins->max_breadth && h->id == SK_HDR_OTHER &&
		    sk_str_caseeq_c(h->name, "Max-Breadth"))
			continue; /* ours replaces it (RFC 5393 §5.3) */
		if (rewrite != SK_HDR_OTHER && h->id == rewrite) {
			if (!rewritten)
				rc = put_values(b, m, rewrite, from, drop_last);
			rewritten = true;
		} else {
			rc = sk_build_hdr_view(b, sk_build_name_as_received(h), h->value);
		}
		if (rc < 0)
			return rc;
	}
	return inserted ? 0 : put_insert(b, ins);
}

int sk_build_forward_request(struct sk_build **out, const struct sk_msg *req,
                             const struct sk_forward *fw)
{
	if (!out || !req || !req->request || !fw)
		return -SK_EINVAL;
	struct sk_build *b;
	struct sk_str ruri = sk_str_present(fw->ruri) ? fw->ruri : req->ruri_str;
	/* about the received message, with the new Request-URI and what is inserted */
	size_t size = sk_msg_raw(req).len + ruri.len + 128;
	size += fw->record_route ? strlen(fw->record_route) + 16 : 0;
	size += fw->route_tail ? strlen(fw->route_tail) + 16 : 0;
	int rc = sk_build_request_sized(&b, req->method, ruri, size);
	if (rc < 0)
		return rc;
	/* §16.6 step 3: Max-Forwards one less, 70 when absent; step 4: Record-Route */
	struct insert ins = {fw->record_route, req->max_forwards >= 0 ? req->max_forwards - 1 : 70,
	                     fw->max_breadth, fw->drop_hdr};
	rc = copy_headers(b, req,
	                  fw->drop_routes || fw->drop_last_route ? SK_HDR_ROUTE : SK_HDR_OTHER,
	                  fw->drop_routes, fw->drop_last_route ? 1 : 0, &ins);
	if (rc == 0 && fw->route_tail)
		rc = sk_build_hdr(b, "Route", sk_str_c(fw->route_tail));
	if (rc == 0)
		rc = sk_build_body(b, NULL, req->body.p, req->body.len);
	if (rc < 0) {
		sk_build_free(b);
		return rc;
	}
	*out = b;
	return 0;
}

int sk_build_forward_response(struct sk_build **out, const struct sk_msg *resp)
{
	if (!out || !resp || resp->request || resp->nvias < 2)
		return -SK_EINVAL;
	struct sk_build *b;
	char phrase[256];
	sk_str_cpy(phrase, sizeof(phrase), resp->phrase);
	/* one Via less than the received message */
	int rc = sk_build_response_sized(&b, resp->status, phrase[0] ? phrase : NULL,
	                                 sk_msg_raw(resp).len + 64);
	if (rc < 0)
		return rc;
	/* §16.7 step 3: the topmost Via value (ours) goes, the rest stay in order */
	rc = copy_headers(b, resp, SK_HDR_VIA, 1, 0, NULL);
	if (rc == 0)
		rc = sk_build_body(b, NULL, resp->body.p, resp->body.len);
	if (rc < 0) {
		sk_build_free(b);
		return rc;
	}
	*out = b;
	return 0;
}
