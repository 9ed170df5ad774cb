/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * bench-parse: SIP parser throughput of sipkit against oSIP2, Sofia-SIP and libre.
 *
 *   bench-parse [DIR] [--seconds S] [--skip NAME]...
 *   bench-parse [DIR] --only NAME --iterations N
 *
 * Loads every regular file of DIR (default bench/corpus; names starting with
 * '.' are ignored) as one raw message. First every parser parses each
 * message once and the results are compared field by field ("check",
 * "error" and "mismatch" lines). Then each parser is warmed up and loops over
 * the corpus for S seconds (default 1.5) in ROUNDS rounds, interleaved with
 * the other parsers' rounds; the best round gives the line
 *
 *   parse <name> <msgs/s> <ns/msg>
 *
 * followed by "ratio sipkit/<peer> <x>" per peer and the target line.
 * --only runs N passes of one parser over the corpus and nothing else, for
 * callgrind (bench/callgrind.sh counts the instructions of
 * bench_run_iterations). Exit status 1 when a parser failed on a message
 * or the parsers disagree on a field.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bench_parse.h"

#define ROUNDS       10
#define TARGET_RATIO 5.0

static const struct bench_parser *const parsers[] = {
    &bench_sipkit,
    &bench_osip2,
    &bench_sofia,
    &bench_libre,
};
#define NPARSERS (sizeof(parsers) / sizeof(parsers[0]))

struct corpus {
	char **names;
	char **bufs;
	size_t *lens;
	size_t count;
	size_t bytes;
};

static const struct {
	const char *name;
	size_t off;
} field_tab[] = {
#define F(x)                                                                                       \
	{                                                                                          \
#x, offsetof(struct bench_fields, x)                                               \
	}
    F(status),         F(method_len),   F(ruri_host_len), F(ruri_port),       F(vias),
    F(via_host_len),   F(via_port_sum), F(branch_len),    F(from_tag_len),    F(to_tag_len),
    F(addr_host_len),  F(call_id_len),  F(cseq),          F(cseq_method_len), F(max_forwards),
    F(content_length), F(routes),       F(record_routes), F(contacts),        F(uri_host_len),
    F(uri_port_sum),
#undef F
};
#define NFIELDS (sizeof(field_tab) / sizeof(field_tab[0]))
_Static_assert(NFIELDS * sizeof(uint32_t) == sizeof(struct bench_fields),
               "field_tab lists every field of struct bench_fields");

static uint32_t field_get(const struct bench_fields *f, size_t i)
{
	uint32_t v;
	memcpy(&v, (const char *)f + field_tab[i].off, sizeof(v));
	return v;
}

/* The checksum of one parse: the sum of every field (an absent Max-Forwards or
   Content-Length counts -1). */
