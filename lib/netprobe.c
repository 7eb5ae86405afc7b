/* Bounded name resolution and TCP probes (see netprobe.h). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "netprobe.h"

/* getaddrinfo in a worker: left to it when the caller gives up. */
struct resolve_job {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int refs;
	bool done;
	char host[256];
	int rc;
	char addr[INET6_ADDRSTRLEN];
	bool loopback;
};

static void resolve_unref(struct resolve_job *j)
{
	bool last;

	pthread_mutex_lock(&j->lock);
	last = --j->refs == 0;
	pthread_mutex_unlock(&j->lock);
	if (last) {
		pthread_mutex_destroy(&j->lock);
		pthread_cond_destroy(&j->cond);
		free(j);
	}
}

static void *resolve_worker(void *opaque)
{
	struct resolve_job *j = opaque;
	struct addrinfo hints;
	struct addrinfo *res = NULL;
	int r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	r = getaddrinfo(j->host, NULL, &hints, &res);
	pthread_mutex_lock(&j->lock);
	if (r != 0 || res == NULL) {
		j->rc = r == EAI_NONAME || r == EAI_NODATA || r == EAI_FAIL ? -ENOENT : -EIO;
	} else if (res->ai_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)res->ai_addr;

		inet_ntop(AF_INET, &sin->sin_addr, j->addr, sizeof(j->addr));
		j->loopback = (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	} else if (res->ai_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)res->ai_addr;

		inet_ntop(AF_INET6, &sin6->sin6_addr, j->addr, sizeof(j->addr));
		j->loopback = IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
	}
	j->done = true;
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->lock);
	if (res != NULL) {
		freeaddrinfo(res);
	}
	resolve_unref(j);
	return NULL;
}

int vmha_netprobe_resolve(const char *host, uint64_t deadline_ms, char *addr, size_t addr_len,
                          bool *loopback)
{
	struct resolve_job *j = calloc(1, sizeof(*j));
	pthread_condattr_t attr;
	pthread_t t;
	int rc = 0;

	addr[0] = '\0';
	*loopback = false;
	if (j == NULL) {
		return -ENOMEM;
	}
	pthread_mutex_init(&j->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&j->cond, &attr);
	pthread_condattr_destroy(&attr);
	snprintf(j->host, sizeof(j->host), "%s", host);
	j->refs = 2;
	if (pthread_create(&t, NULL, resolve_worker, j) != 0) {
		j->refs = 1;
		rc = -EAGAIN;
		goto out;
	}
	pthread_detach(t);
	pthread_mutex_lock(&j->lock);
	while (!j->done && rc == 0) {
		struct timespec ts = {(time_t)(deadline_ms / 1000),
		                      (long)(deadline_ms % 1000) * 1000000L};

		if (pthread_cond_timedwait(&j->cond, &j->lock, &ts) == ETIMEDOUT && !j->done) {
			rc = -ETIMEDOUT;
		}
	}
	if (rc == 0) {
		rc = j->rc;
		snprintf(addr, addr_len, "%s", j->addr);
		*loopback = j->loopback;
	}
	pthread_mutex_unlock(&j->lock);
out:
	resolve_unref(j);
	return rc;
}

int vmha_netprobe_tcp(const char *host, unsigned int port, uint64_t timeout_ms)
{
	struct addrinfo hints;
	struct addrinfo *res = NULL;
	struct pollfd pfd = {.fd = -1, .events = POLLOUT};
	char service[16];
	socklen_t len = sizeof(int);
	int err = 0;
	int rc = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(service, sizeof(service), "%u", port);
	if (getaddrinfo(host, service, &hints, &res) != 0 || res == NULL) {
		rc = -ENOENT;
		goto out;
	}
	pfd.fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (pfd.fd < 0) {
		rc = -errno;
		goto out;
	}
	if (connect(pfd.fd, res->ai_addr, res->ai_addrlen) == 0) {
		goto out;
	}
	if (errno != EINPROGRESS) {
		rc = errno == ECONNREFUSED ? 0 : -errno;
		goto out;
	}
	err = poll(&pfd, 1, (int)timeout_ms);
	if (err == 0) {
		rc = -ETIMEDOUT;
		goto out;
	}
	if (err < 0 || getsockopt(pfd.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
		rc = -errno;
		goto out;
	}
	/* refused: the host answered, nothing listens until the migration starts */
	rc = err == 0 || err == ECONNREFUSED ? 0 : -err;
out:
	if (pfd.fd >= 0) {
		close(pfd.fd);
	}
	if (res != NULL) {
		freeaddrinfo(res);
	}
	return rc;
}
