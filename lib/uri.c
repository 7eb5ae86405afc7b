/* URI syntax checks (see uri.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uri.h"
#include "util.h"

/* A URI's scheme and authority: "scheme:" then (after "//", or directly as
 * in tcp:HOST:PORT) an optional "user@", a host name, IPv4 or [IPv6]
 * address (may be empty, may hold %n) and an optional ":port" of 1 to
 * 65535. No blanks or control characters. */
int vmha_uri_check(const char *what, const char *uri, char *reason, size_t reason_len)
{
	const char *s = uri;
	const char *end;
	const char *host;
	const char *at;
	const char *c;
	const char *problem = NULL;

	for (c = uri; *c != '\0'; c++) {
		if ((unsigned char)*c <= ' ' || *c == 0x7f) {
			problem = "contains a blank or control character";
			goto out;
		}
	}
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))) {
		problem = "has no scheme";
		goto out;
	}
	s += strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
	if (*s != ':') {
		problem = "has no scheme";
		goto out;
	}
	/* "scheme://[user@]host[:port]/...", or "scheme:host:port" (QEMU's
	 * migration URIs, tcp:HOST:PORT): the host and port are checked alike,
	 * as vmha_uri_host_port() reads them */
	host = strncmp(s, "://", 3) == 0 ? s + 3 : s + 1;
	end = host + strcspn(host, "/?#");
	/* the user part ends at the first '@' (RFC 3986: none in it); a later
	 * one is then an invalid host character */
	at = memchr(host, '@', (size_t)(end - host));
	if (at != NULL) {
		host = at + 1;
	}
	if (*host == '[') {
		c = memchr(host, ']', (size_t)(end - host));
		if (c == NULL) {
			problem = "has an unterminated [IPv6] address";
			goto out;
		}
		c++;
	} else {
		for (c = host; c < end && *c != ':'; c++) {
			if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			      (*c >= '0' && *c <= '9') || *c == '-' || *c == '.' || *c == '_' ||
			      *c == '%')) {
				problem = "has an invalid character in its host name";
				goto out;
			}
		}
	}
	if (c < end && *c != ':') {
		problem = "has an invalid character after its host";
		goto out;
	}
	if (c < end) {
		const char *port = c + 1;
		size_t n = (size_t)(end - port);
		unsigned long v = 0;
		size_t i;

		if (n == 0) {
			problem = "has an empty port";
			goto out;
		}
		for (i = 0; i < n; i++) {
			if (port[i] < '0' || port[i] > '9' || i >= 5) {
				problem = "has a port that is not a number from 1 to 65535";
				goto out;
			}
			v = v * 10 + (unsigned long)(port[i] - '0');
		}
		if (v == 0 || v > 65535) {
			problem = "has a port that is not a number from 1 to 65535";
			goto out;
		}
		if (c == host) {
			problem = "has a port but no host";
			goto out;
		}
	}
out:
	if (problem != NULL) {
		vmha_util_set_text(reason, reason_len, "%s: URI '%s' %s", what, uri, problem);
		return -EINVAL;
	}
	return 0;
}

int vmha_uri_host_port(const char *uri, char *host, size_t host_len, unsigned int *port)
{
	const char *s = uri != NULL ? strchr(uri, ':') : NULL;
	const char *h;
	const char *end;
	const char *at;
	const char *colon;
	size_t n;
	int rc = 0;

	host[0] = '\0';
	*port = 0;
	if (s == NULL || s == uri) {
		rc = -EINVAL;
		goto out;
	}
	h = strncmp(s, "://", 3) == 0 ? s + 3 : s + 1;
	end = h + strcspn(h, "/?#");
	at = memchr(h, '@', (size_t)(end - h));
	if (at != NULL) {
		h = at + 1;
	}
	if (*h == '[') {
		const char *close = memchr(h, ']', (size_t)(end - h));

		if (close == NULL) {
			rc = -EINVAL;
			goto out;
		}
		n = (size_t)(close - h - 1);
		colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
		h++;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		n = (size_t)((colon != NULL ? colon : end) - h);
	}
	if (n >= host_len) {
		rc = -EINVAL;
		goto out;
	}
	memcpy(host, h, n);
	host[n] = '\0';
	if (colon != NULL && colon + 1 < end) {
		unsigned long v = strtoul(colon + 1, NULL, 10);

		*port = v <= 65535 ? (unsigned int)v : 0;
	}
out:
	return rc;
}
