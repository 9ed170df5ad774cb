/* SPDX-License-Identifier: BSD-3-Clause */
/* Socket addresses and targets: numeric hosts only (no DNS in this layer). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "net.h"

const char *sk_proto_name(enum sk_proto p)
{
	switch (p) {
	case SK_PROTO_UDP: return "UDP";
	case SK_PROTO_TCP: return "TCP";
	case SK_PROTO_TLS: return "TLS";
	case SK_PROTO_WS: return "WS";
	case SK_PROTO_WSS: return "WSS"; /* RFC 7118 §5.2: the Via of a secure WebSocket */
	default: return "";
	}
}

const char *sk_proto_uri_param(enum sk_proto p)
{
	switch (p) {
	case SK_PROTO_TCP: return ";transport=tcp";
	case SK_PROTO_TLS: return ";transport=tls";
	/* RFC 7118 §5.2: one URI transport value, "ws", for plain and secure WebSocket alike */
	case SK_PROTO_WS:
	case SK_PROTO_WSS: return ";transport=ws";
	default: return "";
	}
}

const char *sk_proto_lower(enum sk_proto p)
{
	switch (p) {
	case SK_PROTO_UDP: return "udp";
	case SK_PROTO_TCP: return "tcp";
	case SK_PROTO_TLS: return "tls";
	case SK_PROTO_WS: return "ws";
	case SK_PROTO_WSS: return "wss";
	default: return "";
	}
}

enum sk_proto sk_proto_from_token(struct sk_str token)
{
	if (sk_str_caseeq_c(token, "UDP"))
		return SK_PROTO_UDP;
	if (sk_str_caseeq_c(token, "TCP"))
		return SK_PROTO_TCP;
	if (sk_str_caseeq_c(token, "WS"))
		return SK_PROTO_WS;
	if (sk_str_caseeq_c(token, "WSS"))
		return SK_PROTO_WSS;
	if (sk_str_caseeq_c(token, "TLS"))
		return SK_PROTO_TLS;
	return SK_PROTO_NONE;
}

/*
 * A dotted quad as inet_pton(AF_INET) reads it (four decimal parts of 0 to 255,
 * no leading zero), without the copy to a C string: every Via and every target
 * goes through here.
 */
static bool ipv4_from_text(struct sk_str s, struct in_addr *out)
{
	uint32_t addr = 0;
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		if (part && (i >= s.len || s.p[i++] != '.'))
			return false;
		size_t start = i;
		unsigned v = 0;
		while (i < s.len && s.p[i] >= '0' && s.p[i] <= '9' && i - start < 3)
			v = v * 10 + (unsigned)(s.p[i++] - '0');
		if (i == start || v > 255 || (s.p[start] == '0' && i - start > 1))
			return false;
		addr = addr << 8 | v;
	}
	if (i != s.len)
		return false;
	out->s_addr = htonl(addr);
	return true;
}

int sk_sa_from_host(struct sk_sa *a, struct sk_str host, uint16_t port)
{
	char buf[INET6_ADDRSTRLEN + 2];
	struct in_addr in;
	if (ipv4_from_text(host, &in)) {
		memset(a, 0, sizeof(*a));
		a->u.in.sin_family = AF_INET;
		a->u.in.sin_addr = in;
		a->u.in.sin_port = htons(port);
		return 0;
	}
	if (host.len >= 2 && host.p[0] == '[' && host.p[host.len - 1] == ']') {
		host.p++;
		host.len -= 2;
	}
	if (!host.len || host.len >= sizeof(buf))
		return -SK_EINVAL;
	memcpy(buf, host.p, host.len);
	buf[host.len] = '\0';
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, buf, &a->u.in.sin_addr) == 1) {
		a->u.in.sin_family = AF_INET;
		a->u.in.sin_port = htons(port);
		return 0;
	}
	if (inet_pton(AF_INET6, buf, &a->u.in6.sin6_addr) == 1) {
		a->u.in6.sin6_family = AF_INET6;
		a->u.in6.sin6_port = htons(port);
		return 0;
	}
	return -SK_EINVAL;
}

