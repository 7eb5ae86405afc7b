/* The state one action carries (see context.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>

#include "context.h"

/* Record rc's reason, unless a more specific one was recorded first. */
int vmha_actx_fail(struct vmha_actx *c, int rc, const char *fmt, ...)
{
	va_list ap;

	if (c->reason[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(c->reason, c->reason_len, fmt, ap);
		va_end(ap);
	}
	return rc;
}

bool vmha_actx_is_probe(const struct vmha_actx *c)
{
	return strcmp(c->action, "monitor") == 0 && vmha_params_interval_ms(c->p) == 0;
}
