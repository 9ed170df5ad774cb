/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipkit check: reads captures and message logs, rebuilds each call's hops,
 * transactions and CANCELs (src/trace), and says what is wrong with their
 * cancellation: text ladders with findings, JSON Lines, or an HTML page.
 * Exit 0: no error-level finding; 1: findings; 2: an input could not be read.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_live.h"
#include "cli.h"
#include "phone.h"
#include "sipkit/trace.h"

#define EXIT_FINDINGS   1
#define EXIT_UNREADABLE 2
#define MAX_PORTS       32
#define MAX_ROWS        1000 /* calls listed in the summary table */
#define ALL_ROWS        200  /* up to this many calls, every one is listed */

struct row {
	uint64_t index;
	enum sk_trace_outcome outcome;
	unsigned errors, warnings;
	char codes[120];
	char call_id[64];
};

struct check {
	bool json, only_findings, summary_only;
	bool live; /* each call written out as soon as it is judged */
	FILE *out; /* text: stdout with what came off the network escaped (safe_out.c) */
	FILE *html;
	struct row *rows;
	size_t nrows;
	uint64_t unlisted; /* calls with findings past MAX_ROWS */
	bool all_rows;     /* every call so far fits */
	/* progress */
	bool progress;
	struct sk_trace_reader *reader;
	uint64_t msgs;
	struct sk_clock *clock;    /* the progress bar's */
	uint64_t last_draw, start; /* ms */
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: sipkit check [options] FILE...\n"
	    "       sipkit check [options] --hep udp|tcp:HOST:PORT | --live IFACE [--filter "
	    "BPF]\n\n"
	    "Reads captures (pcap, pcapng) or message logs (sipkit's, SIPp -trace_msg, one raw\n"
	    "message), rebuilds calls, transactions and CANCELs, and reports what is wrong with\n"
	    "their cancellation. '-' reads stdin. HEP v1-v3 inside a capture is read as the SIP\n"
	    "it carries. Live: each call is reported once it has ended or gone idle; Ctrl-C\n"
	    "(SIGINT, SIGTERM) judges what is left and prints the summary.\n\n"
	    "options:\n"
	    "  --json             one JSON object per call (JSON Lines), the summary last\n"
	    "  --html FILE        also write a self-contained HTML page with SVG ladders\n"
	    "  --port N           SIP only on port N (repeatable); default: recognised by content\n"
	    "  --findings         text: show only the calls that have findings\n"
	    "  --summary          text: only the summary\n"
	    "  --all              also report Call-IDs without INVITE (REGISTER, OPTIONS ...)\n"
	    "  --t1 MS            T1 of the network (default 500); 64*T1 windows follow\n"
	    "  --idle SECONDS     a call with no message for this long is complete (default 300)\n"
	    "  --max-calls N      calls held at once (default 200000)\n"
	    "  --max-message BYTES  largest SIP message read (default 65536); larger ones are\n"
	    "                     counted as too_large with their declared size\n"
	    "  --hep udp|tcp:HOST:PORT  receive HEP (Kamailio siptrace, heplify) on this\n"
	    "                     socket (over TCP: HEP3 on up to 64 connections)\n"
	    "  --live IFACE       capture from a network interface (libpcap)\n"
	    "  --filter BPF       with --live: a capture filter (pcap-filter(7))\n"
	    "  --progress, --no-progress   progress bar on stderr, or with --hep/--live a\n"
	    "                     counter line (default: on a terminal)\n\n"
	    "exit status: 0 no error-level findings, 1 findings, 2 unreadable input, 64 usage.\n"
	    "Each finding's code is explained by `sipkit explain CODE`.\n");
}

static void row_add(struct check *ck, const struct sk_trace_call *c)
{
	unsigned errors = 0, warnings = 0;
	for (size_t i = 0; i < c->nfindings; i++) {
		errors += c->findings[i].severity == SK_SEV_ERROR;
		warnings += c->findings[i].severity == SK_SEV_WARNING;
	}
	bool interesting = errors || warnings;
	if (ck->nrows >= ALL_ROWS && ck->all_rows) {
		/* too many to list all: keep only the calls with findings */
		size_t w = 0;
		for (size_t i = 0; i < ck->nrows; i++)
			if (ck->rows[i].errors || ck->rows[i].warnings)
				ck->rows[w++] = ck->rows[i];
		ck->nrows = w;
		ck->all_rows = false;
	}
	if (!ck->all_rows && !interesting)
		return;
	if (ck->nrows >= MAX_ROWS) {
		ck->unlisted++;
		return;
	}
	struct row *r = &ck->rows[ck->nrows++];
	memset(r, 0, sizeof(*r));
	r->index = c->index;
	r->outcome = c->outcome;
	r->errors = errors;
	r->warnings = warnings;
	snprintf(r->call_id, sizeof(r->call_id), "%s", c->call_id);
	size_t w = 0;
	for (size_t i = 0; i < c->nfindings && w < sizeof(r->codes); i++) {
		if (c->findings[i].severity == SK_SEV_INFO ||
		    strstr(r->codes, c->findings[i].code->code))
			continue;
		int n = snprintf(r->codes + w, sizeof(r->codes) - w, "%s%s", w ? " " : "",
		                 c->findings[i].code->code);
		w += n > 0 ? (size_t)n : 0;
	}
}