static inline uint64_t fields_sum(const struct bench_fields *f)
{
	return (uint64_t)f->status + f->method_len + f->ruri_host_len + f->ruri_port + f->vias +
	       f->via_host_len + f->via_port_sum + f->branch_len + f->from_tag_len + f->to_tag_len +
	       f->addr_host_len + f->call_id_len + f->cseq + f->cseq_method_len +
	       (uint64_t)(int64_t)f->max_forwards + (uint64_t)(int64_t)f->content_length +
	       f->routes + f->record_routes + f->contacts + f->uri_host_len + f->uri_port_sum;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#if defined(__GNUC__) && !defined(__clang__)
#define BENCH_NOINLINE __attribute__((noinline, noclone))
#else
#define BENCH_NOINLINE __attribute__((noinline))
#endif

BENCH_NOINLINE uint64_t bench_run_iterations(const struct bench_parser *p, void *state,
                                             const char *const *bufs, const size_t *lens,
                                             size_t count, uint64_t iterations, uint64_t *errors)
{
	uint64_t sum = 0;
	char err[160];

	for (uint64_t it = 0; it < iterations; it++) {
		for (size_t i = 0; i < count; i++) {
			struct bench_fields f = {0};
			if (p->parse(state, bufs[i], lens[i], &f, err, sizeof(err)) != 0)
				(*errors)++;
			sum += fields_sum(&f);
		}
	}
	return sum;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_corpus(const char *dir, struct corpus *c)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;

	memset(c, 0, sizeof(*c));
	if (!d) {
		fprintf(stderr, "bench-parse: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		struct stat sb;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;
		if (c->count == cap) {
			cap = cap ? 2 * cap : 32;
			c->names = realloc(c->names, cap * sizeof(*c->names));
			if (!c->names)
				goto oom;
		}
		c->names[c->count] = strdup(e->d_name);
		if (!c->names[c->count])
			goto oom;
		c->count++;
	}
	closedir(d);
	d = NULL;
	if (c->count == 0) {
		fprintf(stderr, "bench-parse: no messages in %s\n", dir);
		return -1;
	}
	qsort(c->names, c->count, sizeof(*c->names), name_cmp);

	c->bufs = calloc(c->count, sizeof(*c->bufs));
	c->lens = calloc(c->count, sizeof(*c->lens));
	if (!c->bufs || !c->lens)
		goto oom;
	for (size_t i = 0; i < c->count; i++) {
		char path[4096];
		FILE *fp;
		long n;

		snprintf(path, sizeof(path), "%s/%s", dir, c->names[i]);
		fp = fopen(path, "rb");
		if (!fp || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
		    fseek(fp, 0, SEEK_SET) != 0) {
			fprintf(stderr, "bench-parse: %s: %s\n", path, strerror(errno));
			if (fp)
				fclose(fp);
			return -1;
		}
		/* Exactly the message, plus a NUL no parser is told about. */
		c->bufs[i] = malloc((size_t)n + 1);
		if (!c->bufs[i]) {
			fclose(fp);
			goto oom;
		}
		if (fread(c->bufs[i], 1, (size_t)n, fp) != (size_t)n) {
			fprintf(stderr, "bench-parse: %s: short read\n", path);
			fclose(fp);
			return -1;
		}
		fclose(fp);
		c->bufs[i][n] = '\0';
		c->lens[i] = (size_t)n;
		c->bytes += (size_t)n;
	}
	return 0;
oom:
	if (d)
		closedir(d);
	fprintf(stderr, "bench-parse: out of memory\n");
	return -1;
}

static void free_corpus(struct corpus *c)
{
	for (size_t i = 0; i < c->count; i++) {
		free(c->names[i]);
		if (c->bufs)
			free(c->bufs[i]);
	}
	free(c->names);
	free(c->bufs);
	free(c->lens);
}

static const struct bench_parser *find_parser(const char *name)
{
	for (size_t i = 0; i < NPARSERS; i++)
		if (strcmp(parsers[i]->name, name) == 0)
			return parsers[i];
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench-parse [DIR] [--seconds S] [--skip NAME]...\n"
	                "       bench-parse [DIR] --only NAME --iterations N\n"
	                "parsers:");
	for (size_t i = 0; i < NPARSERS; i++)
		fprintf(stderr, " %s", parsers[i]->name);
	fprintf(stderr, "\n");
}

/* Parses every message once with each parser and compares the results. */
static int validate(const struct corpus *c, const bool *active, void *const *states,
                    uint64_t *problems)
{
	struct bench_fields *res = calloc(NPARSERS * c->count, sizeof(*res));
	bool *ok = calloc(NPARSERS * c->count, sizeof(*ok));
	char err[256];

	if (!res || !ok) {
		free(res);
		free(ok);
		return -1;
	}
	for (size_t p = 0; p < NPARSERS; p++) {
		uint64_t errors = 0, sum = 0, vias = 0, cseq = 0, branch = 0, tags = 0, uris = 0;

		if (!active[p])
			continue;
		for (size_t i = 0; i < c->count; i++) {
			struct bench_fields *f = &res[p * c->count + i];
			if (parsers[p]->parse(states[p], c->bufs[i], c->lens[i], f, err,
			                      sizeof(err)) != 0) {
				printf("error %s %s: %s\n", parsers[p]->name, c->names[i], err);
				errors++;
				continue;
			}
			ok[p * c->count + i] = true;
			sum += fields_sum(f);
			vias += f->vias;
			cseq += f->cseq;
			branch += f->branch_len;
			tags += f->from_tag_len + f->to_tag_len;
			uris += f->routes + f->record_routes + f->contacts;
		}
		printf("check %s errors=%llu checksum=%llu vias=%llu cseq=%llu branch_bytes=%llu "
		       "tag_bytes=%llu uris=%llu\n",
		       parsers[p]->name, (unsigned long long)errors, (unsigned long long)sum,
		       (unsigned long long)vias, (unsigned long long)cseq,
		       (unsigned long long)branch, (unsigned long long)tags,
		       (unsigned long long)uris);
		*problems += errors;
	}
	/* Field by field against the first parser that parsed the message. */
	for (size_t i = 0; i < c->count; i++) {
		size_t ref = NPARSERS;
		for (size_t p = 0; p < NPARSERS; p++) {
			if (!active[p] || !ok[p * c->count + i])
				continue;
			if (ref == NPARSERS) {
				ref = p;
				continue;
			}
			for (size_t k = 0; k < NFIELDS; k++) {
				uint32_t a = field_get(&res[ref * c->count + i], k);
				uint32_t b = field_get(&res[p * c->count + i], k);
				if (a == b)
					continue;
				printf("mismatch %s %s %s=%d %s=%d\n", c->names[i],
				       field_tab[k].name, parsers[ref]->name, (int)a,
				       parsers[p]->name, (int)b);
				(*problems)++;
			}
		}
	}
	free(res);
	free(ok);
	fflush(stdout);
	return 0;
}

/* Warms a parser up and returns how many corpus passes take about 5 ms. */
static uint64_t warm_up(const struct bench_parser *p, void *state, const struct corpus *c,
                        double seconds, uint64_t *errors, uint64_t *sink)
{
	const char *const *bufs = (const char *const *)c->bufs;
	double warm = seconds * 0.1, t0, t;
	uint64_t passes = 1, done = 0, batch;

	if (warm < 0.05)
		warm = 0.05;
	if (warm > 0.3)
		warm = 0.3;
	t0 = now_s();
	for (;;) {
		*sink += bench_run_iterations(p, state, bufs, c->lens, c->count, passes, errors);
		done += passes;
		t = now_s() - t0;
		if (t >= warm)
			break;
		passes *= 2;
	}
	batch = (uint64_t)(0.005 / (t / (double)done));
	return batch ? batch : 1;
}

/* One timed round of a parser: ns per message over at least `seconds`. */
static double time_round(const struct bench_parser *p, void *state, const struct corpus *c,
                         uint64_t batch, double seconds, uint64_t *errors, uint64_t *sink)
{
	const char *const *bufs = (const char *const *)c->bufs;
	uint64_t n = 0;
	double t0 = now_s(), t;

	do {
		*sink += bench_run_iterations(p, state, bufs, c->lens, c->count, batch, errors);
		n += batch;
		t = now_s() - t0;
	} while (t < seconds);
	return t * 1e9 / ((double)n * (double)c->count);
}

int main(int argc, char **argv)
{
	const char *dir = "bench/corpus", *only = NULL;
	double seconds = 1.5;
	uint64_t iterations = 0, problems = 0, sink = 0;
	bool active[NPARSERS];
	void *states[NPARSERS] = {0};
	double ns[NPARSERS] = {0};
	uint64_t batch[NPARSERS] = {0}, terrors[NPARSERS] = {0};
	struct corpus c;
	int rc = 0;

	for (size_t i = 0; i < NPARSERS; i++)
		active[i] = true;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--seconds") == 0 && i + 1 < argc) {
			char *end;
			seconds = strtod(argv[++i], &end);
			if (*end || !(seconds > 0 && seconds < 3600)) {
				usage();
				return 2;
			}
		} else if (strcmp(a, "--skip") == 0 && i + 1 < argc) {
			const struct bench_parser *p = find_parser(argv[++i]);
			if (!p) {
				usage();
				return 2;
			}
			for (size_t k = 0; k < NPARSERS; k++)
				if (parsers[k] == p)
					active[k] = false;
		} else if (strcmp(a, "--only") == 0 && i + 1 < argc) {
			only = argv[++i];
			if (!find_parser(only)) {
				usage();
				return 2;
			}
		} else if (strcmp(a, "--iterations") == 0 && i + 1 < argc) {
			char *end;
			iterations = strtoull(argv[++i], &end, 10);
			if (*end || iterations == 0) {
				usage();
				return 2;
			}
		} else if (a[0] == '-') {
			usage();
			return 2;
		} else {
			dir = a;
		}
	}
	if (!only != !iterations) {
		usage();
		return 2;
	}
	if (load_corpus(dir, &c) != 0)
		return 2;

	if (only) {
		const struct bench_parser *p = find_parser(only);
		void *st = NULL;
		uint64_t errors = 0, sum;
		if (p->init(&st) != 0) {
			fprintf(stderr, "bench-parse: %s: init failed\n", p->name);
			free_corpus(&c);
			return 2;
		}
		/* One pass outside the measured function (lazy set-up in the libraries). */
		sum = bench_run_iterations(p, st, (const char *const *)c.bufs, c.lens, c.count, 1,
		                           &errors);
		sum = bench_run_iterations(p, st, (const char *const *)c.bufs, c.lens, c.count,
		                           iterations, &errors);
		printf("only %s iterations=%llu messages=%llu errors=%llu checksum=%llu\n", p->name,
		       (unsigned long long)iterations, (unsigned long long)(iterations * c.count),
		       (unsigned long long)errors, (unsigned long long)sum);
		p->fini(st);
		free_corpus(&c);
		return errors ? 1 : 0;
	}

	printf("corpus %s: %zu messages, %zu bytes\n", dir, c.count, c.bytes);
	for (size_t i = 0; i < NPARSERS; i++) {
		if (active[i] && parsers[i]->init(&states[i]) != 0) {
			fprintf(stderr, "bench-parse: %s: init failed\n", parsers[i]->name);
			return 2;
		}
	}
	if (validate(&c, active, states, &problems) != 0) {
		fprintf(stderr, "bench-parse: out of memory\n");
		return 2;
	}
	/*
	 * Rounds interleaved across the parsers, so that a slow spell of the
	 * machine hits all of them; each parser's best round is reported.
	 */
	for (size_t i = 0; i < NPARSERS; i++)
		if (active[i])
			batch[i] = warm_up(parsers[i], states[i], &c, seconds, &terrors[i], &sink);
	for (int r = 0; r < ROUNDS; r++) {
		for (size_t i = 0; i < NPARSERS; i++) {
			double t;
			if (!active[i])
				continue;
			t = time_round(parsers[i], states[i], &c, batch[i], seconds / ROUNDS,
			               &terrors[i], &sink);
			if (r == 0 || t < ns[i])
				ns[i] = t;
		}
	}
	for (size_t i = 0; i < NPARSERS; i++) {
		if (!active[i])
			continue;
		if (terrors[i]) {
			printf("error %s: %llu parse failures while timing\n", parsers[i]->name,
			       (unsigned long long)terrors[i]);
			problems++;
		}
		printf("parse %s %.0f %.1f\n", parsers[i]->name, 1e9 / ns[i], ns[i]);
	}
	if (active[0]) {
		double best = 0;
		for (size_t i = 1; i < NPARSERS; i++) {
			if (!active[i])
				continue;
			printf("ratio sipkit/%s %.2f\n", parsers[i]->name, ns[i] / ns[0]);
			if (best == 0 || ns[i] < best)
				best = ns[i];
		}
		if (best > 0)
			printf("target sipkit >= %.0fx fastest peer: %s (%.2f)\n", TARGET_RATIO,
			       best / ns[0] >= TARGET_RATIO ? "met" : "NOT met", best / ns[0]);
	}
	for (size_t i = 0; i < NPARSERS; i++)
		if (active[i])
			parsers[i]->fini(states[i]);
	free_corpus(&c);
	if (problems) {
		fprintf(stderr, "bench-parse: %llu problem(s): see the error/mismatch lines\n",
		        (unsigned long long)problems);
		rc = 1;
	}
	/* The sink keeps the work observable. */
	if (sink == 1)
		fprintf(stderr, "bench-parse: checksum %llu\n", (unsigned long long)sink);
	return rc;
}
