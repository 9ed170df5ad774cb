/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A report as one self-contained HTML page (`sipkit check --html`): inline
 * styles and script, no external asset, so it opens offline and can be
 * mailed. Each call gets an SVG ladder whose arrows show the message's full
 * text in a side panel when clicked, the headers its findings name marked,
 * and its findings with links to their messages. The page is streamed: a
 * call is written whole when it is reported, and nothing is kept.
 *
 * Everything out of a capture is hostile: it is HTML-escaped, bytes that are
 * not UTF-8 and control characters are shown as \xNN, and message texts live
 * in inert <template> elements, so no byte of a capture can end an element.
 *
 * Page structure (tests and users rely on it):
 *   #panel > #msginfo, pre#msgtext   the selected message (marks: mark.hl)
 *   section.call#c{N}                a call: h2, p.odetail, div.ladder > svg
 *     g.msg#c{N}-m{i}[data-frame]    one arrow (i: index in the call);
 *                                    classes err / warn / retrans / dup / sel
 *     template#c{N}-t{i}             its text, escaped, with mark.hl lines
 *     li.finding#c{N}-f{k}[data-code][data-msgs]
 *       a.frame[data-msg=c{N}-m{i}]  selects that message
 *   section#totals                   outcomes (#outcomes), codes (#codes)
 */
#include <stdio.h>
#include <string.h>

#include "trace_int.h"

#define ROW_H   30  /* one message per row */
#define TOP_H   44  /* host labels */
#define LEFT_W  130 /* frame and time */
#define COL_MIN 170
#define COL_MAX 340

static const char css[] =
    "*{box-sizing:border-box}"
    "body{margin:0;font:14px/1.4 system-ui,sans-serif;color:#1d1d1f;background:#fff;"
    "display:grid;grid-template-columns:minmax(0,1fr) minmax(340px,38%)}"
    "#top{grid-column:1/3;padding:8px 16px;border-bottom:1px solid #ccc;background:#f4f4f6}"
    "#top h1{font-size:18px;margin:0 0 4px}"
    "main{grid-column:1;grid-row:2;padding:0 16px 40px;min-width:0}"
    "#panel{grid-column:2;grid-row:2;position:sticky;top:0;height:100vh;overflow:auto;"
    "border-left:1px solid #ccc;background:#fafafa;padding:8px 12px}"
    "#msginfo{font-size:13px;color:#444;margin-bottom:6px;white-space:pre-wrap}"
    "#msgtext{font:12px/1.45 ui-monospace,monospace;white-space:pre-wrap;"
    "overflow-wrap:anywhere;margin:0}"
    "mark.hl{background:#ffe08a;outline:1px solid #e0a800}"
    ".bad{color:#b00;background:#fde2e2}"
    ".call{border-top:2px solid #888;margin-top:18px;padding-top:4px}"
    ".call h2{font-size:16px;margin:6px 0}"
    ".call h2 a{color:inherit;text-decoration:none}"
    ".outcome{font-size:13px;padding:1px 6px;border-radius:3px;background:#ddd;margin:0 6px}"
    ".o-answered .outcome,.o-cancelled .outcome{background:#d4edda}"
    ".o-failed .outcome,.o-answered_anyway .outcome,.o-cancelled_unclean .outcome{"
    "background:#f8d7da}"
    ".o-unfinished .outcome{background:#fff3cd}"
    ".callid{font-size:12px;color:#555;overflow-wrap:anywhere}"
    ".odetail,.meta{margin:2px 0;color:#333}.meta{font-size:12px;color:#666}"
    ".ladder{overflow-x:auto;margin:6px 0}"
    ".ladder svg{font:12px system-ui,sans-serif;display:block}"
    ".host{font-weight:600}.life{stroke:#bbb;stroke-width:1}"
    "g.msg{cursor:pointer;color:#245}g.msg .hit{fill:#000;fill-opacity:0}"
    "g.msg:hover .hit{fill:#e8eefc;fill-opacity:1}"
    "g.msg.sel .hit{fill:#fff0b3;fill-opacity:1}"
    "g.msg:focus{outline:none}g.msg:focus .hit{stroke:#4a7bd0}"
    "g.msg line,g.msg path{stroke:currentColor;stroke-width:1.6;fill:none}"
    "g.msg polygon{fill:currentColor}g.msg text{fill:currentColor}"
    "g.msg .lbl{font-weight:600}g.msg .fr,g.msg .ts{fill:#666}"
    "g.msg.retrans line,g.msg.retrans path{stroke-dasharray:5 4}"
    "g.msg.dup{opacity:.45}g.msg.dup line,g.msg.dup path{stroke-dasharray:1 3}"
    "g.msg.warn{color:#d06a00}g.msg.err{color:#c8102e}"
    ".findings{margin:4px 0 0;padding-left:22px}"
    ".finding{margin:8px 0;padding:4px 8px;border-left:4px solid #888;background:#f7f7f7}"
    ".finding.error{border-color:#c8102e}.finding.warning{border-color:#d06a00}"
    ".finding.rel{background:#fff6d6}"
    ".sev{font-weight:700;text-transform:uppercase;font-size:11px}"
    ".finding.error .sev{color:#c8102e}.finding.warning .sev{color:#d06a00}"
    ".finding code{font-weight:600}.rfc{color:#555;font-size:12px}"
    ".detail{margin:3px 0}"
    "table.diff{border-collapse:collapse;margin:4px 0;font-size:12px}"
    "table.diff th,table.diff td{border:1px solid #ccc;padding:2px 6px;text-align:left;"
    "vertical-align:top}"
    "table.diff td{font-family:ui-monospace,monospace;overflow-wrap:anywhere}"
    "td.ours{background:#fde2e2}td.theirs{background:#e2f0e2}"
    "dl.advice{margin:4px 0;display:grid;grid-template-columns:max-content 1fr;gap:1px 8px;"
    "font-size:13px}dl.advice dt{font-weight:600;color:#444}dl.advice dd{margin:0}"
    "a.frame{font-family:ui-monospace,monospace}"
    "#totals table{border-collapse:collapse;margin:4px 0 12px}"
    "#totals th,#totals td{border:1px solid #ccc;padding:2px 8px;text-align:left}"
    "body.only .call.clean{display:none}";

