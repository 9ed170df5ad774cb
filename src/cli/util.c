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

/* Length of a valid UTF-8 sequence at p (RFC 3629), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* no overlong forms, no surrogates, nothing past U+10FFFF */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

void cli_json_str(FILE *f, struct sk_str s)
{
	const unsigned char *p = (const unsigned char *)s.p;

	fputc('"', f);
	for (size_t i = 0; i < s.len;) {
		unsigned char c = p[i];
		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				fprintf(f, "\\u%04x", c);
			} else if (c >= 0x80) {
				size_t n = utf8_len(p + i, s.len - i);
				if (n) {
					fwrite(p + i, 1, n, f);
					i += n;
					continue;
				}
				fputs("\\ufffd", f); /* a byte that is not UTF-8 */
			} else {
				fputc(c, f);
			}
		}
		i++;
	}
	fputc('"', f);
}

int cli_read_password(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	bool ok = fgets(buf, (int)size, f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	size_t n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n + 1 >= size) /* no line end within the buffer: too long */
		ok = false;
	buf[n] = '\0';
	return ok && n > 0 ? 0 : -1;
}