static void on_call(void *arg, const struct sk_trace_call *c)
{
	struct check *ck = arg;
	bool has = false;
	for (size_t i = 0; i < c->nfindings; i++)
		has |= c->findings[i].severity != SK_SEV_INFO;
	if (ck->json)
		sk_trace_render_json(stdout, c);
	else if (!ck->summary_only && (has || !ck->only_findings))
		sk_trace_render_text(ck->out, c);
	if (ck->html)
		sk_trace_html_call(ck->html, c);
	row_add(ck, c);
	if (ck->live) {
		fflush(ck->out);
		fflush(stdout);
	}
}

static void table(const struct check *ck)
{
	if (!ck->nrows)
		return;
	fprintf(ck->out, "%s:\n", ck->all_rows ? "calls" : "calls with findings");
	fprintf(ck->out, "  %6s  %-29s %6s %8s  %-40s %s\n", "call", "outcome", "errors",
	        "warnings", "findings", "Call-ID");
	for (size_t i = 0; i < ck->nrows; i++) {
		const struct row *r = &ck->rows[i];
		fprintf(ck->out, "  %6llu  %-29s %6u %8u  %-40s %s\n", (unsigned long long)r->index,
		        sk_trace_outcome_name(r->outcome), r->errors, r->warnings,
		        r->codes[0] ? r->codes : "-", r->call_id);
	}
	if (ck->unlisted)
		fprintf(ck->out, "  ... and %llu more calls with findings\n",
		        (unsigned long long)ck->unlisted);
}

/* Seconds from ms a to ms b. */
static double since(uint64_t a, uint64_t b)
{
	return (double)(b - a) / 1e3;
}