/* Event delegation on document: works while the page is still streaming in. */
static const char js[] =
    "(function(){'use strict';var cur=null;"
    "function $(id){return document.getElementById(id);}"
    "function sel(g){if(!g)return;if(cur)cur.classList.remove('sel');cur=g;"
    "g.classList.add('sel');var d=g.dataset,pre=$('msgtext'),t=$(g.id.replace('-m','-t'));"
    "pre.textContent='';if(t)pre.appendChild(t.content.cloneNode(true));"
    "$('msginfo').textContent='call '+d.call+'  frame '+d.frame+'  '+d.t+' s  '+d.proto+' '"
    "+d.src+' \\u2192 '+d.dst+(d.error?'\\ndoes not parse: '+d.error:'');"
    "var fs=document.querySelectorAll('.finding.rel');"
    "for(var i=0;i<fs.length;i++)fs[i].classList.remove('rel');"
    "fs=document.querySelectorAll('#c'+d.call+' .finding');"
    "for(i=0;i<fs.length;i++)if((' '+fs[i].dataset.msgs+' ').indexOf(' '+g.id+' ')>=0)"
    "fs[i].classList.add('rel');"
    "var mk=pre.querySelector('mark.hl');if(mk)mk.scrollIntoView({block:'nearest'});}"
    "document.addEventListener('click',function(e){var el=e.target;"
    "if(!el||!el.closest)return;var a=el.closest('a.frame');if(a){e.preventDefault();"
    "var g=$(a.getAttribute('data-msg'));sel(g);if(g)g.scrollIntoView({block:'center'});"
    "return;}g=el.closest('g.msg');if(g)sel(g);});"
    "document.addEventListener('keydown',function(e){var g=e.target;"
    "if((e.key==='Enter'||e.key===' ')&&g&&g.classList&&g.classList.contains('msg')){"
    "e.preventDefault();sel(g);}});"
    "document.addEventListener('change',function(e){if(e.target.id==='only')"
    "document.body.classList.toggle('only',e.target.checked);});"
    "window.addEventListener('DOMContentLoaded',function(){var h=location.hash.slice(1),"
    "g=h?$(h):null;if(g&&g.classList.contains('msg')){sel(g);g.scrollIntoView({block:'center'});}"
    "});})();";

/* ---- escaping ------------------------------------------------------------ */

