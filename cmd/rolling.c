/*
 * rolling.c: "-restart rolling" (see rolling.h): one member at a time,
 * coordinated through a lock held in etcd itself, with health gates
 * before and after the restart and an automatic rollback.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "pki.h"
#include "cmd.h"
#include "log.h"
#include "opts.h"
#include "renew.h"
#include "rolling.h"

#define DEFAULT_RESTART_CMD	"systemctl restart etcd"
#define DEFAULT_GATE_MS		(120 * 1000L)
#define DEFAULT_SETTLE_MS	(30 * 1000L)
#define DEFAULT_LOCK_TTL_S	300L
#define DEFAULT_MAX_LAG		100
/* Per etcd request, and per TLS probe. */
#define REQUEST_MS		3000L
#define PROBE_MS		3000
/* How long /v3/lock/lock may block before the lock counts as busy. */
#define LOCK_WAIT_MS		2000L
/* A lock granted later than this was held by someone when asked. */
#define LOCK_FAST_MS		500
/* Leadership must have moved within this. */
#define MOVE_LEADER_MS		15000L
#define POLL_MS			500L
/* Minimum time the lease must still have at each step. */
#define LEASE_MARGIN_S		10L

struct rolling_session {
	struct rolling		*rl;
	const struct target	*t;
	struct pki_etcd		*c;
	char			**eps;		/* the members' client URLs */
	char			**names;	/* their names */
	uint64_t		*ids;		/* their member ids, 0 until
						   known */
	size_t			 neps;
	int			 self;		/* t's index in eps */
	char			*chost, *cport;	/* t's client URL */
	char			*phost, *pport;	/* t's peer URL */
	int64_t			 lease;
	char			*lockkey;
	size_t			 lockkeylen;
	char			 why[1024];	/* the gate that failed last */
};

/* ---- small things ---------------------------------------------------- */

static int64_t
mono_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(long ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Parses a Go duration flag into milliseconds (>= min_ms). */
static int
duration_ms(const struct opts *o, enum opt_id id, const char *flag,
    long min_ms, long *ms)
{
	struct pki_error	 err;
	const char		*v = opts_str(o, id);
	int64_t			 ns;
	int			 r;

	if (v == NULL)
		return 0;
	memset(&err, 0, sizeof(err));
	if ((r = pki_duration_parse(v, &ns, &err)) != 0) {
		log_err("%s: %s", flag, err.text);
		return -1;
	}
	if (ns < (int64_t)min_ms * 1000000 || ns / 1000000 > 86400000L) {
		log_err("%s: %s: must be between %ldms and 24h", flag, v,
		    min_ms);
		return -1;
	}
	*ms = (long)(ns / 1000000);
	return 0;
}

/* Appends one JSON line to -record: {"time","member","event",...}. */
static void record(const struct rolling_session *, const char *,
		    const char *, ...) __attribute__((format(printf, 3, 4)));

static void
record(const struct rolling_session *s, const char *event,
    const char *fmt, ...)
{
	struct timespec	 ts;
	json_t		*o = NULL;
	char		*line = NULL, detail[1024];
	va_list		 ap;
	int		 fd = -1;
	size_t		 len;

	if (s->rl->record == NULL)
		return;
	detail[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		(void)vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	}
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	if ((o = json_object()) == NULL ||
	    json_object_set_new(o, "time", json_real((double)ts.tv_sec +
	    ts.tv_nsec / 1e9)) != 0 ||
	    json_object_set_new(o, "pid", json_integer(getpid())) != 0 ||
	    json_object_set_new(o, "member", json_string(s->t->name)) != 0 ||
	    json_object_set_new(o, "event", json_string(event)) != 0 ||
	    json_object_set_new(o, "detail", json_string(detail)) != 0 ||
	    (line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(17))) == NULL) {
		log_err("-record: out of memory");
		goto out;
	}
	len = strlen(line);
	if ((fd = open(s->rl->record, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC | O_NOFOLLOW, 0644)) == -1) {
		log_err("-record: %s: %s", s->rl->record, strerror(errno));
		goto out;
	}
	/* One write per line: O_APPEND keeps concurrent runs' lines whole. */
	line[len] = '\n';
	if (write(fd, line, len + 1) != (ssize_t)(len + 1))
		log_err("-record: %s: %s", s->rl->record, strerror(errno));
 out:
	if (fd != -1)
		(void)close(fd);
	free(line);
	json_decref(o);
}

/* Progress on stdout (unless -quiet) and in the record. */
static void say(const struct rolling_session *, const char *, const char *,
		    ...) __attribute__((format(printf, 3, 4)));

