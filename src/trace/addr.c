/* SPDX-License-Identifier: BSD-3-Clause */
/* Endpoints of traced messages: names, printing, comparing, parsing; civil dates. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "input.h"

const char *sk_trace_proto_name(enum sk_trace_proto p)
{
	switch (p) {
	case SK_TRACE_UDP: return "udp";
	case SK_TRACE_TCP: return "tcp";
	case SK_TRACE_SCTP: return "sctp";
	default: return "sip";
	}
}

size_t sk_trace_addr_print(const struct sk_trace_addr *a, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];
	int n;

	if (!buf || !size)
		return 0;
	buf[0] = '\0';
	if (!a)
		return 0;
	switch (a->family) {
	case 4:
		inet_ntop(AF_INET, a->ip, host, sizeof(host));
		n = snprintf(buf, size, "%s:%u", host, (unsigned)a->port);
		break;
	case 6:
		inet_ntop(AF_INET6, a->ip, host, sizeof(host));
		n = snprintf(buf, size, "[%s]:%u", host, (unsigned)a->port);
		break;
	default:
		n = snprintf(buf, size, "%s",
		             a->ip[0] == SK_TRACE_SIDE_LOCAL  ? "local"
		             : a->ip[0] == SK_TRACE_SIDE_PEER ? "peer"
		                                              : "unknown");
		break;
	}
	if (n < 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size - 1;
}

bool sk_trace_addr_eq(const struct sk_trace_addr *a, const struct sk_trace_addr *b)
{
	if (a->family != b->family)
		return false;
	switch (a->family) {
	case 4: return a->port == b->port && memcmp(a->ip, b->ip, 4) == 0;
	case 6: return a->port == b->port && memcmp(a->ip, b->ip, 16) == 0;
	default: return a->ip[0] == b->ip[0]; /* the side */
	}
}

int sk_trace_addr_parse(struct sk_trace_addr *a, const char *s, size_t len)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon;
	size_t hlen;

	memset(a, 0, sizeof(*a));
	if (len && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		if (!close || close + 1 >= s + len || close[1] != ':')
			return -SK_EMALFORMED;
		hlen = (size_t)(close - s - 1);
		if (hlen >= sizeof(host))
			return -SK_EMALFORMED;
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		if (inet_pton(AF_INET6, host, a->ip) != 1)
			return -SK_EMALFORMED;
		a->family = 6;
		colon = close + 1;
	} else {
		colon = memchr(s, ':', len);
		if (!colon)
			return -SK_EMALFORMED;
		hlen = (size_t)(colon - s);
		if (hlen >= sizeof(host))
			return -SK_EMALFORMED;
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		if (inet_pton(AF_INET, host, a->ip) != 1)
			return -SK_EMALFORMED;
		a->family = 4;
	}
	uint64_t port;
	struct sk_str ps = {colon + 1, (size_t)(s + len - colon - 1)};
	if (sk_str_to_u64(ps, 65535, &port) < 0)
		return -SK_EMALFORMED;
	a->port = (uint16_t)port;
	return 0;
}

/* Howard Hinnant's days_from_civil: days since 1970-01-01, proleptic Gregorian. */
int64_t sk_trace_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}
