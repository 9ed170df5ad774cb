/* SPDX-License-Identifier: BSD-3-Clause */
/* sipkit: one binary, one subcommand per file; this is only the dispatch table. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct subcommand subcommands[] = {
    {"decode", cmd_decode, "decode one SIP message, field by field (--json)"},
    {"explain", cmd_explain,
     "reference: a method, response code, header or check finding; what to do"},
    {"proxy", cmd_proxy, "stateful forking proxy and registrar, CANCEL hop by hop"},
    {"ctl", cmd_ctl, "talks to a running proxy: pending calls, counters, release a call"},
    {"uas", cmd_uas, "an answering phone: rings, answers, rejects; handles CANCEL and BYE"},
    {"call", cmd_call, "places calls, cancels or hangs them up, prints the flow"},
    {"check", cmd_check, "reads captures and logs, says why a cancellation failed"},
    {"demo", cmd_demo, "the whole system on loopback in one command"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: sipkit COMMAND [ARGS...]\n\n"
	           "sipkit is a SIP stack (RFC 3261) built to get INVITE cancellation right.\n\n"
	           "commands:\n");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  %-8s %s\n", subcommands[i].name, subcommands[i].help);
	fprintf(f, "\nEvery command takes --help.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "sipkit: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
