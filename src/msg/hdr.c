/* SPDX-License-Identifier: BSD-3-Clause */
/* Header names: lookup of full and compact forms, canonical spelling. */
#include <string.h>

#include "lex.h"
#include "sipkit/msg.h"

/* Canonical names, indexed by enum sk_hdr_id. */
static const char *const hdr_names[SK_HDR__COUNT] = {
	[SK_HDR_OTHER] = NULL,
	[SK_HDR_ACCEPT] = "Accept",
	[SK_HDR_ACCEPT_CONTACT] = "Accept-Contact",
	[SK_HDR_ACCEPT_ENCODING] = "Accept-Encoding",
	[SK_HDR_ACCEPT_LANGUAGE] = "Accept-Language",
	[SK_HDR_ALERT_INFO] = "Alert-Info",
	[SK_HDR_ALLOW] = "Allow",
	[SK_HDR_ALLOW_EVENTS] = "Allow-Events",
	[SK_HDR_AUTHENTICATION_INFO] = "Authentication-Info",
	[SK_HDR_AUTHORIZATION] = "Authorization",
	[SK_HDR_CALL_ID] = "Call-ID",
	[SK_HDR_CALL_INFO] = "Call-Info",
	[SK_HDR_CONTACT] = "Contact",
	[SK_HDR_CONTENT_DISPOSITION] = "Content-Disposition",
	[SK_HDR_CONTENT_ENCODING] = "Content-Encoding",
	[SK_HDR_CONTENT_LANGUAGE] = "Content-Language",
	[SK_HDR_CONTENT_LENGTH] = "Content-Length",
	[SK_HDR_CONTENT_TYPE] = "Content-Type",
	[SK_HDR_CSEQ] = "CSeq",
	[SK_HDR_DATE] = "Date",
	[SK_HDR_ERROR_INFO] = "Error-Info",
	[SK_HDR_EVENT] = "Event",
	[SK_HDR_EXPIRES] = "Expires",
	[SK_HDR_FROM] = "From",
	[SK_HDR_IDENTITY] = "Identity",
	[SK_HDR_IN_REPLY_TO] = "In-Reply-To",
	[SK_HDR_MAX_FORWARDS] = "Max-Forwards",
	[SK_HDR_MIME_VERSION] = "MIME-Version",
	[SK_HDR_MIN_EXPIRES] = "Min-Expires",
	[SK_HDR_MIN_SE] = "Min-SE",
	[SK_HDR_ORGANIZATION] = "Organization",
	[SK_HDR_P_ACCESS_NETWORK_INFO] = "P-Access-Network-Info",
	[SK_HDR_P_ASSERTED_IDENTITY] = "P-Asserted-Identity",
	[SK_HDR_P_CALLED_PARTY_ID] = "P-Called-Party-ID",
	[SK_HDR_P_CHARGING_VECTOR] = "P-Charging-Vector",
	[SK_HDR_P_PREFERRED_IDENTITY] = "P-Preferred-Identity",
	[SK_HDR_PATH] = "Path",
	[SK_HDR_PRIORITY] = "Priority",
	[SK_HDR_PRIVACY] = "Privacy",
	[SK_HDR_PROXY_AUTHENTICATE] = "Proxy-Authenticate",
	[SK_HDR_PROXY_AUTHORIZATION] = "Proxy-Authorization",
	[SK_HDR_PROXY_REQUIRE] = "Proxy-Require",
	[SK_HDR_RACK] = "RAck",
	[SK_HDR_REASON] = "Reason",
	[SK_HDR_RECORD_ROUTE] = "Record-Route",
	[SK_HDR_REFER_TO] = "Refer-To",
	[SK_HDR_REFERRED_BY] = "Referred-By",
	[SK_HDR_REJECT_CONTACT] = "Reject-Contact",
	[SK_HDR_REPLY_TO] = "Reply-To",
	[SK_HDR_REQUEST_DISPOSITION] = "Request-Disposition",
	[SK_HDR_REQUIRE] = "Require",
	[SK_HDR_RETRY_AFTER] = "Retry-After",
	[SK_HDR_ROUTE] = "Route",
	[SK_HDR_RSEQ] = "RSeq",
	[SK_HDR_SECURITY_CLIENT] = "Security-Client",
	[SK_HDR_SECURITY_SERVER] = "Security-Server",
	[SK_HDR_SECURITY_VERIFY] = "Security-Verify",
	[SK_HDR_SERVER] = "Server",
	[SK_HDR_SERVICE_ROUTE] = "Service-Route",
	[SK_HDR_SESSION_EXPIRES] = "Session-Expires",
	[SK_HDR_SUBJECT] = "Subject",
	[SK_HDR_SUBSCRIPTION_STATE] = "Subscription-State",
	[SK_HDR_SUPPORTED] = "Supported",
	[SK_HDR_TIMESTAMP] = "Timestamp",
	[SK_HDR_TO] = "To",
	[SK_HDR_UNSUPPORTED] = "Unsupported",
	[SK_HDR_USER_AGENT] = "User-Agent",
	[SK_HDR_VIA] = "Via",
	[SK_HDR_WARNING] = "Warning",
	[SK_HDR_WWW_AUTHENTICATE] = "WWW-Authenticate",
};