/* Length of the well-formed UTF-8 sequence at s (n bytes left) and its code point; 0: none. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t v, min;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2, v = s[0] & 0x1fu, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3, v = s[0] & 0x0fu, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4, v = s[0] & 0x07u, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3fu);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0; /* overlong, out of range, or a surrogate */
	*cp = v;
	return len;
}

/*
 * Writes n bytes as HTML text or attribute value: markup characters as
 * entities, ill-formed UTF-8 and controls (tab aside) as a visible \xNN or
 * \u00NN, marked with span.bad when `pre` (a message text; not in attributes).
 */
static void put_esc(FILE *f, const char *p, size_t n, bool pre)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0;
	while (i < n) {
		size_t run = i; /* most of a message: printable ASCII, written as is */
		while (run < n && s[run] >= 0x20 && s[run] < 0x7f && s[run] != '&' &&
		       s[run] != '<' && s[run] != '>' && s[run] != '"' && s[run] != '\'')
			run++;
		if (run > i) {
			fwrite(s + i, 1, run - i, f);
			i = run;
			continue;
		}
		uint32_t cp = 0;
		size_t k = utf8_seq(s + i, n - i, &cp);
		if (k == 0 || (cp < 0x20 && cp != '\t') || (cp >= 0x7f && cp < 0xa0)) {
			fputs(pre ? "<span class=\"bad\">" : "", f);
			if (k == 0 || cp < 0x80)
				fprintf(f, "\\x%02X", s[i]);
			else
				fprintf(f, "\\u%04X", (unsigned)cp);
			fputs(pre ? "</span>" : "", f);
			i += k ? k : 1;
			continue;
		}
		switch (cp) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fwrite(s + i, 1, k, f);
		}
		i += k;
	}
}

static void put_s(FILE *f, const char *s)
{
	if (s)
		put_esc(f, s, strlen(s), false);
}

/* "+1.234" seconds from t0, exact (no floating point). */
static void rel_time(char *buf, size_t size, int64_t t_us, int64_t t0_us)
{
	int64_t d = t_us - t0_us;
	const char *sign = d < 0 ? "-" : "+";
	uint64_t a = d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d;
	snprintf(buf, size, "%s%llu.%03llu", sign, (unsigned long long)(a / 1000000),
	         (unsigned long long)(a % 1000000 / 1000));
}

/* ---- which messages the findings touch ------------------------------------ */

static bool involves(const struct sk_trace_finding *fd, size_t i)
{
	for (size_t k = 0; k < fd->nmsgs && k < SK_TRACE_FINDING_MSGS; k++)
		if (fd->msgs[k] == i)
			return true;
	return false;
}

/* The worst severity of the findings message i is part of, -1: none. */
static int msg_severity(const struct sk_trace_call *c, size_t i)
{
	int sev = -1;
	for (size_t k = 0; k < c->nfindings; k++)
		if (involves(&c->findings[k], i) && (int)c->findings[k].severity > sev)
			sev = (int)c->findings[k].severity;
	return sev;
}

static bool name_eq(const char *a, size_t alen, const char *b)
{
	if (strlen(b) != alen)
		return false;
	for (size_t i = 0; i < alen; i++) {
		char x = a[i] >= 'A' && a[i] <= 'Z' ? (char)(a[i] + 32) : a[i];
		char y = b[i] >= 'A' && b[i] <= 'Z' ? (char)(b[i] + 32) : b[i];
		if (x != y)
			return false;
	}
	return true;
}

/* Whether a header line named name (len bytes, as in the message) is the finding's hdr. */
static bool hdr_is(const char *name, size_t len, const char *hdr)
{
	enum sk_hdr_id a = sk_hdr_lookup(name, len), b = sk_hdr_lookup(hdr, strlen(hdr));
	if (a != SK_HDR_OTHER || b != SK_HDR_OTHER)
		return a == b; /* compact forms and case resolved */
	return name_eq(name, len, hdr);
}

/* Whether message m has a header line named hdr (a CANCEL may lack the Route its INVITE has). */
static bool has_hdr(const struct sk_trace_msg *m, const char *hdr)
{
	const char *p = m->raw, *end = m->raw ? m->raw + m->len : NULL;
	bool start = true;
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *ce = le > p && le[-1] == '\r' ? le - 1 : le;
		if (!start && ce == p)
			return false; /* the body */
		const char *colon = start ? NULL : memchr(p, ':', (size_t)(ce - p));
		if (colon && *p != ' ' && *p != '\t') {
			size_t nl_ = (size_t)(colon - p);
			while (nl_ && (p[nl_ - 1] == ' ' || p[nl_ - 1] == '\t'))
				nl_--;
			if (hdr_is(p, nl_, hdr))
				return true;
		}
		start = false;
		p = nl ? nl + 1 : end;
	}
	return false;
}