static void
say(const struct rolling_session *s, const char *event, const char *fmt, ...)
{
	char	buf[1024];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!s->rl->quiet) {
		printf("%s: %s\n", s->t->label, buf);
		(void)fflush(stdout);
	}
	record(s, event, "%s", buf);
}

/* "https://host:port[/...]" into host and port (IPv6 in brackets). */
static int
split_url(const char *url, char **host, char **port)
{
	const char	*p, *h, *e, *colon;
	size_t		 hl;

	*host = *port = NULL;
	if ((p = strstr(url, "://")) == NULL)
		return -1;
	h = p + 3;
	e = h + strcspn(h, "/");
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(e - h));

		if (rb == NULL || rb + 1 >= e || rb[1] != ':')
			return -1;
		hl = (size_t)(rb - h - 1);
		h++;
		colon = rb + 1;
	} else {
		colon = NULL;
		for (p = h; p < e; p++)
			if (*p == ':')
				colon = p;
		if (colon == NULL)
			return -1;
		hl = (size_t)(colon - h);
	}
	if (hl == 0 || colon + 1 >= e)
		return -1;
	if ((*host = strndup(h, hl)) == NULL ||
	    (*port = strndup(colon + 1, (size_t)(e - colon - 1))) == NULL) {
		free(*host);
		*host = NULL;
		return -1;
	}
	return 0;
}

/* ---- flags ----------------------------------------------------------- */

int
rolling_flags(const struct opts *o, struct rolling *rl)
{
	rl->gate_timeout_ms = DEFAULT_GATE_MS;
	rl->settle_ms = DEFAULT_SETTLE_MS;
	rl->lock_ttl_s = DEFAULT_LOCK_TTL_S;
	rl->max_lag = DEFAULT_MAX_LAG;
	rl->record = opts_str(o, OPT_RECORD);
	if (duration_ms(o, OPT_GATE_TIMEOUT, "-gate-timeout", 1000,
	    &rl->gate_timeout_ms) != 0 ||
	    duration_ms(o, OPT_SETTLE, "-settle", 0, &rl->settle_ms) != 0)
		return -1;
	if (o->set[OPT_LOCK_TTL]) {
		long	ms = 0;

		if (duration_ms(o, OPT_LOCK_TTL, "-lock-ttl", 5000, &ms) != 0)
			return -1;
		rl->lock_ttl_s = ms / 1000;
	}
	if (o->set[OPT_MAX_LAG]) {
		if (o->i[OPT_MAX_LAG] < 0) {
			log_err("-max-lag: %ld: must not be negative",
			    o->i[OPT_MAX_LAG]);
			return -1;
		}
		rl->max_lag = (uint64_t)o->i[OPT_MAX_LAG];
	}
	/*
	 * The lease outlives every wait of one step (a gate, a restart),
	 * so a holder that crashes frees the cluster after -lock-ttl, and
	 * one that lives keeps it through each step.
	 */
	if (rl->lock_ttl_s * 1000 <= rl->gate_timeout_ms + LEASE_MARGIN_S *
	    1000) {
		log_err("-lock-ttl (%lds) must be longer than -gate-timeout "
		    "(%lds) plus %lds: a lock that expires during the gates "
		    "would let another member restart", rl->lock_ttl_s,
		    rl->gate_timeout_ms / 1000, LEASE_MARGIN_S);
		return -1;
	}
	if (rl->restart.argv == NULL && rl->stop.argv == NULL &&
	    run_parse(&rl->restart, "-restart-cmd", DEFAULT_RESTART_CMD) != 0)
		return -1;
	return 0;
}

void
rolling_free(struct rolling *rl)
{
	run_free(&rl->restart);
	run_free(&rl->stop);
	run_free(&rl->start);
}

/* ---- the session ------------------------------------------------------ */

static void
session_free(struct rolling_session *s)
{
	size_t	i;

	if (s == NULL)
		return;
	pki_etcd_free(s->c);
	for (i = 0; i < s->neps; i++) {
		free(s->eps[i]);
		free(s->names[i]);
	}
	free(s->eps);
	free(s->names);
	free(s->ids);
	free(s->chost);
	free(s->cport);
	free(s->phost);
	free(s->pport);
	free(s->lockkey);
	free(s);
}