static const char hdr_compact[SK_HDR__COUNT] = {
	[SK_HDR_ACCEPT_CONTACT] = 'a',
	[SK_HDR_ALLOW_EVENTS] = 'u',
	[SK_HDR_CALL_ID] = 'i',
	[SK_HDR_CONTACT] = 'm',
	[SK_HDR_CONTENT_ENCODING] = 'e',
	[SK_HDR_CONTENT_LENGTH] = 'l',
	[SK_HDR_CONTENT_TYPE] = 'c',
	[SK_HDR_EVENT] = 'o',
	[SK_HDR_FROM] = 'f',
	[SK_HDR_IDENTITY] = 'y',
	[SK_HDR_REFER_TO] = 'r',
	[SK_HDR_REFERRED_BY] = 'b',
	[SK_HDR_REJECT_CONTACT] = 'j',
	[SK_HDR_REQUEST_DISPOSITION] = 'd',
	[SK_HDR_SESSION_EXPIRES] = 'x',
	[SK_HDR_SUBJECT] = 's',
	[SK_HDR_SUPPORTED] = 'k',
	[SK_HDR_TO] = 't',
	[SK_HDR_VIA] = 'v',
};

/* Full names grouped by their lowercase first letter, for lookup. */
struct hdr_entry {
	const char *name;
	uint8_t len;
	uint8_t id;
};

static const struct hdr_entry hdr_by_letter[] = {
	{"accept", 6, SK_HDR_ACCEPT},
	{"accept-contact", 14, SK_HDR_ACCEPT_CONTACT},
	{"accept-encoding", 15, SK_HDR_ACCEPT_ENCODING},
	{"accept-language", 15, SK_HDR_ACCEPT_LANGUAGE},
	{"alert-info", 10, SK_HDR_ALERT_INFO},
	{"allow", 5, SK_HDR_ALLOW},
	{"allow-events", 12, SK_HDR_ALLOW_EVENTS},
	{"authentication-info", 19, SK_HDR_AUTHENTICATION_INFO},
	{"authorization", 13, SK_HDR_AUTHORIZATION},
	{"call-id", 7, SK_HDR_CALL_ID},
	{"call-info", 9, SK_HDR_CALL_INFO},
	{"contact", 7, SK_HDR_CONTACT},
	{"content-disposition", 19, SK_HDR_CONTENT_DISPOSITION},
	{"content-encoding", 16, SK_HDR_CONTENT_ENCODING},
	{"content-language", 16, SK_HDR_CONTENT_LANGUAGE},
	{"content-length", 14, SK_HDR_CONTENT_LENGTH},
	{"content-type", 12, SK_HDR_CONTENT_TYPE},
	{"cseq", 4, SK_HDR_CSEQ},
	{"date", 4, SK_HDR_DATE},
	{"error-info", 10, SK_HDR_ERROR_INFO},
	{"event", 5, SK_HDR_EVENT},
	{"expires", 7, SK_HDR_EXPIRES},
	{"from", 4, SK_HDR_FROM},
	{"identity", 8, SK_HDR_IDENTITY},
	{"in-reply-to", 11, SK_HDR_IN_REPLY_TO},
	{"max-forwards", 12, SK_HDR_MAX_FORWARDS},
	{"mime-version", 12, SK_HDR_MIME_VERSION},
	{"min-expires", 11, SK_HDR_MIN_EXPIRES},
	{"min-se", 6, SK_HDR_MIN_SE},
	{"organization", 12, SK_HDR_ORGANIZATION},
	{"p-access-network-info", 21, SK_HDR_P_ACCESS_NETWORK_INFO},
	{"p-asserted-identity", 19, SK_HDR_P_ASSERTED_IDENTITY},
	{"p-called-party-id", 17, SK_HDR_P_CALLED_PARTY_ID},
	{"p-charging-vector", 17, SK_HDR_P_CHARGING_VECTOR},
	{"p-preferred-identity", 20, SK_HDR_P_PREFERRED_IDENTITY},
	{"path", 4, SK_HDR_PATH},
	{"priority", 8, SK_HDR_PRIORITY},
	{"privacy", 7, SK_HDR_PRIVACY},
	{"proxy-authenticate", 18, SK_HDR_PROXY_AUTHENTICATE},
	{"proxy-authorization", 19, SK_HDR_PROXY_AUTHORIZATION},
	{"proxy-require", 13, SK_HDR_PROXY_REQUIRE},
	{"rack", 4, SK_HDR_RACK},
	{"reason", 6, SK_HDR_REASON},
	{"record-route", 12, SK_HDR_RECORD_ROUTE},
	{"refer-to", 8, SK_HDR_REFER_TO},
	{"referred-by", 11, SK_HDR_REFERRED_BY},
	{"reject-contact", 14, SK_HDR_REJECT_CONTACT},
	{"reply-to", 8, SK_HDR_REPLY_TO},
	{"request-disposition", 19, SK_HDR_REQUEST_DISPOSITION},
	{"require", 7, SK_HDR_REQUIRE},
	{"retry-after", 11, SK_HDR_RETRY_AFTER},
	{"route", 5, SK_HDR_ROUTE},
	{"rseq", 4, SK_HDR_RSEQ},
	{"security-client", 15, SK_HDR_SECURITY_CLIENT},
	{"security-server", 15, SK_HDR_SECURITY_SERVER},
	{"security-verify", 15, SK_HDR_SECURITY_VERIFY},
	{"server", 6, SK_HDR_SERVER},
	{"service-route", 13, SK_HDR_SERVICE_ROUTE},
	{"session-expires", 15, SK_HDR_SESSION_EXPIRES},
	{"subject", 7, SK_HDR_SUBJECT},
	{"subscription-state", 18, SK_HDR_SUBSCRIPTION_STATE},
	{"supported", 9, SK_HDR_SUPPORTED},
	{"timestamp", 9, SK_HDR_TIMESTAMP},
	{"to", 2, SK_HDR_TO},
	{"unsupported", 11, SK_HDR_UNSUPPORTED},
	{"user-agent", 10, SK_HDR_USER_AGENT},
	{"via", 3, SK_HDR_VIA},
	{"warning", 7, SK_HDR_WARNING},
	{"www-authenticate", 16, SK_HDR_WWW_AUTHENTICATE},
};