/*
 * The codes of the findings that mark this line of message i: the start line
 * (name NULL) for those with no hdr or whose hdr the message lacks, else those
 * whose hdr names this header. Returns how many; writes them space-separated
 * into the title attribute of a mark.
 */
static size_t line_marks(FILE *f, const struct sk_trace_call *c, size_t i, const char *name,
                         size_t len)
{
	size_t n = 0;
	for (size_t k = 0; k < c->nfindings; k++) {
		const struct sk_trace_finding *fd = &c->findings[k];
		if (!involves(fd, i))
			continue;
		if (name ? !(fd->hdr[0] && hdr_is(name, len, fd->hdr))
		         : fd->hdr[0] && has_hdr(&c->msgs[i], fd->hdr))
			continue;
		if (f) {
			fputs(n ? " " : "<mark class=\"hl\" title=\"", f);
			put_s(f, fd->code ? fd->code->code : "?");
		}
		n++;
	}
	if (f && n)
		fputs("\">", f);
	return n;
}

/* ---- a message's text ------------------------------------------------------ */

struct text_state {
	int part;      /* 0 start line, 1 headers, 2 body */
	bool marked;   /* inside a mark */
	bool via_seen; /* the top Via was met: only it is marked (findings name the top one) */
	bool last_hdr; /* the current header is marked (its folded lines follow it) */
};

/* Opens a mark for one line (ls..le, without its end of line) when a finding names it. */
static bool line_mark(FILE *f, const struct sk_trace_call *c, size_t i, struct text_state *st,
                      const char *ls, const char *le)
{
	if (st->part == 0) {
		st->part = 1;
		return line_marks(f, c, i, NULL, 0) > 0;
	}
	if (st->part == 2)
		return false;
	if (ls == le) {
		st->part = 2;
		return false;
	}
	if (*ls == ' ' || *ls == '\t')
		return false; /* a folded line: decided by its header */
	const char *colon = memchr(ls, ':', (size_t)(le - ls));
	if (!colon)
		return st->last_hdr = false;
	size_t nl = (size_t)(colon - ls);
	while (nl && (ls[nl - 1] == ' ' || ls[nl - 1] == '\t'))
		nl--;
	bool via = sk_hdr_lookup(ls, nl) == SK_HDR_VIA;
	if (via && st->via_seen)
		return st->last_hdr = false;
	st->via_seen |= via;
	st->last_hdr = line_marks(NULL, c, i, ls, nl) > 0;
	if (st->last_hdr)
		line_marks(f, c, i, ls, nl);
	return st->last_hdr;
}

/* The message text, line by line: CRLF shown as line breaks, marks around named headers. */
static void put_msg_text(FILE *f, const struct sk_trace_call *c, size_t i)
{
	const struct sk_trace_msg *m = &c->msgs[i];
	const char *p = m->raw, *end = m->raw ? m->raw + m->len : NULL;
	struct text_state st = {0};
	bool first = true;
	if (msg_severity(c, i) < 0)
		st.part = 2; /* in no finding: nothing to mark */
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *ce = le > p && le[-1] == '\r' ? le - 1 : le;
		bool folded = st.part == 1 && ce > p && (*p == ' ' || *p == '\t');
		bool keep = st.marked && folded && st.last_hdr;
		if (st.marked && !keep) {
			fputs("</mark>", f);
			st.marked = false;
		}
		if (!first)
			fputc('\n', f);
		first = false;
		if (!keep)
			st.marked = line_mark(f, c, i, &st, p, ce);
		put_esc(f, p, (size_t)(ce - p), true);
		p = nl ? nl + 1 : end;
	}
	if (st.marked)
		fputs("</mark>", f);
}

/* ---- the ladder ------------------------------------------------------------- */