int sk_sa_parse(struct sk_sa *a, struct sk_str s, uint16_t default_port)
{
	struct sk_str host = s;
	uint64_t port = default_port;
	const char *colon = NULL;
	if (s.len && s.p[0] == '[') {
		const char *close = memchr(s.p, ']', s.len);
		if (!close)
			return -SK_EINVAL;
		host.len = (size_t)(close - s.p) + 1;
		if (host.len < s.len) {
			if (s.p[host.len] != ':')
				return -SK_EINVAL;
			colon = s.p + host.len;
		}
	} else {
		colon = memchr(s.p, ':', s.len);
		if (colon && memchr(colon + 1, ':', s.len - (size_t)(colon - s.p) - 1))
			colon = NULL; /* a bare IPv6 address: no port */
		else if (colon)
			host.len = (size_t)(colon - s.p);
	}
	if (colon) {
		struct sk_str ps = {colon + 1, s.len - (size_t)(colon + 1 - s.p)};
		if (sk_str_to_u64(ps, 65535, &port) < 0)
			return -SK_EINVAL;
	}
	return sk_sa_from_host(a, host, (uint16_t)port);
}

bool sk_sa_same_host(const struct sk_sa *a, const struct sk_sa *b)
{
	if (a->u.sa.sa_family != b->u.sa.sa_family)
		return false;
	if (a->u.sa.sa_family == AF_INET)
		return a->u.in.sin_addr.s_addr == b->u.in.sin_addr.s_addr;
	if (a->u.sa.sa_family == AF_INET6)
		return !memcmp(&a->u.in6.sin6_addr, &b->u.in6.sin6_addr, 16);
	return false;
}

bool sk_sa_equal(const struct sk_sa *a, const struct sk_sa *b)
{
	return sk_sa_same_host(a, b) && sk_sa_port(a) == sk_sa_port(b);
}

uint16_t sk_sa_port(const struct sk_sa *a)
{
	if (a->u.sa.sa_family == AF_INET)
		return ntohs(a->u.in.sin_port);
	if (a->u.sa.sa_family == AF_INET6)
		return ntohs(a->u.in6.sin6_port);
	return 0;
}

void sk_sa_set_port(struct sk_sa *a, uint16_t port)
{
	if (a->u.sa.sa_family == AF_INET)
		a->u.in.sin_port = htons(port);
	else if (a->u.sa.sa_family == AF_INET6)
		a->u.in6.sin6_port = htons(port);
}

socklen_t sk_sa_len(const struct sk_sa *a)
{
	return a->u.sa.sa_family == AF_INET6 ? sizeof(a->u.in6) : sizeof(a->u.in);
}

/* The host as inet_ntop writes it; IPv4 (every call's event, every Record-Route) without
 * printf, which inet_ntop uses for it. */
static void put_host(struct sk_fmt *f, const struct sk_sa *a)
{
	char tmp[INET6_ADDRSTRLEN] = "";
	if (a->u.sa.sa_family == AF_INET) {
		const unsigned char *q = (const unsigned char *)&a->u.in.sin_addr;
		for (int i = 0; i < 4; i++) {
			if (i)
				sk_fmt_char(f, '.');
			sk_fmt_u64(f, q[i]);
		}
		return;
	}
	if (a->u.sa.sa_family == AF_INET6)
		inet_ntop(AF_INET6, &a->u.in6.sin6_addr, tmp, sizeof(tmp));
	sk_fmt_cstr(f, tmp);
}

size_t sk_sa_host(const struct sk_sa *a, char *buf, size_t size)
{
	struct sk_fmt f;
	sk_fmt_init(&f, buf, size);
	put_host(&f, a);
	return f.len;
}

