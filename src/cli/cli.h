/* SPDX-License-Identifier: BSD-3-Clause */
/* The sipkit command line: one file per subcommand (internal). */
#ifndef SK_CLI_H
#define SK_CLI_H

#include <stdio.h>

#include "sipkit/msg.h"

/* sysexits(3) values used by the subcommands */
#define EXIT_USAGE   64
#define EXIT_DATAERR 65
#define EXIT_NOINPUT 66

int cmd_decode(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_uas(int argc, char **argv);
int cmd_call(int argc, char **argv);
int cmd_proxy(int argc, char **argv);
int cmd_ctl(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_check(int argc, char **argv);

/* Reads a whole file ("-" for stdin) of at most max bytes into *buf (malloc'd).
 * Returns 0, -SK_ETOOBIG when larger (the first max+1 bytes are read), or -errno. */
int cli_read_file(const char *path, size_t max, char **buf, size_t *len);

/* The first line of a file (a password: --password-file), without its line end, into
 * buf: 0, or -1 when it cannot be read, is empty or does not fit. */
int cli_read_password(const char *path, char *buf, size_t size);

/* Writes s as a JSON string literal (with quotes). */
void cli_json_str(FILE *f, struct sk_str s);

/* Decodes one message to f as text or JSON; returns 0 or EXIT_DATAERR. */
int cli_decode_msg(FILE *f, const char *name, const char *buf, size_t len,
                   const struct sk_msg_limits *lim, bool json);

/* A stream writing to `to` with control characters and bidi overrides escaped (\x1b,
 * \u202e): text made of bytes off the network, for a terminal (safe_out.c). Closing it
 * flushes `to` and leaves it open; `to` itself when the stream cannot be made. */
FILE *cli_safe_stream(FILE *to);

/* A line of the proxy's control socket, both ends (proxy.c, ctl.c). */
#define CTL_LINE_MAX 1024

#endif