static size_t col_width(const struct sk_trace_call *c)
{
	size_t w = COL_MIN;
	for (size_t h = 0; h < c->nhosts; h++) {
		char a[64];
		size_t n = sk_trace_addr_print(&c->hosts[h], a, sizeof(a)) * 7 + 24;
		w = n > w ? n : w;
	}
	for (size_t i = 0; i < c->nmsgs; i++) {
		size_t n = strlen(c->msgs[i].label) * 8 + 30;
		w = n > w ? n : w;
	}
	return w < COL_MAX ? w : COL_MAX;
}

static size_t host_x(const struct sk_trace_call *c, size_t cw, uint16_t h)
{
	size_t hh = c->nhosts && h < c->nhosts ? h : (c->nhosts ? c->nhosts - 1 : 0);
	return LEFT_W + cw / 2 + hh * cw;
}

/* Hover text: the start line, decoded Reason values, a retransmission, a duplicate, a
 * parse error. */
static void msg_title(FILE *f, const struct sk_trace_call *c, const struct sk_trace_msg *m)
{
	fputs("<title>", f);
	put_s(f, m->label);
	if (m->retrans)
		fputs(" (retransmission)", f);
	if (m->duplicate) { /* the same packet captured twice (issue 13): not sent twice */
		char fr[32];
		fprintf(f, " (duplicate: the packet of frame %s captured again)",
		        sk_trace_frame_ref(c, &c->msgs[m->dup_of], fr, sizeof(fr)));
	}
	if (!m->msg) {
		fputs(" \xe2\x80\x94 does not parse: ", f);
		put_s(f, m->error);
	} else if (sk_msg_hdr_first(m->msg, SK_HDR_REASON)) {
		struct sk_reason r[4];
		size_t n = 0;
		if (sk_msg_reasons(m->msg, r, 4, &n, NULL) < 0)
			n = 0;
		for (size_t k = 0; k < n; k++) {
			char d[160];
			sk_trace_reason_describe(&r[k], d, sizeof(d));
			fputs(k ? "; " : "\nReason: ", f);
			put_s(f, d);
		}
	}
	fputs("</title>", f);
}

static void msg_attrs(FILE *f, const struct sk_trace_call *c, size_t i)
{
	const struct sk_trace_msg *m = &c->msgs[i];
	char fr[32], t[32], a[64];
	int sev = msg_severity(c, i);
	sk_trace_frame_ref(c, m, fr, sizeof(fr));
	rel_time(t, sizeof(t), m->ts_us, c->msgs[0].ts_us);
	fprintf(f, "<g class=\"msg%s%s%s\" id=\"c%llu-m%zu\" tabindex=\"0\" role=\"button\" ",
	        sev == SK_SEV_ERROR     ? " err"
	        : sev == SK_SEV_WARNING ? " warn"
	                                : "",
	        m->retrans ? " retrans" : "", m->duplicate ? " dup" : "",
	        (unsigned long long)c->index, i);
	fprintf(f, "data-call=\"%llu\" data-frame=\"%s\" data-t=\"%s\" data-proto=\"%s\" ",
	        (unsigned long long)c->index, fr, t, sk_trace_proto_name(m->proto));
	sk_trace_addr_print(&m->src, a, sizeof(a));
	fputs("data-src=\"", f);
	put_s(f, a);
	sk_trace_addr_print(&m->dst, a, sizeof(a));
	fputs("\" data-dst=\"", f);
	put_s(f, a);
	fputc('"', f);
	if (!m->msg) {
		fputs(" data-error=\"", f);
		put_s(f, m->error);
		fputc('"', f);
	}
	fputc('>', f);
}

