/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Text for a terminal from bytes that came off the network (issue 13, class
 * 6). A Reason text or a display name may legally carry ESC or BEL as a
 * quoted-pair (RFC 3261 §25.1: quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)),
 * so a capture printed raw can recolour, clear or retitle the reader's
 * terminal, and a Unicode bidi override can make text read in another order
 * than it is. Text output goes through this stream: C0 controls but line
 * feed and tab, DEL, and the bidi overrides and isolates (U+202A-202E,
 * U+2066-2069) are written escaped (\x1b, \u202e); everything else as is.
 * JSON and HTML escape on their own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct safe_out {
	FILE *to;
	unsigned char held[3]; /* the start of a UTF-8 sequence a write ended in */
	size_t nheld;
};

/* 0: not a bidi control; 1: p may start one (needs more bytes); 3: one, its length. */
static int bidi_at(const unsigned char *p, size_t n)
{
	if (p[0] != 0xe2)
		return 0;
	if (n < 2)
		return 1;
	if (p[1] != 0x80 && p[1] != 0x81)
		return 0;
	if (n < 3)
		return 1;
	if ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
	    (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9))
		return 3;
	return 0;
}

static void put_safe(struct safe_out *s, const unsigned char *p, size_t n, bool last)
{
	for (size_t i = 0; i < n; i++) {
		int b = bidi_at(p + i, n - i);
		if (b == 1 && !last) { /* finish it with the next write */
			s->nheld = n - i;
			memcpy(s->held, p + i, s->nheld);
			return;
		}
		if (b == 3) {
			fprintf(s->to, "\\u%04x",
			        0x2000 + (p[i + 1] - 0x80) * 64 + (p[i + 2] - 0x80));
			i += 2;
		} else if ((p[i] < 0x20 && p[i] != '\n' && p[i] != '\t') || p[i] == 0x7f) {
			fprintf(s->to, "\\x%02x", p[i]);
		} else {
			fputc(p[i], s->to);
		}
	}
}

static ssize_t safe_write(void *cookie, const char *buf, size_t size)
{
	struct safe_out *s = cookie;
	size_t done = 0;
	while (s->nheld && done < size) { /* the sequence a write ended in, completed */
		s->held[s->nheld++] = (unsigned char)buf[done++];
		if (bidi_at(s->held, s->nheld) == 1)
			continue;
		size_t n = s->nheld;
		s->nheld = 0;
		put_safe(s, s->held, n, true);
	}
	put_safe(s, (const unsigned char *)buf + done, size - done, false);
	return (ssize_t)size;
}

static int safe_close(void *cookie)
{
	struct safe_out *s = cookie;
	if (s->nheld)
		put_safe(s, s->held, s->nheld, true);
	fflush(s->to);
	free(s);
	return 0;
}

FILE *cli_safe_stream(FILE *to)
{
	struct safe_out *s = calloc(1, sizeof(*s));
	cookie_io_functions_t io = {.write = safe_write, .close = safe_close};
	FILE *f = s ? fopencookie(s, "w", io) : NULL;
	if (!f) {
		free(s);
		return to; /* no filter rather than no output */
	}
	s->to = to;
	setvbuf(f, NULL, _IOLBF, 0); /* lines go out as they are made, as stdout's did */
	return f;
}
