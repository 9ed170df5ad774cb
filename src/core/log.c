/* SPDX-License-Identifier: BSD-3-Clause */
/* Log lines go to a callback of the stack's choosing; formatting is bounded. */
#include <stdarg.h>
#include <stdio.h>

#include "sipkit/core.h"

void sk_logf(const struct sk_log *log, enum sk_log_level level, const char *fmt, ...)
{
	if (!log || !log->fn || level > log->max)
		return;
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log->fn(log->arg, level, line);
}