/* One row: frame, time, an arrow from its sender's column to its receiver's, the label. */
static void ladder_row(FILE *f, const struct sk_trace_call *c, size_t cw, size_t width, size_t i)
{
	const struct sk_trace_msg *m = &c->msgs[i];
	size_t y0 = TOP_H + i * ROW_H, y = y0 + ROW_H / 2 + 5;
	size_t x1 = host_x(c, cw, m->from_host), x2 = host_x(c, cw, m->to_host);
	msg_attrs(f, c, i);
	msg_title(f, c, m);
	fprintf(f, "<rect class=\"hit\" x=\"0\" y=\"%zu\" width=\"%zu\" height=\"%d\"/>", y0, width,
	        ROW_H);
	char fr[32], t[32];
	sk_trace_frame_ref(c, m, fr, sizeof(fr));
	rel_time(t, sizeof(t), m->ts_us, c->msgs[0].ts_us);
	fprintf(f, "<text class=\"fr\" x=\"6\" y=\"%zu\">%s</text>", y, fr);
	fprintf(f, "<text class=\"ts\" x=\"%d\" y=\"%zu\" text-anchor=\"end\">%s</text>",
	        LEFT_W - 14, y, t);
	if (x1 == x2) { /* to itself: a loop on the right */
		fprintf(f, "<path d=\"M%zu %zu h28 v8 h-26\"/>", x1, y - 4);
		fprintf(f, "<polygon points=\"%zu,%zu %zu,%zu %zu,%zu\"/>", x1, y + 4, x1 + 8, y,
		        x1 + 8, y + 8);
		fprintf(f, "<text class=\"lbl\" x=\"%zu\" y=\"%zu\">", x1 + 34, y + 4);
	} else {
		bool right = x2 > x1;
		size_t tip = right ? x2 - 1 : x2 + 1, back = right ? tip - 9 : tip + 9;
		fprintf(f, "<line x1=\"%zu\" y1=\"%zu\" x2=\"%zu\" y2=\"%zu\"/>", x1, y, back, y);
		fprintf(f, "<polygon points=\"%zu,%zu %zu,%zu %zu,%zu\"/>", tip, y, back, y - 5,
		        back, y + 5);
		fprintf(f, "<text class=\"lbl\" x=\"%zu\" y=\"%zu\" text-anchor=\"middle\">",
		        (x1 + x2) / 2, y - 5);
	}
	put_s(f, m->label);
	fputs("</text></g>\n", f);
}

static void ladder(FILE *f, const struct sk_trace_call *c)
{
	size_t cw = col_width(c), nh = c->nhosts ? c->nhosts : 1;
	size_t width = LEFT_W + nh * cw, height = TOP_H + c->nmsgs * ROW_H + 10;
	fprintf(f,
	        "<div class=\"ladder\"><svg width=\"%zu\" height=\"%zu\" viewBox=\"0 0 %zu %zu\" "
	        "role=\"img\">\n",
	        width, height, width, height);
	fprintf(f, "<text x=\"6\" y=\"%d\" class=\"host\">frame</text>", TOP_H - 14);
	fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"host\" text-anchor=\"end\">time</text>\n",
	        LEFT_W - 14, TOP_H - 14);
	for (size_t h = 0; h < c->nhosts; h++) {
		char a[64];
		size_t x = host_x(c, cw, (uint16_t)h);
		sk_trace_addr_print(&c->hosts[h], a, sizeof(a));
		fprintf(f, "<text class=\"host\" x=\"%zu\" y=\"%d\" text-anchor=\"middle\">", x,
		        TOP_H - 14);
		put_s(f, a);
		fprintf(
		    f, "</text><line class=\"life\" x1=\"%zu\" y1=\"%d\" x2=\"%zu\" y2=\"%zu\"/>\n",
		    x, TOP_H - 6, x, height - 4);
	}
	for (size_t i = 0; i < c->nmsgs; i++)
		ladder_row(f, c, cw, width, i);
	fputs("</svg></div>\n", f);
}

/* ---- findings ----------------------------------------------------------------- */

static void frame_link(FILE *f, const struct sk_trace_call *c, uint32_t i)
{
	char fr[32];
	if (i >= c->nmsgs)
		return;
	sk_trace_frame_ref(c, &c->msgs[i], fr, sizeof(fr));
	fprintf(f, "<a class=\"frame\" href=\"#c%llu-m%u\" data-msg=\"c%llu-m%u\">%s ",
	        (unsigned long long)c->index, i, (unsigned long long)c->index, i, fr);
	put_s(f, c->msgs[i].label);
	fputs("</a>", f);
}

static void finding_diff_table(FILE *f, const struct sk_trace_call *c,
                               const struct sk_trace_finding *fd)
{
	fputs("<table class=\"diff\"><tr><th>field</th><th>ours: ", f);
	frame_link(f, c, fd->msgs[0]);
	fputs("</th><th>theirs: ", f);
	if (fd->nmsgs > 1)
		frame_link(f, c, fd->msgs[1]);
	else
		fputs("expected", f);
	fputs("</th></tr>\n<tr><th>", f);
	put_s(f, fd->field);
	fputs("</th><td class=\"ours\">", f);
	put_s(f, fd->ours);
	fputs("</td><td class=\"theirs\">", f);
	put_s(f, fd->theirs);
	fputs("</td></tr></table>\n", f);
}