/* The members' first client URLs, t's own client and peer URL. */
static int
session_urls(struct rolling_session *s, const struct targets *ts)
{
	struct pki_cluster_leaf_info	 li;
	size_t				 i, n = pki_cluster_nleaves(ts->cl);
	int				 self = -1;

	if ((s->eps = calloc(n, sizeof(*s->eps))) == NULL ||
	    (s->names = calloc(n, sizeof(*s->names))) == NULL ||
	    (s->ids = calloc(n, sizeof(*s->ids))) == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		pki_cluster_leaf(ts->cl, i, &li);
		if (!li.member)
			continue;
		if (li.nclient_urls == 0 || li.npeer_urls == 0) {
			log_err("%s: member %s has no client or peer URL",
			    s->t->label, li.name);
			return -1;
		}
		if ((s->eps[s->neps] = strdup(li.client_urls[0])) == NULL ||
		    (s->names[s->neps] = strdup(li.name)) == NULL)
			goto oom;
		if (strcmp(li.name, s->t->name) == 0) {
			self = (int)s->neps;
			if (split_url(li.client_urls[0], &s->chost,
			    &s->cport) != 0 || split_url(li.peer_urls[0],
			    &s->phost, &s->pport) != 0) {
				log_err("%s: %s, %s: not host:port URLs",
				    li.name, li.client_urls[0],
				    li.peer_urls[0]);
				return -1;
			}
		}
		s->neps++;
	}
	if (self < 0) {
		log_err("%s: not a member of the cluster (-restart rolling "
		    "restarts members; a client has no process)", s->t->label);
		return -1;
	}
	s->self = self;
	return 0;
 oom:
	log_err("out of memory");
	return -1;
}

