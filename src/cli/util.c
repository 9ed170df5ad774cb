/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the subcommands: reading input, JSON strings. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_read_file(const char *path, size_t max, char **buf, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *b;
	size_t n;

	if (!f)
		return -errno;
	b = malloc(max + 1);
	if (!b) {
		if (f != stdin)
			fclose(f);
		return -SK_ENOMEM;
	}
	n = fread(b, 1, max + 1, f);
	int rerr = ferror(f);
	if (f != stdin)
		fclose(f);
	if (rerr) {
		free(b);
		return -EIO;
	}
	*buf = b;
	*len = n;
	return n > max ? -SK_ETOOBIG : 0;
}

void cli_json_str(FILE *f, struct sk_str s)
{
	fputc('"', f);
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];
		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f); /* UTF-8 passes through */
		}
	}
	fputc('"', f);
}