/* A progress bar on stderr, redrawn at most five times a second. */
static void progress(struct check *ck, const char *name, bool last)
{
	uint64_t now = sk_clock_now(ck->clock);
	if (!last && since(ck->last_draw, now) < 0.2)
		return;
	ck->last_draw = now;
	uint64_t done, total;
	sk_trace_reader_progress(ck->reader, &done, &total);
	double el = since(ck->start, now);
	char bar[31];
	size_t fill = total ? (size_t)(30.0 * (double)done / (double)total) : 0;
	for (size_t i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = '\0';
	if (total)
		fprintf(stderr, "\r%s [%s] %3.0f%% %.1f/%.1f MB, %.0f msg/s ", name, bar,
		        100.0 * (double)done / (double)total, (double)done / 1e6,
		        (double)total / 1e6, el > 0 ? (double)ck->msgs / el : 0.0);
	else
		fprintf(stderr, "\r%s %.1f MB, %llu messages ", name, (double)done / 1e6,
		        (unsigned long long)ck->msgs);
	if (last)
		fputc('\n', stderr);
}

/* Reads one input into the checker: 0 read whole, 1 truncated, 2 unreadable. */
static int read_input(struct check *ck, struct sk_trace_checker *chk, const char *path,
                      uint32_t file, const struct sk_trace_reader_config *rc, uint64_t *truncated,
                      struct sk_trace_reader_stats *skipped, struct sk_trace_totals *input)
{
	char err[256];
	struct sk_trace_reader *r;
	if (sk_trace_reader_open(&r, path, rc, err, sizeof(err)) < 0) {
		fprintf(stderr, "sipkit check: %s: %s\n", path, err);
		return 2;
	}
	ck->reader = r;
	uint64_t done, total;
	sk_trace_reader_progress(r, &done, &total);
	bool bar = ck->progress && total > 8u << 20;
	struct sk_trace_pkt pkt;
	int rc2;
	while ((rc2 = sk_trace_reader_next(r, &pkt)) > 0) {
		ck->msgs++;
		if (sk_trace_checker_add(chk, &pkt, file) < 0) {
			fprintf(stderr, "sipkit check: %s: out of memory at frame %llu\n", path,
			        (unsigned long long)pkt.frame);
			rc2 = -SK_ENOMEM;
			break;
		}
		if (bar && (ck->msgs & 1023) == 0)
			progress(ck, path, false);
	}
	if (bar)
		progress(ck, path, true);
	int ret = 0;
	if (rc2 < 0) {
		uint64_t frame = 0;
		const char *why = sk_trace_reader_error(r, &frame);
		fprintf(stderr,
		        "sipkit check: %s: capture.truncated: reading stopped at frame %llu: %s; "
		        "everything before it was checked\n",
		        path, (unsigned long long)frame, why ? why : "read error");
		(*truncated)++;
		ret = 1;
	}
	/* what this input did not give as messages, by reason, for the summary */
	struct sk_trace_reader_stats st = sk_trace_reader_stats(r);
	for (unsigned i = 0; i < SK_TRACE_SKIP_COUNT; i++)
		skipped->skipped[i] += st.skipped[i];
	if (st.too_large_max > skipped->too_large_max) {
		skipped->too_large_max = st.too_large_max;
		skipped->too_large_frame = st.too_large_frame;
	}
	sk_trace_totals_add_input(input, &st);
	sk_trace_reader_free(r);
	ck->reader = NULL;
	return ret;
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
	                                     {"html", required_argument, NULL, 'H'},
	                                     {"port", required_argument, NULL, 'p'},
	                                     {"findings", no_argument, NULL, 'f'},
	                                     {"summary", no_argument, NULL, 's'},
	                                     {"all", no_argument, NULL, 'a'},
	                                     {"t1", required_argument, NULL, 'T'},
	                                     {"idle", required_argument, NULL, 'i'},
	                                     {"max-calls", required_argument, NULL, 'm'},
	                                     {"max-message", required_argument, NULL, 'M'},
	                                     {"progress", no_argument, NULL, 'P'},
	                                     {"no-progress", no_argument, NULL, 'N'},
	                                     {"hep", required_argument, NULL, 'E'},
	                                     {"live", required_argument, NULL, 'L'},
	                                     {"filter", required_argument, NULL, 'F'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	struct check ck = {.all_rows = true, .progress = isatty(2)};
	struct sk_trace_check_config cfg = {0};
	struct sk_trace_reader_config rc = {0};
	uint16_t ports[MAX_PORTS];
	const char *html_path = NULL;
	struct check_live live = {0};
	unsigned long v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': ck.json = true; break;
		case 'H': html_path = optarg; break;
		case 'f': ck.only_findings = true; break;
		case 's': ck.summary_only = true; break;
		case 'a': cfg.all = true; break;
		case 'P': ck.progress = true; break;
		case 'N': ck.progress = false; break;
		case 'p':
			if (rc.nports == MAX_PORTS || parse_uint(optarg, 65535, &v) < 0 || !v) {
				fprintf(stderr, "sipkit check: bad --port '%s'\n", optarg);
				return EXIT_USAGE;
			}
			ports[rc.nports++] = (uint16_t)v;
			break;
		case 'T':
			if (parse_uint(optarg, 60000, &v) < 0 || !v) {
				fprintf(stderr, "sipkit check: bad --t1 '%s' (milliseconds)\n",
				        optarg);
				return EXIT_USAGE;
			}
			cfg.t1_ms = (uint32_t)v;
			break;
		case 'i':
			if (parse_uint(optarg, 86400, &v) < 0 || !v) {
				fprintf(stderr, "sipkit check: bad --idle '%s' (seconds)\n",
				        optarg);
				return EXIT_USAGE;
			}
			cfg.idle_ms = (uint32_t)v * 1000;
			break;
		case 'm':
			if (parse_uint(optarg, 100000000, &v) < 0 || !v) {
				fprintf(stderr, "sipkit check: bad --max-calls '%s'\n", optarg);
				return EXIT_USAGE;
			}
			cfg.max_calls = v;
			break;
		case 'M':
			/* sk_msg_frame's limit is 32 bits; a gigabyte is far past any SIP */
			if (parse_uint(optarg, 1u << 30, &v) < 0 || v < 1024) {
				fprintf(stderr,
				        "sipkit check: bad --max-message '%s' (bytes, 1024 to "
				        "1073741824)\n",
				        optarg);
				return EXIT_USAGE;
			}
			rc.max_message = v;
			cfg.limits = sk_msg_limits_default();
			cfg.limits.max_msg_size = (uint32_t)v;
			break;
		case 'E': live.hep = optarg; break;
		case 'L': live.iface = optarg; break;
		case 'F': live.filter = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	ck.live = live.hep || live.iface;
	if (live.hep && live.iface) {
		fprintf(stderr, "sipkit check: --hep and --live: one live input at a time\n");
		return EXIT_USAGE;
	}
	if (live.filter && !live.iface) {
		fprintf(stderr, "sipkit check: --filter goes with --live IFACE\n");
		return EXIT_USAGE;
	}
	if (ck.live && optind < argc) {
		fprintf(stderr, "sipkit check: --hep and --live read no files ('%s')\n",
		        argv[optind]);
		return EXIT_USAGE;
	}
	if (!ck.live && optind >= argc) {
		fprintf(stderr, "sipkit check: no input (a capture or log file, or '-')\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	rc.ports = ports;
	cfg.files = (const char *const *)(argv + optind); /* each call says which input(s) */
	cfg.nfiles = (size_t)(argc - optind);
	if (html_path && !(ck.html = fopen(html_path, "w"))) {
		fprintf(stderr, "sipkit check: %s: cannot write: %s\n", html_path, strerror(errno));
		return EXIT_UNREADABLE;
	}
	ck.rows = calloc(MAX_ROWS, sizeof(*ck.rows));
	struct sk_trace_checker *chk = NULL;
	if (!ck.rows || sk_clock_new_real(&ck.clock) < 0 ||
	    sk_trace_checker_new(&chk, &cfg, on_call, &ck) < 0) {
		fprintf(stderr, "sipkit check: out of memory\n");
		sk_clock_free(ck.clock);
		free(ck.rows);
		if (ck.html)
			fclose(ck.html);
		return EXIT_UNREADABLE;
	}
	if (ck.html)
		sk_trace_html_begin(ck.html,
		                    ck.live ? (live.hep ? live.hep : live.iface) : argv[optind]);
	ck.out = ck.json ? stdout : cli_safe_stream(stdout);
	ck.start = sk_clock_now(ck.clock);

	int worst = 0;
	uint64_t truncated = 0;
	struct sk_trace_reader_stats skipped = {0};
	struct sk_trace_reader_stats live_stats = {0};
	struct sk_trace_totals input = {0}; /* the readers' HEP and drop counts */
	if (ck.live) {
		live.reader = &rc;
		live.clock = ck.clock;
		live.counter = ck.progress;
		live.msgs = &ck.msgs;
		live.stats = &live_stats;
		worst = check_live_run(&live, chk);
		sk_trace_totals_add_input(&input, &live_stats);
		for (unsigned i = 0; i < SK_TRACE_SKIP_COUNT; i++)
			skipped.skipped[i] += live_stats.skipped[i];
	}
	for (int i = optind; i < argc; i++) {
		int r = read_input(&ck, chk, argv[i], (uint32_t)(i - optind), &rc, &truncated,
		                   &skipped, &input);
		worst = r > worst ? r : worst;
	}
	sk_trace_checker_finish(chk);

	struct sk_trace_totals tot = *sk_trace_checker_totals(chk);
	sk_trace_totals_add_skipped(&tot, &skipped);
	tot.max_message = rc.max_message ? rc.max_message : 65536;
	tot.hep = input.hep;
	tot.live_dropped = input.live_dropped;
	const struct sk_trace_code *tc = sk_trace_code_find("capture.truncated");
	if (truncated && tc) {
		tot.per_code[sk_trace_code_index(tc)] += truncated;
		tot.severity[SK_SEV_ERROR] += truncated;
	}
	if (ck.json) {
		sk_trace_render_totals_json(stdout, &tot);
	} else {
		table(&ck);
		sk_trace_render_totals_text(ck.out, &tot);
	}
	if (ck.out != stdout)
		fclose(ck.out); /* stdout stays open */
	if (ck.html) {
		sk_trace_html_end(ck.html, &tot);
		if (fclose(ck.html) != 0) {
			fprintf(stderr, "sipkit check: %s: write failed\n", html_path);
			worst = 2;
		}
	}
	sk_trace_checker_free(chk);
	sk_clock_free(ck.clock);
	free(ck.rows);
	if (worst == 2)
		return EXIT_UNREADABLE;
	return tot.severity[SK_SEV_ERROR] ? EXIT_FINDINGS : 0;
}