/* [letter - 'a'] = {first index, count} into hdr_by_letter. */
static const uint8_t hdr_letter_span[26][2] = {
	['a' - 'a'] = {0, 9},
	['c' - 'a'] = {9, 9},
	['d' - 'a'] = {18, 1},
	['e' - 'a'] = {19, 3},
	['f' - 'a'] = {22, 1},
	['i' - 'a'] = {23, 2},
	['m' - 'a'] = {25, 4},
	['o' - 'a'] = {29, 1},
	['p' - 'a'] = {30, 11},
	['r' - 'a'] = {41, 12},
	['s' - 'a'] = {53, 9},
	['t' - 'a'] = {62, 2},
	['u' - 'a'] = {64, 2},
	['v' - 'a'] = {66, 1},
	['w' - 'a'] = {67, 2},
};

/* Compact forms (RFC 3261 §7.3.3, RFC 3515, RFC 3841, RFC 4028, RFC 4474). */
static const uint8_t hdr_by_compact[26] = {
	['a' - 'a'] = SK_HDR_ACCEPT_CONTACT,
	['u' - 'a'] = SK_HDR_ALLOW_EVENTS,
	['i' - 'a'] = SK_HDR_CALL_ID,
	['m' - 'a'] = SK_HDR_CONTACT,
	['e' - 'a'] = SK_HDR_CONTENT_ENCODING,
	['l' - 'a'] = SK_HDR_CONTENT_LENGTH,
	['c' - 'a'] = SK_HDR_CONTENT_TYPE,
	['o' - 'a'] = SK_HDR_EVENT,
	['f' - 'a'] = SK_HDR_FROM,
	['y' - 'a'] = SK_HDR_IDENTITY,
	['r' - 'a'] = SK_HDR_REFER_TO,
	['b' - 'a'] = SK_HDR_REFERRED_BY,
	['j' - 'a'] = SK_HDR_REJECT_CONTACT,
	['d' - 'a'] = SK_HDR_REQUEST_DISPOSITION,
	['x' - 'a'] = SK_HDR_SESSION_EXPIRES,
	['s' - 'a'] = SK_HDR_SUBJECT,
	['k' - 'a'] = SK_HDR_SUPPORTED,
	['t' - 'a'] = SK_HDR_TO,
	['v' - 'a'] = SK_HDR_VIA,
};

enum sk_hdr_id sk_hdr_lookup(const char *name, size_t len)
{
	char first;

	if (len == 0)
		return SK_HDR_OTHER;
	first = lx_lower(name[0]);
	if (first < 'a' || first > 'z')
		return SK_HDR_OTHER;
	if (len == 1) /* compact form, §7.3.3 */
		return (enum sk_hdr_id)hdr_by_compact[first - 'a'];
	const uint8_t *span = hdr_letter_span[first - 'a'];
	for (unsigned i = span[0]; i < (unsigned)span[0] + span[1]; i++) {
		const struct hdr_entry *e = &hdr_by_letter[i];
		if (e->len != len)
			continue;
		size_t k = 1;
		while (k < len && lx_lower(name[k]) == e->name[k])
			k++;
		if (k == len)
			return (enum sk_hdr_id)e->id;
	}
	return SK_HDR_OTHER;
}

const char *sk_hdr_name(enum sk_hdr_id id)
{
	return (unsigned)id < SK_HDR__COUNT ? hdr_names[id] : NULL;
}

char sk_hdr_compact(enum sk_hdr_id id)
{
	return (unsigned)id < SK_HDR__COUNT ? hdr_compact[id] : 0;
}
