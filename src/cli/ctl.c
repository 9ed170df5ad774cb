/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipkit ctl: one command to a running proxy's control socket (calls, stats,
 * bindings, release), its answer printed; exit 0 when the proxy said `ok`.
 * The server side is in proxy.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "phone.h" /* the exit statuses */

int cmd_ctl(int argc, char **argv)
{
	const char *path = "/tmp/sipkit-proxy-5060.sock";
	char line[CTL_LINE_MAX];
	size_t used = 0;
	int i = 1;
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf(
		    "usage: sipkit ctl [-s PATH] COMMAND [ARGS...]\n\n"
		    "Talks to a running sipkit proxy's control socket (default %s).\n"
		    "commands:\n"
		    "  calls                              pending calls\n"
		    "  stats                              counters\n"
		    "  bindings [AOR]                     registrations: contact, seconds left, "
		    "q,\n"
		    "                                     source, transport, Call-ID, CSeq\n"
		    "  release CALL-ID [STATUS [REASON]]  cancels every branch of a pending call\n"
		    "                                     and answers the caller STATUS (480),\n"
		    "                                     e.g. release abc@host 480 "
		    "'RELEASE_CAUSE;cause=3;text=\"Media bearer loss\"'\n",
		    path);
		return 0;
	}
	if (argc > 2 && (!strcmp(argv[1], "-s") || !strcmp(argv[1], "--socket"))) {
		path = argv[2];
		i = 3;
	}
	if (i >= argc) {
		fprintf(stderr, "sipkit ctl: no command (sipkit ctl --help)\n");
		return EXIT_USAGE;
	}
	for (; i < argc; i++) {
		int w =
		    snprintf(line + used, sizeof(line) - used, "%s%s", used ? " " : "", argv[i]);
		if (w < 0 || (size_t)w >= sizeof(line) - used - 1) {
			fprintf(stderr, "sipkit ctl: command too long\n");
			return EXIT_USAGE;
		}
		used += (size_t)w;
	}
	line[used++] = '\n';
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "sipkit ctl: no proxy on %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return EXIT_UNAVAILABLE;
	}
	struct timeval tv = {.tv_sec = 5};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (write(fd, line, used) != (ssize_t)used) {
		fprintf(stderr, "sipkit ctl: cannot send the command: %s\n", strerror(errno));
		close(fd);
		return EXIT_UNAVAILABLE;
	}
	char buf[4096], last[256] = "";
	ssize_t n;
	size_t ll = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, (size_t)n, stdout);
		for (ssize_t k = 0; k < n; k++) { /* the last line decides the exit status */
			if (buf[k] == '\n') {
				if (ll)
					last[ll] = '\0';
				ll = 0;
			} else if (ll < sizeof(last) - 1) {
				last[ll++] = buf[k];
			}
		}
	}
	close(fd);
	return !strcmp(last, "ok") ? 0 : 1;
}
