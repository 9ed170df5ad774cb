/* SPDX-License-Identifier: BSD-3-Clause */
/* generic-param lists ";name=value" (RFC 3261 §25.1). */
#include <string.h>

#include "lex.h"
#include "sipkit/msg.h"

int sk_param_next(struct sk_str params, size_t *pos, struct sk_str *name, struct sk_str *value)
{
	const char *p, *end;

	if (!params.p || *pos >= params.len)
		return 0;
	p = params.p + *pos;
	end = params.p + params.len;
	/* the element ends at the next ';' outside a quoted string */
	const char *e = p;
	while (e < end && *e != ';') {
		if (*e == '"') {
			struct lx l = {e, end};
			struct sk_str q;
			if (sk_lex_quoted(&l, &q) < 0) {
				e = end;
				break;
			}
			e = l.p;
			continue;
		}
		e++;
	}
	*pos = (size_t)(e - params.p) + (e < end ? 1 : 0);
	struct sk_str elem = lx_trim((struct sk_str){p, (size_t)(e - p)});
	const char *eq = memchr(elem.p, '=', elem.len);
	if (eq) {
		*name = lx_trim((struct sk_str){elem.p, (size_t)(eq - elem.p)});
		*value = lx_trim((struct sk_str){eq + 1, (size_t)(elem.p + elem.len - eq - 1)});
	} else {
		*name = elem;
		*value = (struct sk_str){NULL, 0};
	}
	return 1;
}

int sk_param_find(struct sk_str params, const char *name, struct sk_str *value)
{
	size_t pos = 0;
	struct sk_str n, v;
	struct sk_str want = sk_str_c(name);

	while (sk_param_next(params, &pos, &n, &v)) {
		if (sk_str_caseeq(n, want)) {
			if (value)
				*value = v;
			return 0;
		}
	}
	return -SK_ENOTFOUND;
}