size_t sk_sa_print(const struct sk_sa *a, char *buf, size_t size)
{
	struct sk_fmt f; /* "%s:%u", "[%s]:%u" for IPv6 */
	sk_fmt_init(&f, buf, size);
	bool v6 = a->u.sa.sa_family == AF_INET6;
	if (v6)
		sk_fmt_char(&f, '[');
	put_host(&f, a);
	if (v6)
		sk_fmt_char(&f, ']');
	sk_fmt_char(&f, ':');
	sk_fmt_u64(&f, sk_sa_port(a));
	return f.len;
}

int sk_target_parse(struct sk_target *t, const char *s)
{
	struct sk_str in = sk_str_c(s);
	size_t skip = 4;
	if (in.len > 4 && !strncasecmp(s, "udp:", 4)) {
		t->proto = SK_PROTO_UDP;
	} else if (in.len > 4 && !strncasecmp(s, "tcp:", 4)) {
		t->proto = SK_PROTO_TCP;
	} else if (in.len > 4 && !strncasecmp(s, "wss:", 4)) {
		t->proto = SK_PROTO_WSS;
	} else if (in.len > 3 && !strncasecmp(s, "ws:", 3)) {
		t->proto = SK_PROTO_WS;
		skip = 3;
	} else if (in.len > 4 && !strncasecmp(s, "tls:", 4)) {
		t->proto = SK_PROTO_TLS;
		skip = 4;
	} else {
		return -SK_EINVAL;
	}
	t->name[0] = '\0';
	/* RFC 7118 §4 (RFC 6455 §3): ws: takes HTTP's port 80 when none is given, wss:
	 * HTTPS's 443; RFC 3263 §4.2: 5061 for TLS */
	return sk_sa_parse(&t->addr, (struct sk_str){s + skip, in.len - skip},
	                   t->proto == SK_PROTO_WS    ? 80
	                   : t->proto == SK_PROTO_WSS ? 443
	                   : t->proto == SK_PROTO_TLS ? 5061
	                                              : 5060);
}

void sk_net_free(struct sk_net *net)
{
	if (net)
		net->ops->free(net);
}

int sk_target_from_uri(struct sk_target *t, struct sk_str text, enum sk_proto dflt)
{
	struct sk_uri uri;
	struct sk_str v;
	if (sk_uri_parse(&uri, text, NULL) < 0 ||
	    (uri.scheme != SK_URI_SIP && uri.scheme != SK_URI_SIPS))
		return -SK_EINVAL;
	struct sk_str host = uri.host;
	if (sk_uri_param(&uri, "maddr", &v) == 0 && v.len) /* §19.1.1 */
		host = v;
	memset(t, 0, sizeof(*t));
	bool sips = uri.scheme == SK_URI_SIPS;
	t->proto = sips ? SK_PROTO_TLS : dflt ? dflt : SK_PROTO_UDP;
	if (sk_uri_param(&uri, "transport", &v) == 0) {
		t->proto = sk_proto_from_token(v);
		/* RFC 5630 §3.1.3: sips with transport=tcp is TLS over TCP; with udp, nothing */
		if (sips && t->proto == SK_PROTO_TCP)
			t->proto = SK_PROTO_TLS;
		/* RFC 7118 §5.2: transport=ws names both; under sips it is secure WebSocket */
		if (sips && t->proto == SK_PROTO_WS)
			t->proto = SK_PROTO_WSS;
		if (!t->proto || (sips && !sk_proto_is_secure(t->proto)))
			return -SK_EINVAL;
	}
	/* RFC 5922 §7.2: the name the server's certificate must carry is the URI's host */
	if (t->proto == SK_PROTO_TLS)
		sk_str_cpy(t->name, sizeof(t->name), uri.host);
	uint16_t dport = t->proto == SK_PROTO_TLS ? 5061 : 5060; /* RFC 3263 §4.2 */
	return sk_sa_from_host(&t->addr, host, uri.port ? uri.port : dport);
}
