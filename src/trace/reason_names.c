/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reason values for a person (RFC 3326 §2): SIP causes are status codes,
 * Q.850 causes are ITU-T Q.850's cause values, and the 3GPP protocols of
 * TS 24.229 §7.2A.18 (RELEASE_CAUSE, FAILURE_CAUSE) have their own lists.
 */
#include <stdio.h>
#include <string.h>

#include "sipkit/trace.h"

struct cause_name {
	uint16_t cause;
	const char *name;
};

static const struct cause_name q850[] = {
    {1, "Unallocated (unassigned) number"},
    {2, "No route to specified transit network"},
    {3, "No route to destination"},
    {6, "Channel unacceptable"},
    {16, "Normal call clearing"},
    {17, "User busy"},
    {18, "No user responding"},
    {19, "No answer from user (user alerted)"},
    {20, "Subscriber absent"},
    {21, "Call rejected"},
    {22, "Number changed"},
    {26, "Non-selected user clearing"},
    {27, "Destination out of order"},
    {28, "Invalid number format (address incomplete)"},
    {29, "Facility rejected"},
    {31, "Normal, unspecified"},
    {34, "No circuit/channel available"},
    {38, "Network out of order"},
    {41, "Temporary failure"},
    {42, "Switching equipment congestion"},
    {44, "Requested circuit/channel not available"},
    {47, "Resource unavailable, unspecified"},
    {50, "Requested facility not subscribed"},
    {55, "Incoming calls barred within CUG"},
    {57, "Bearer capability not authorized"},
    {58, "Bearer capability not presently available"},
    {63, "Service or option not available, unspecified"},
    {65, "Bearer capability not implemented"},
    {69, "Requested facility not implemented"},
    {79, "Service or option not implemented, unspecified"},
    {87, "User not member of CUG"},
    {88, "Incompatible destination"},
    {95, "Invalid message, unspecified"},
    {96, "Mandatory information element is missing"},
    {97, "Message type non-existent or not implemented"},
    {99, "Information element non-existent or not implemented"},
    {100, "Invalid information element contents"},
    {102, "Recovery on timer expiry"},
    {111, "Protocol error, unspecified"},
    {127, "Interworking, unspecified"},
};

/* 3GPP TS 24.229 §7.2A.18.2: why an IMS element released the call. */
static const struct cause_name release_cause[] = {
    {1, "User ends call"},       {2, "RTP/RTCP time-out"},     {3, "Media bearer loss"},
    {4, "SIP timeout - no ACK"}, {5, "SIP response time-out"}, {6, "Call-setup time-out"},
};

/* 3GPP TS 24.229 §7.2A.18.3: resource failures reported by the P-CSCF. */
static const struct cause_name failure_cause[] = {
    {1, "Media bearer or QoS lost"},
    {2, "Release of signalling bearer"},
    {3, "Indication of failed resources allocation"},
};

#define LOOKUP(table, c) lookup(table, sizeof(table) / sizeof(table[0]), c)

static const char *lookup(const struct cause_name *t, size_t n, uint32_t cause)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].cause == cause)
			return t[i].name;
	return NULL;
}

size_t sk_trace_reason_describe(const struct sk_reason *r, char *buf, size_t size)
{
	const char *name = NULL, *source = "";
	if (r->has_cause) {
		if (sk_str_caseeq_c(r->protocol, "SIP")) {
			name = r->cause >= 100 && r->cause < 700 ? sk_status_phrase((int)r->cause)
			                                         : NULL;
		} else if (sk_str_caseeq_c(r->protocol, "Q.850")) {
			name = LOOKUP(q850, r->cause);
		} else if (sk_str_caseeq_c(r->protocol, "RELEASE_CAUSE")) {
			name = LOOKUP(release_cause, r->cause);
			source = ", 3GPP TS 24.229";
		} else if (sk_str_caseeq_c(r->protocol, "FAILURE_CAUSE")) {
			name = LOOKUP(failure_cause, r->cause);
			source = ", 3GPP TS 24.229";
		}
		if (name && !*name)
			name = NULL;
	}
	/* the text when there is one ("Call completed elsewhere" says more than "OK") */
	bool text = r->text.len && !(name && sk_str_caseeq_c(r->text, name));
	int n;
	if (r->has_cause)
		n = snprintf(buf, size, "%.*s %u%s%s%s%s%s%.*s%s", (int)r->protocol.len,
		             r->protocol.p, r->cause, name ? " (" : "", name ? name : "", source,
		             name ? ")" : "", text ? " \"" : "", (int)(text ? r->text.len : 0),
		             text ? r->text.p : "", text ? "\"" : "");
	else
		n = snprintf(buf, size, "%.*s%s%.*s%s", (int)r->protocol.len, r->protocol.p,
		             text ? " \"" : "", (int)(text ? r->text.len : 0),
		             text ? r->text.p : "", text ? "\"" : "");
	if (n < 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size ? size - 1 : 0;
}
