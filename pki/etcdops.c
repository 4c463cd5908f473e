/*
 * etcdops.c: the default struct pki_etcd_ops: pki/etcd.c's client,
 * pki/tlsfetch.c's probes and the system's monotonic clock.
 */
#include <errno.h>
#include <time.h>

#include "engine.h"

static int
d_open(void *arg, const struct pki_etcd_conf *conf, void **h,
    struct pki_error *err)
{
	struct pki_etcd	*c = NULL;
	int		 r;

	(void)arg;
	*h = NULL;
	if ((r = pki_etcd_new(conf, &c, err)) == PKI_OK)
		*h = c;
	return r;
}

static void
d_close(void *h)
{
	pki_etcd_free(h);
}

static void
d_avoid(void *h, int ep)
{
	pki_etcd_avoid(h, ep);
}

static int
d_health(void *h, int ep, int *healthy, struct pki_error *err)
{
	return pki_etcd_health(h, ep, healthy, err);
}

static int
d_status(void *h, int ep, struct pki_etcd_status *st, struct pki_error *err)
{
	return pki_etcd_status(h, ep, st, err);
}

static int
d_members(void *h, int ep, struct pki_etcd_member **m, size_t *n,
    struct pki_error *err)
{
	return pki_etcd_members(h, ep, m, n, err);
}

static int
d_alarms(void *h, int ep, size_t *n, char *desc, size_t len,
    struct pki_error *err)
{
	return pki_etcd_alarms(h, ep, n, desc, len, err);
}

static int
d_grant(void *h, int ep, long ttl_s, int64_t *id, struct pki_error *err)
{
	return pki_etcd_lease_grant(h, ep, ttl_s, id, err);
}

static int
d_keepalive(void *h, int ep, int64_t id, long *ttl_s, struct pki_error *err)
{
	return pki_etcd_lease_keepalive(h, ep, id, ttl_s, err);
}

static int
d_revoke(void *h, int ep, int64_t id, struct pki_error *err)
{
	return pki_etcd_lease_revoke(h, ep, id, err);
}

static int
d_lock(void *h, int ep, const char *name, int64_t lease, long wait_ms,
    char **key, size_t *keylen, int *busy, char *holder, size_t holderlen,
    struct pki_error *err)
{
	return pki_etcd_lock(h, ep, name, lease, wait_ms, key, keylen, busy,
	    holder, holderlen, err);
}

static int
d_unlock(void *h, int ep, const char *key, size_t keylen,
    struct pki_error *err)
{
	return pki_etcd_unlock(h, ep, key, keylen, err);
}

static int
d_move_leader(void *h, int ep, uint64_t target, struct pki_error *err)
{
	return pki_etcd_move_leader(h, ep, target, err);
}

static int
d_peer_cert(void *arg, const char *host, const char *port, int timeout_ms,
    struct pki_cert **out, struct pki_error *err)
{
	(void)arg;
	return pki_tls_peer_cert(host, port, NULL, timeout_ms, out, err);
}

static int
d_tls_probe(void *arg, const char *host, const char *port,
    const struct pki_cert *cert, const struct pki_key *key, int timeout_ms,
    struct pki_cert **served, int *accepted, struct pki_error *err)
{
	(void)arg;
	return pki_tls_probe(host, port, cert, key, timeout_ms, served,
	    accepted, err);
}

static int64_t
d_now_ms(void *arg)
{
	struct timespec	ts;

	(void)arg;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
d_sleep_ms(void *arg, long ms)
{
	struct timespec	ts;

	(void)arg;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int
d_member_add(void *h, int ep, const char *const *urls, size_t n, int learner,
    uint64_t *id, struct pki_error *err)
{
	return pki_etcd_member_add(h, ep, urls, n, learner, id, err);
}

static int
d_member_remove(void *h, int ep, uint64_t id, struct pki_error *err)
{
	return pki_etcd_member_remove(h, ep, id, err);
}

static int
d_member_promote(void *h, int ep, uint64_t id, struct pki_error *err)
{
	return pki_etcd_member_promote(h, ep, id, err);
}

static const struct pki_etcd_ops default_ops = {
	d_open, d_close, d_avoid, d_health, d_status, d_members, d_alarms,
	d_grant, d_keepalive, d_revoke, d_lock, d_unlock, d_move_leader,
	d_peer_cert, d_tls_probe, d_now_ms, d_sleep_ms, d_member_add,
	d_member_remove, d_member_promote
};

const struct pki_etcd_ops *
pki_etcd_ops_default(void)
{
	return &default_ops;
}