static void finding(FILE *f, const struct sk_trace_call *c, size_t k)
{
	const struct sk_trace_finding *fd = &c->findings[k];
	const struct sk_trace_code *sc = fd->code;
	const char *sev = sk_trace_severity_name(fd->severity);
	size_t nm = fd->nmsgs < SK_TRACE_FINDING_MSGS ? fd->nmsgs : SK_TRACE_FINDING_MSGS;
	fprintf(f, "<li class=\"finding %s\" id=\"c%llu-f%zu\" data-severity=\"%s\" data-code=\"",
	        sev, (unsigned long long)c->index, k, sev);
	put_s(f, sc ? sc->code : "");
	fputs("\" data-msgs=\"", f);
	for (size_t j = 0; j < nm; j++)
		fprintf(f, "%sc%llu-m%u", j ? " " : "", (unsigned long long)c->index, fd->msgs[j]);
	fprintf(f, "\">\n<div class=\"fh\"><span class=\"sev\">%s</span> <code>", sev);
	put_s(f, sc ? sc->code : "?");
	fputs("</code> ", f);
	put_s(f, sc ? sc->summary : "");
	fputs(" <span class=\"rfc\">", f);
	put_s(f, sc ? sc->rfc : "");
	fputs("</span></div>\n<div class=\"frames\">frames: ", f);
	for (size_t j = 0; j < nm; j++) {
		fputs(j ? ", " : "", f);
		frame_link(f, c, fd->msgs[j]);
	}
	fputs("</div>\n<p class=\"detail\">", f);
	put_s(f, fd->detail);
	fputs("</p>\n", f);
	if (fd->field[0] && (fd->ours[0] || fd->theirs[0]) && nm)
		finding_diff_table(f, c, fd);
	if (sc) {
		fputs("<dl class=\"advice\"><dt>cause</dt><dd>", f);
		put_s(f, sc->cause);
		fputs("</dd><dt>inspect</dt><dd>", f);
		put_s(f, sc->inspect);
		fputs("</dd><dt>next</dt><dd>", f);
		put_s(f, sc->next);
		fputs("</dd></dl>\n", f);
	}
	fputs("</li>\n", f);
}

/* ---- the page ------------------------------------------------------------------ */

void sk_trace_html_begin(FILE *f, const char *title)
{
	if (!title)
		title = "sipkit check";
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"sipkit check\">\n"
	      /* nothing may load from anywhere, whatever a capture holds */
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n<title>",
	      f);
	put_s(f, title);
	fprintf(f, "</title>\n<style>%s</style>\n<script>%s</script>\n</head>\n<body>\n", css, js);
	fputs("<header id=\"top\"><h1>", f);
	put_s(f, title);
	fputs("</h1><label><input type=\"checkbox\" id=\"only\"> only calls with findings</label> "
	      "\xc2\xb7 click an arrow to read its message; marked lines are the headers the "
	      "findings name</header>\n"
	      "<aside id=\"panel\"><div id=\"msginfo\">no message selected</div>"
	      "<pre id=\"msgtext\"></pre></aside>\n<main id=\"calls\">\n",
	      f);
}

/* The outcome as a class name and data-outcome value. */
static const char *outcome_slug(enum sk_trace_outcome o)
{
	static const char *const slugs[SK_TRACE_OUT_COUNT] = {
	    "none",   "answered",  "cancelled", "cancelled_unclean", "answered_anyway",
	    "failed", "unfinished"};
	return (unsigned)o < SK_TRACE_OUT_COUNT ? slugs[o] : "unknown";
}

