/* SPDX-License-Identifier: BSD-3-Clause */
/* Reason header values (RFC 3326 §2; 3GPP TS 24.229 §7.2A.18 protocols). */
#include <string.h>

#include "lex.h"
#include "sipkit/msg.h"

static int parse_one(struct sk_reason *r, struct sk_str s, const char **why)
{
	struct lx l = lx_of(s);
	size_t pos = 0;
	struct sk_str name, val;

	memset(r, 0, sizeof(*r));
	r->protocol = lx_take(&l, LX_TOKEN); /* "SIP" / "Q.850" / token */
	if (r->protocol.len == 0) {
		*why = "Reason: missing protocol";
		return -1;
	}
	if (lx_params(&l, &r->params, NULL, 0, NULL) < 0) {
		*why = "Reason: empty or malformed parameter";
		return -1;
	}
	lx_skip_ws(&l);
	if (!lx_done(&l)) {
		*why = "Reason: unexpected text after the parameters";
		return -1;
	}
	while (sk_param_next(r->params, &pos, &name, &val)) {
		if (sk_str_caseeq_c(name, "cause")) {
			uint64_t cause;
			if (sk_str_to_u64(val, UINT32_MAX, &cause) < 0) {
				*why = "Reason: cause is not a number";
				return -1;
			}
			r->cause = (uint32_t)cause;
			r->has_cause = true;
		} else if (sk_str_caseeq_c(name, "text")) {
			if (val.len < 2 || val.p[0] != '"') {
				*why = "Reason: text must be a quoted string";
				return -1;
			}
			r->text = (struct sk_str){val.p + 1, val.len - 2};
		}
	}
	return 0;
}

int sk_reason_parse(struct sk_str value, struct sk_reason *out, size_t max, size_t *n,
                    const char **err_why)
{
	const char *dummy;
	const char **why = err_why ? err_why : &dummy;
	struct lx all = lx_of(value);
	const char *p = all.p, *end = all.end;

	*n = 0;
	for (;;) {
		const char *comma = sk_lex_next_comma(p, end);
		struct sk_str item = lx_trim((struct sk_str){p, (size_t)(comma - p)});
		if (item.len == 0) {
			*why = "Reason: empty value";
			return -SK_EMALFORMED;
		}
		if (*n >= max) {
			*why = "Reason: too many values";
			return -SK_ETOOBIG;
		}
		if (parse_one(&out[*n], item, why) < 0)
			return -SK_EMALFORMED;
		(*n)++;
		if (comma >= end)
			break;
		p = comma + 1;
	}
	return 0;
}