/* Connects with t's own certificate, key and trust bundle. */
static int
session_connect(struct rolling_session *s, const struct targets *ts)
{
	struct pki_etcd_conf	 conf;
	struct pki_error	 err;
	struct stat		 st;
	char			*cert = NULL, *key = NULL, *ca = NULL;
	int			 r, ret = -1;

	memset(&err, 0, sizeof(err));
	if (asprintf(&cert, "%s/%s.pem", s->t->dir, s->t->name) == -1)
		cert = NULL;
	if (asprintf(&key, "%s/%s-key.pem", s->t->dir, s->t->name) == -1)
		key = NULL;
	if (asprintf(&ca, "%s/ca.pem", s->t->dir) == -1)
		ca = NULL;
	if (cert == NULL || key == NULL || ca == NULL) {
		log_err("out of memory");
		goto out;
	}
	/* Without a bundle of its own, the member trusts DIR/ca.pem. */
	if (stat(ca, &st) == -1) {
		free(ca);
		if (asprintf(&ca, "%s/ca.pem", ts->topdir) == -1) {
			ca = NULL;
			log_err("out of memory");
			goto out;
		}
	}
	memset(&conf, 0, sizeof(conf));
	conf.endpoints = (const char *const *)s->eps;
	conf.nendpoints = s->neps;
	conf.ca_file = ca;
	conf.cert_file = cert;
	conf.key_file = key;
	conf.timeout_ms = REQUEST_MS;
	if ((r = pki_etcd_new(&conf, &s->c, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	pki_etcd_avoid(s->c, s->self);
	ret = 0;
 out:
	free(cert);
	free(key);
	free(ca);
	return ret;
}

/* Keeps the lease alive; 0, or -1 with s->why. */
static int
keepalive(struct rolling_session *s)
{
	struct pki_error	err;
	long			ttl = 0;

	memset(&err, 0, sizeof(err));
	if (pki_etcd_lease_keepalive(s->c, -1, s->lease, &ttl, &err) != 0) {
		snprintf(s->why, sizeof(s->why), "lease keepalive: %s",
		    err.text);
		return -1;
	}
	if (ttl <= 0) {
		snprintf(s->why, sizeof(s->why), "the lease of the cluster "
		    "lock expired: another member may be restarting");
		return -1;
	}
	return 0;
}

/*
 * The cluster-wide gates: every member of the description is a started
 * member of etcd's list and healthy, no alarm is raised, and with
 * exclude (an index, or -1) down the rest still make a quorum.  0, or -1
 * with s->why.
 */
static int
cluster_gates(struct rolling_session *s, int exclude)
{
	struct pki_error	 err;
	struct pki_etcd_member	*m = NULL;
	size_t			 nm = 0, i, j, nalarms = 0, healthy = 0;
	char			 desc[256];
	int			 h, ret = -1;

	memset(&err, 0, sizeof(err));
	if (pki_etcd_members(s->c, -1, &m, &nm, &err) != 0) {
		snprintf(s->why, sizeof(s->why), "member list: %s", err.text);
		goto out;
	}
	for (i = 0; i < nm; i++) {
		if (m[i].name == NULL || m[i].name[0] == '\0') {
			snprintf(s->why, sizeof(s->why), "member %" PRIx64
			    " is not started yet", m[i].id);
			goto out;
		}
		for (j = 0; j < s->neps; j++)
			if (strcmp(m[i].name, s->names[j]) == 0)
				break;
		if (j == s->neps) {
			snprintf(s->why, sizeof(s->why), "etcd lists member "
			    "%s, which the cluster description does not "
			    "have: its health cannot be checked", m[i].name);
			goto out;
		}
	}
	if (nm != s->neps) {
		snprintf(s->why, sizeof(s->why), "etcd lists %zu members, the "
		    "description %zu", nm, s->neps);
		goto out;
	}
	for (i = 0; i < s->neps; i++) {
		h = 0;
		memset(&err, 0, sizeof(err));
		if (pki_etcd_health(s->c, (int)i, &h, &err) != 0 || !h) {
			snprintf(s->why, sizeof(s->why), "member %s is not "
			    "healthy: %s", s->names[i], err.text[0] != '\0' ?
			    err.text : "/health is false");
			goto out;
		}
		healthy++;
	}
	if (exclude >= 0)
		healthy--;
	memset(&err, 0, sizeof(err));
	if (pki_etcd_alarms(s->c, -1, &nalarms, desc, sizeof(desc), &err) !=
	    0) {
		snprintf(s->why, sizeof(s->why), "alarm list: %s", err.text);
		goto out;
	}
	if (nalarms > 0) {
		snprintf(s->why, sizeof(s->why), "%zu alarm%s raised: %s",
		    nalarms, nalarms == 1 ? "" : "s", desc);
		goto out;
	}
	if (exclude >= 0 && healthy < s->neps / 2 + 1) {
		snprintf(s->why, sizeof(s->why), "with %s down only %zu of %zu "
		    "members would be up, below the quorum of %zu",
		    s->names[exclude], healthy, s->neps, s->neps / 2 + 1);
		goto out;
	}
	ret = 0;
 out:
	pki_etcd_members_free(m, nm);
	return ret;
}

/* The endpoint index of member id, or -1. */
static int
ep_of(struct rolling_session *s, uint64_t id, struct pki_etcd_status *st)
{
	struct pki_error	err;
	size_t			i;

	/* Member ids do not change: each endpoint's is asked for once. */
	for (i = 0; i < s->neps; i++)
		if (s->ids[i] == id) {
			memset(&err, 0, sizeof(err));
			return pki_etcd_status(s->c, (int)i, st, &err) == 0 ?
			    (int)i : -1;
		}
	for (i = 0; i < s->neps; i++) {
		if (s->ids[i] != 0)
			continue;
		memset(&err, 0, sizeof(err));
		if (pki_etcd_status(s->c, (int)i, st, &err) != 0)
			continue;
		s->ids[i] = st->member_id;
		if (st->member_id == id)
			return (int)i;
	}
	return -1;
}

/* When t leads, hands leadership to the follower furthest ahead. */
static int
move_leader(struct rolling_session *s)
{
	struct pki_etcd_status	 me, st;
	struct pki_error	 err;
	uint64_t		 best = 0, bestidx = 0;
	size_t			 i;
	int64_t			 deadline;
	int			 besti = -1;

	memset(&err, 0, sizeof(err));
	if (pki_etcd_status(s->c, s->self, &me, &err) != 0) {
		snprintf(s->why, sizeof(s->why), "status: %s", err.text);
		return -1;
	}
	if (me.leader != me.member_id)
		return 0;
	for (i = 0; i < s->neps; i++) {
		if ((int)i == s->self)
			continue;
		memset(&err, 0, sizeof(err));
		if (pki_etcd_status(s->c, (int)i, &st, &err) != 0 ||
		    st.errors[0] != '\0')
			continue;
		if (besti < 0 || st.raft_index > bestidx) {
			besti = (int)i;
			best = st.member_id;
			bestidx = st.raft_index;
		}
	}
	if (besti < 0) {
		snprintf(s->why, sizeof(s->why), "it leads and no follower "
		    "answers: leadership cannot move");
		return -1;
	}
	say(s, "move-leader", "leads: moving leadership to %s",
	    s->names[besti]);
	memset(&err, 0, sizeof(err));
	if (pki_etcd_move_leader(s->c, s->self, best, &err) != 0) {
		snprintf(s->why, sizeof(s->why), "move-leader to %s: %s",
		    s->names[besti], err.text);
		return -1;
	}
	deadline = mono_ms() + MOVE_LEADER_MS;
	do {
		memset(&err, 0, sizeof(err));
		if (pki_etcd_status(s->c, besti, &st, &err) == 0 &&
		    st.leader != 0 && st.leader != me.member_id)
			return 0;
		sleep_ms(POLL_MS);
	} while (mono_ms() < deadline);
	snprintf(s->why, sizeof(s->why), "leadership did not move to %s "
	    "within %lds", s->names[besti], MOVE_LEADER_MS / 1000);
	return -1;
}

static void
unlock(struct rolling_session *s)
{
	struct pki_error	err;

	memset(&err, 0, sizeof(err));
	if (s->lockkey != NULL && pki_etcd_unlock(s->c, -1, s->lockkey,
	    s->lockkeylen, &err) != 0)
		log_err("%s: releasing the cluster lock: %s (it expires with "
		    "its lease)", s->t->label, err.text);
	free(s->lockkey);
	s->lockkey = NULL;
	memset(&err, 0, sizeof(err));
	if (s->lease != 0 && pki_etcd_lease_revoke(s->c, -1, s->lease,
	    &err) != 0)
		log_err("%s: revoking lease %" PRIx64 ": %s (it expires "
		    "after %lds)", s->t->label, (uint64_t)s->lease, err.text,
		    s->rl->lock_ttl_s);
	s->lease = 0;
}

int
rolling_begin(struct rolling *rl, const struct targets *ts,
    const struct target *t, struct rolling_session **out)
{
	struct rolling_session	*s = NULL;
	struct pki_error	 err;
	char			 holder[256];
	int64_t			 t0;
	int			 r, busy = 0, ret = CMD_RETURN_ERROR;

	*out = NULL;
	memset(&err, 0, sizeof(err));
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_err("out of memory");
		return CMD_RETURN_ERROR;
	}
	s->rl = rl;
	s->t = t;
	if (session_urls(s, ts) != 0 || session_connect(s, ts) != 0)
		goto out;
	if (pki_etcd_lease_grant(s->c, -1, rl->lock_ttl_s, &s->lease,
	    &err) != 0) {
		log_err("%s: not restarted: the cluster cannot be reached "
		    "through the other members: %s", t->label, err.text);
		s->lease = 0;
		ret = RENEW_EXIT_PRECOND;
		goto out;
	}
	holder[0] = '\0';
	t0 = mono_ms();
	r = pki_etcd_lock(s->c, -1, ROLLING_LOCK_NAME, s->lease, LOCK_WAIT_MS,
	    &s->lockkey, &s->lockkeylen, &busy, holder, sizeof(holder), &err);
	if (r != 0 && mono_ms() - t0 <= LOCK_FAST_MS) {
		/*
		 * An error at once: the member behind that endpoint may be
		 * the holder, going down for its restart.  Ask once more (the
		 * lock's key is per lease: the same waiter); its busy check
		 * then finds the holder through another member.
		 */
		sleep_ms(POLL_MS);
		memset(&err, 0, sizeof(err));
		t0 = mono_ms();
		r = pki_etcd_lock(s->c, -1, ROLLING_LOCK_NAME, s->lease,
		    LOCK_WAIT_MS, &s->lockkey, &s->lockkeylen, &busy, holder,
		    sizeof(holder), &err);
	}
	if (r != 0) {
		/*
		 * Cut off while it waited: the endpoint it waited at is the
		 * member that held the lock, restarting.
		 */
		if (mono_ms() - t0 > LOCK_FAST_MS) {
			say(s, "busy", "deferred: the cluster lock %s was held "
			    "when asked, and the wait for it was cut off (%s): "
			    "another member is restarting", ROLLING_LOCK_NAME,
			    err.text);
			ret = RENEW_EXIT_BUSY;
			goto out;
		}
		log_err("%s: not restarted: taking the cluster lock: %s",
		    t->label, err.text);
		ret = RENEW_EXIT_PRECOND;
		goto out;
	}
	/*
	 * Granted only after a wait: another member held it when we asked
	 * and has just restarted.  Defer rather than restart right after
	 * it: the timer tries again later.
	 */
	if (!busy && mono_ms() - t0 > LOCK_FAST_MS) {
		busy = 1;
		snprintf(holder, sizeof(holder), "held by another member when "
		    "asked, granted only after %.1fs",
		    (double)(mono_ms() - t0) / 1000.0);
	}
	if (busy) {
		say(s, "busy", "deferred: the cluster lock %s is held (%s): "
		    "another member is restarting", ROLLING_LOCK_NAME,
		    holder[0] != '\0' ? holder : "taken meanwhile");
		ret = RENEW_EXIT_BUSY;
		goto out;
	}
	say(s, "locked", "cluster lock %s taken (lease %" PRIx64 ", TTL %lds)",
	    ROLLING_LOCK_NAME, (uint64_t)s->lease, rl->lock_ttl_s);
	if (cluster_gates(s, s->self) != 0 || move_leader(s) != 0) {
		say(s, "gate-failed", "not restarted, nothing changed: %s",
		    s->why);
		log_err("%s: not restarted, nothing changed: %s", t->label,
		    s->why);
		ret = RENEW_EXIT_PRECOND;
		goto out;
	}
	say(s, "gates-ok", "every member healthy, no alarm, quorum kept "
	    "without it");
	*out = s;
	s = NULL;
	ret = CMD_RETURN_NORMAL;
 out:
	if (s != NULL) {
		unlock(s);
		session_free(s);
	}
	return ret;
}

/* ---- after the restart ---------------------------------------------- */

/* A client certificate of ca, made for a probe and never written. */
int
rolling_probe_cert(const struct pki_cert *ca, const struct pki_key *cakey,
    struct pki_cert **cert, struct pki_key **key)
{
	static const char csrjson[] = "{\"CN\":\"etcd-pki probe\","
	    "\"key\":{\"algo\":\"ecdsa\",\"size\":256}}";
	static const char cfgjson[] = "{\"signing\":{\"default\":"
	    "{\"usages\":[\"digital signature\",\"client auth\"],"
	    "\"expiry\":\"15m\"}}}";
	struct pki_error		 err;
	struct pki_sign_request		 sr;
	struct pki_csr			*csr = NULL;
	struct pki_config		*cfg = NULL;
	const struct pki_profile	*prof = NULL;
	struct pki_req			*req = NULL;
	int				 r;

	*cert = NULL;
	*key = NULL;
	memset(&err, 0, sizeof(err));
	memset(&sr, 0, sizeof(sr));
	if ((r = pki_csr_parse(csrjson, sizeof(csrjson) - 1, "probe", 0,
	    NULL, &csr, &err)) != 0 ||
	    (r = pki_config_parse(cfgjson, sizeof(cfgjson) - 1, "probe", NULL,
	    &cfg, &err)) != 0 ||
	    (r = pki_config_profile(cfg, NULL, &prof, &err)) != 0 ||
	    (r = pki_key_generate(csr, key, &err)) != 0 ||
	    (r = pki_req_new(csr, *key, &req, &err)) != 0)
		goto out;
	sr.req = req;
	sr.profile = prof;
	sr.now_sec = time(NULL) - 60;
	r = pki_cert_sign(&sr, ca, cakey, cert, &err);
 out:
	if (r != 0) {
		log_pki(&err, r);
		pki_key_free(*key);
		*key = NULL;
	}
	pki_req_free(req);
	pki_config_free(cfg);
	pki_csr_free(csr);
	return r != 0 ? -1 : 0;
}

/* The served certificate's serial on host:port equals want. */
static int
serves(struct rolling_session *s, const char *what, const char *host,
    const char *port, const char *want)
{
	struct pki_error	 err;
	struct pki_cert_facts	 f;
	struct pki_cert		*c = NULL;
	int			 ret = -1;

	memset(&err, 0, sizeof(err));
	memset(&f, 0, sizeof(f));
	if (pki_tls_peer_cert(host, port, NULL, PROBE_MS, &c, &err) != 0) {
		snprintf(s->why, sizeof(s->why), "%s port %s:%s: %s", what,
		    host, port, err.text);
		goto out;
	}
	if (pki_cert_facts(c, &f, &err) != 0) {
		snprintf(s->why, sizeof(s->why), "%s port: %s", what, err.text);
		goto out;
	}
	if (strcmp(f.serial_hex, want) != 0) {
		snprintf(s->why, sizeof(s->why), "the %s port %s:%s serves "
		    "serial %s, not the new %s", what, host, port,
		    f.serial_hex, want);
		goto out;
	}
	ret = 0;
 out:
	pki_cert_facts_clear(&f);
	pki_cert_free(c);
	return ret;
}

/* The member accepts (want 1) or refuses (0) a client certificate of ca. */
static int
trusts(struct rolling_session *s, const struct pki_cert *ca,
    const struct pki_key *cakey, int want)
{
	struct pki_error	 err;
	struct pki_cert		*pc = NULL, *served = NULL;
	struct pki_key		*pk = NULL;
	const char		*host[2] = { s->chost, s->phost };
	const char		*port[2] = { s->cport, s->pport };
	const char		*what[2] = { "client", "peer" };
	int			 i, acc, ret = -1;

	if (rolling_probe_cert(ca, cakey, &pc, &pk) != 0) {
		snprintf(s->why, sizeof(s->why), "no probe certificate");
		return -1;
	}
	for (i = 0; i < 2; i++) {
		memset(&err, 0, sizeof(err));
		acc = -1;
		if (pki_tls_probe(host[i], port[i], pc, pk, PROBE_MS, &served,
		    &acc, &err) != 0) {
			snprintf(s->why, sizeof(s->why), "%s port %s:%s: %s",
			    what[i], host[i], port[i], err.text);
			goto out;
		}
		pki_cert_free(served);
		served = NULL;
		if (acc != want) {
			snprintf(s->why, sizeof(s->why), "the %s port %s "
			    "a client certificate of the %s CA", what[i],
			    want ? "refuses" : "still accepts",
			    want ? "new" : "old");
			goto out;
		}
	}
	ret = 0;
 out:
	pki_cert_free(pc);
	pki_key_free(pk);
	return ret;
}

/* One round of the gates after the restart; 0, or -1 with s->why. */
static int
after_gates(struct rolling_session *s, const struct rolling_expect *want)
{
	struct pki_etcd_status	 me, ld;
	struct pki_error	 err;
	int			 h = 0, li;

	memset(&err, 0, sizeof(err));
	if (pki_etcd_health(s->c, s->self, &h, &err) != 0 || !h) {
		snprintf(s->why, sizeof(s->why), "not healthy: %s",
		    err.text[0] != '\0' ? err.text : "/health is false");
		return -1;
	}
	if (pki_etcd_status(s->c, s->self, &me, &err) != 0) {
		snprintf(s->why, sizeof(s->why), "status: %s", err.text);
		return -1;
	}
	if (me.errors[0] != '\0') {
		snprintf(s->why, sizeof(s->why), "status errors: %s",
		    me.errors);
		return -1;
	}
	if (me.leader == 0) {
		snprintf(s->why, sizeof(s->why), "no leader");
		return -1;
	}
	if (me.leader != me.member_id) {
		if ((li = ep_of(s, me.leader, &ld)) < 0) {
			snprintf(s->why, sizeof(s->why), "the leader %" PRIx64
			    " does not answer", me.leader);
			return -1;
		}
		if (ld.raft_index > me.raft_index &&
		    ld.raft_index - me.raft_index > s->rl->max_lag) {
			snprintf(s->why, sizeof(s->why), "%" PRIu64 " raft "
			    "entries behind the leader %s (-max-lag %" PRIu64
			    ")", ld.raft_index - me.raft_index, s->names[li],
			    s->rl->max_lag);
			return -1;
		}
	}
	if (cluster_gates(s, -1) != 0)
		return -1;
	if (want->serial_hex != NULL && (serves(s, "client", s->chost,
	    s->cport, want->serial_hex) != 0 || serves(s, "peer", s->phost,
	    s->pport, want->serial_hex) != 0))
		return -1;
	if (want->trust_ca != NULL && trusts(s, want->trust_ca,
	    want->trust_key, 1) != 0)
		return -1;
	if (want->distrust_ca != NULL && trusts(s, want->distrust_ca,
	    want->distrust_key, 0) != 0)
		return -1;
	return 0;
}

/* Waits up to -gate-timeout for after_gates(); 0 or -1 (s->why). */
static int
wait_gates(struct rolling_session *s, const struct rolling_expect *want,
    int64_t started)
{
	int64_t	deadline = started + s->rl->gate_timeout_ms;

	for (;;) {
		if (keepalive(s) != 0)
			return -1;
		if (after_gates(s, want) == 0) {
			say(s, "up", "healthy, caught up and serving what "
			    "it should %.1fs after the restart began",
			    (double)(mono_ms() - started) / 1000.0);
			return 0;
		}
		if (mono_ms() >= deadline)
			break;
		sleep_ms(POLL_MS);
	}
	return -1;
}

/*
 * The restart (or stop, switch, start).  Returns 0; 1 when nothing
 * changed (the stop or the switch failed; a stopped member is started
 * again on what it had); -1 when the restart or start failed after the
 * switch.  Prints why.
 */
static int
restart(struct rolling_session *s, struct pki_set *set, const char *gen)
{
	struct pki_error	 err;
	char			*env[2] = { NULL, NULL };
	int			 st, ret = 1, tmo;
	const struct run_cmd	*rc;

	memset(&err, 0, sizeof(err));
	if (asprintf(&env[0], "ETCD_PKI_MEMBER=%s", s->t->name) == -1) {
		env[0] = NULL;
		log_err("out of memory");
		return 1;
	}
	tmo = (int)(s->rl->gate_timeout_ms / 1000) + 1;
	if (s->rl->stop.argv != NULL) {
		say(s, "stop", "stopping: %s", s->rl->stop.text);
		if ((st = run_exec(&s->rl->stop, env, tmo)) != 0) {
			if (st > 0)
				log_err("%s: -stop-cmd exited with status %d",
				    s->t->label, st);
			snprintf(s->why, sizeof(s->why), "-stop-cmd failed");
			goto out;
		}
	}
	if (gen != NULL && pki_set_activate(set, gen, 0, &err) != 0) {
		log_err("%s: %s", s->t->label, err.text);
		snprintf(s->why, sizeof(s->why), "the switch failed: %s",
		    err.text);
		if (s->rl->stop.argv != NULL)
			(void)run_exec(&s->rl->start, env, tmo);
		goto out;
	}
	if (gen != NULL)
		say(s, "switch", "current -> %s", gen);
	ret = -1;
	rc = s->rl->stop.argv != NULL ? &s->rl->start : &s->rl->restart;
	say(s, s->rl->stop.argv != NULL ? "start" : "restart", "%s: %s",
	    s->rl->stop.argv != NULL ? "starting" : "restarting", rc->text);
	if ((st = run_exec(rc, env, tmo)) != 0) {
		if (st > 0)
			log_err("%s: %s exited with status %d", s->t->label,
			    rc->flag, st);
		snprintf(s->why, sizeof(s->why), "%s failed", rc->flag);
		goto out;
	}
	ret = 0;
 out:
	free(env[0]);
	return ret;
}

int
rolling_switch(struct rolling_session *s, struct pki_set *set,
    const char *gen, const struct rolling_expect *want,
    const struct rolling_expect *old)
{
	char		*prev = NULL;
	const char	*cur;
	int64_t		 started;
	int		 r, ret = RENEW_EXIT_ROLLBACK_FAILED;

	if (keepalive(s) != 0) {
		log_err("%s: not restarted: %s", s->t->label, s->why);
		return CMD_RETURN_ERROR;
	}
	if ((cur = pki_set_current(set)) != NULL && (prev = strdup(cur)) ==
	    NULL) {
		log_err("out of memory");
		return CMD_RETURN_ERROR;
	}
	s->why[0] = '\0';
	started = mono_ms();
	if ((r = restart(s, set, gen)) == 1) {
		ret = CMD_RETURN_ERROR;
		goto out;
	}
	if (r == 0 && wait_gates(s, want, started) == 0) {
		ret = CMD_RETURN_NORMAL;
		goto out;
	}
	say(s, "gate-failed", "the gates after the restart failed within "
	    "%lds: %s", s->rl->gate_timeout_ms / 1000, s->why);
	log_err("%s: the gates after the restart failed: %s", s->t->label,
	    s->why);
	if (gen == NULL || prev == NULL) {
		log_err("%s: no previous generation to roll back to: the "
		    "member may be down", s->t->label);
		goto out;
	}
	s->why[0] = '\0';
	say(s, "rollback", "rolling back to %s", prev);
	started = mono_ms();
	if (restart(s, set, prev) == 0 && wait_gates(s, old, started) == 0) {
		say(s, "rolled-back", "rolled back: %s is current again, and "
		    "the member serves it", prev);
		ret = RENEW_EXIT_ROLLED_BACK;
		goto out;
	}
	say(s, "rollback-failed", "the rollback failed too: %s", s->why);
	log_err("%s: the rollback failed too: %s: the member may be down",
	    s->t->label, s->why);
 out:
	free(prev);
	return ret;
}

int
rolling_end(struct rolling_session *s)
{
	int	ret = 0;

	if (s == NULL)
		return 0;
	if (s->rl->settle_ms > 0) {
		int64_t	end = mono_ms() + s->rl->settle_ms;

		while (mono_ms() < end) {
			sleep_ms(end - mono_ms() > 5000 ? 5000 :
			    (long)(end - mono_ms()));
			if (keepalive(s) != 0)
				break;
		}
	}
	if (s->lockkey == NULL)
		ret = -1;
	unlock(s);
	say(s, "unlocked", "cluster lock released");
	session_free(s);
	return ret;
}