static void call_head(FILE *f, const struct sk_trace_call *c)
{
	const char *o = outcome_slug(c->outcome);
	fprintf(f,
	        "<section class=\"call o-%s%s\" id=\"c%llu\" data-outcome=\"%s\" data-call-id=\"",
	        o, c->nfindings ? "" : " clean", (unsigned long long)c->index, o);
	put_s(f, c->call_id);
	fprintf(f, "\">\n<h2><a href=\"#c%llu\">Call %llu</a><span class=\"outcome\">%s</span>",
	        (unsigned long long)c->index, (unsigned long long)c->index,
	        sk_trace_outcome_name(c->outcome));
	fputs("<code class=\"callid\">", f);
	put_s(f, c->call_id);
	fputs("</code></h2>\n<p class=\"odetail\">", f);
	put_s(f, c->outcome_detail);
	if (c->outcome_why[0]) {
		fputs("</p>\n<p class=\"odetail why\">why: ", f);
		put_s(f, c->outcome_why);
	}
	fprintf(f, "</p>\n<p class=\"meta\">%zu message%s, %zu host%s", c->nmsgs,
	        c->nmsgs == 1 ? "" : "s", c->nhosts, c->nhosts == 1 ? "" : "s");
	if (c->dropped)
		fprintf(f, "; %llu more not kept (per-call limit)", (unsigned long long)c->dropped);
	if (c->duplicates)
		fprintf(f, "; %llu captured twice (duplicates)", (unsigned long long)c->duplicates);
	for (size_t k = 0, shown = 0; k < c->nfiles && c->nfiles > 1 && shown < 8; k++) {
		bool used = false; /* the inputs this call came from, by their names */
		for (size_t i = 0; i < c->nmsgs && !used; i++)
			used = c->msgs[i].file == k;
		if (!used)
			continue;
		fputs(shown++ ? ", " : "; from ", f);
		put_s(f, c->files[k]);
	}
	fputs("</p>\n", f);
}

void sk_trace_html_call(FILE *f, const struct sk_trace_call *c)
{
	call_head(f, c);
	ladder(f, c);
	for (size_t i = 0; i < c->nmsgs; i++) {
		fprintf(f, "<template id=\"c%llu-t%zu\">", (unsigned long long)c->index, i);
		put_msg_text(f, c, i);
		fputs("</template>\n", f);
	}
	if (c->nfindings) {
		fprintf(f, "<h3>Findings (%zu)</h3>\n<ol class=\"findings\">\n", c->nfindings);
		for (size_t k = 0; k < c->nfindings; k++)
			finding(f, c, k);
		fputs("</ol>\n", f);
	} else {
		fputs("<p class=\"nofindings\">No findings.</p>\n", f);
	}
	fputs("</section>\n", f);
}

static void totals_row(FILE *f, const char *name, uint64_t n)
{
	fprintf(f, "<tr><th>%s</th><td>%llu</td></tr>\n", name, (unsigned long long)n);
}

void sk_trace_html_end(FILE *f, const struct sk_trace_totals *t)
{
	if (t) {
		fputs("<section id=\"totals\"><h2>Totals</h2>\n<table id=\"counts\">\n", f);
		totals_row(f, "calls checked", t->calls);
		totals_row(f, "messages", t->messages);
		totals_row(f, "messages that did not parse", t->unparsed);
		totals_row(f, "other Call-IDs (no INVITE)", t->others);
		totals_row(f, "errors", t->severity[SK_SEV_ERROR]);
		totals_row(f, "warnings", t->severity[SK_SEV_WARNING]);
		totals_row(f, "notes", t->severity[SK_SEV_INFO]);
		if (t->evicted)
			totals_row(f, "calls reported early (call limit)", t->evicted);
		fputs("</table>\n<h3>Outcomes</h3>\n<table id=\"outcomes\">\n", f);
		for (int o = 0; o < SK_TRACE_OUT_COUNT; o++)
			fprintf(f, "<tr data-outcome=\"%s\"><th>%s</th><td>%llu</td></tr>\n",
			        outcome_slug((enum sk_trace_outcome)o),
			        sk_trace_outcome_name((enum sk_trace_outcome)o),
			        (unsigned long long)t->outcomes[o]);
		fputs("</table>\n<h3>Findings by code</h3>\n<table id=\"codes\">\n", f);
		size_t shown = 0;
		for (size_t i = 0; i < SK_TRACE_CODES_MAX; i++) {
			const struct sk_trace_code *sc = sk_trace_code_at(i);
			if (!sc)
				break;
			if (!t->per_code[i])
				continue;
			fprintf(f,
			        "<tr data-code=\"%s\"><td>%s</td><th><code>%s</code></th>"
			        "<td>%llu</td><td>",
			        sc->code, sk_trace_severity_name(sc->severity), sc->code,
			        (unsigned long long)t->per_code[i]);
			put_s(f, sc->summary);
			fputs("</td></tr>\n", f);
			shown++;
		}
		fputs(shown ? "</table>\n" : "<tr><td>none</td></tr></table>\n", f);
		fputs("</section>\n", f);
	}
	fputs("</main>\n</body>\n</html>\n", f);
}
