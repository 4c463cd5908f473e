/*
 * rolling.c: the rolling restart (see pki.h): one member at a time,
 * coordinated through a lock held in etcd itself, with health gates
 * before and after the restart and an automatic rollback.  Every etcd
 * operation, TLS probe and clock reading goes through struct
 * pki_etcd_ops, so tests can drive it with a fake cluster.
 */
#include <sys/stat.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

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

struct pki_roll {
	const struct pki_roll_conf	*rc;
	const struct pki_etcd_ops	*ops;
	void				*oarg;
	const struct pki_notify		*nt;
	char				*name;		/* the member */
	char				*label;
	char				*setdir;	/* DIR/LEAF */
	void				*c;		/* ops->open() */
	char				**eps;		/* client URLs */
	char				**names;	/* their names */
	uint64_t			*ids;		/* member ids, 0 until
							   known */
	size_t				 neps;
	int				 self;		/* index in eps */
	struct pki_url			 cu;		/* its client URL */
	struct pki_url			 pu;		/* its peer URL */
	int64_t				 lease;
	char				*lockkey;
	size_t				 lockkeylen;
	int				 held;		/* "locked" was
							   recorded */
	char				 why[1024];	/* the gate that failed
							   last */
};

/* ---- small things ---------------------------------------------------- */

static int64_t
now_ms(const struct pki_roll *s)
{
	return s->ops->now_ms(s->oarg);
}

static void
nap(const struct pki_roll *s, long ms)
{
	s->ops->sleep_ms(s->oarg, ms);
}

/* Progress: a step of the restart. */
static void say(const struct pki_roll *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
say(const struct pki_roll *s, const char *event, const char *fmt, ...)
{
	char	buf[1024];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pki_note_step(s->nt, event, s->name, s->label, "%s", buf);
}

void
pki_roll_progress(const struct pki_roll_conf *rc, size_t done, size_t total)
{
	if (rc != NULL && rc->restarted != NULL && total > 0)
		rc->restarted(rc->restarted_arg, done, total);
}

/* The reason a gate failed, kept for the messages. */
static void why(struct pki_roll *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
why(struct pki_roll *s, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
}

/* "error text" or, when the call gave none, what replaces it. */
static const char *
etext(const struct pki_error *err, const char *none)
{
	return err->text[0] != '\0' ? err->text : none;
}

int
pki_roll_conf_check(const struct pki_roll_conf *rc, struct pki_error *err)
{
	if (rc->lock_ttl_s * 1000 <= rc->gate_timeout_ms + LEASE_MARGIN_S *
	    1000)
		return pki_err(err, PKI_ERR_ARG, "-lock-ttl (%lds) must be "
		    "longer than -gate-timeout (%lds) plus %lds: a lock that "
		    "expires during the gates would let another member "
		    "restart", rc->lock_ttl_s, rc->gate_timeout_ms / 1000,
		    LEASE_MARGIN_S);
	return PKI_OK;
}

/* ---- the session ------------------------------------------------------ */

static void
session_free(struct pki_roll *s)
{
	size_t	i;

	if (s == NULL)
		return;
	if (s->c != NULL)
		s->ops->close(s->c);
	for (i = 0; i < s->neps; i++) {
		free(s->eps[i]);
		free(s->names[i]);
	}
	free(s->eps);
	free(s->names);
	free(s->ids);
	free(s->name);
	free(s->label);
	free(s->setdir);
	free(s->lockkey);
	free(s);
}

/* The members' first client URLs, the member's own client and peer URL. */
static int
session_urls(struct pki_roll *s, const struct pki_cldir_leaf *v, size_t n)
{
	size_t	i;
	int	self = -1;

	if ((s->eps = calloc(n + 1, sizeof(*s->eps))) == NULL ||
	    (s->names = calloc(n + 1, sizeof(*s->names))) == NULL ||
	    (s->ids = calloc(n + 1, sizeof(*s->ids))) == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		if (!v[i].member)
			continue;
		if (v[i].client_url_parts == NULL ||
		    v[i].peer_url_parts == NULL) {
			pki_note(s->nt, PKI_NOTE_ERROR, s->label, "member %s "
			    "has no client or peer URL", v[i].name);
			return -1;
		}
		if ((s->eps[s->neps] = strdup(v[i].client_url)) == NULL ||
		    (s->names[s->neps] = strdup(v[i].name)) == NULL)
			goto oom;
		if (strcmp(v[i].name, s->name) == 0) {
			self = (int)s->neps;
			s->cu = *v[i].client_url_parts;
			s->pu = *v[i].peer_url_parts;
		}
		s->neps++;
	}
	if (self < 0) {
		pki_note(s->nt, PKI_NOTE_ERROR, s->label, "not a member of the "
		    "cluster (-restart rolling restarts members; a client has "
		    "no process)");
		return -1;
	}
	s->self = self;
	return 0;
 oom:
	pki_note(s->nt, PKI_NOTE_ERROR, NULL, "out of memory");
	return -1;
}

/* DIR/LEAF/NAME<suffix>. */
static char *
set_file(const struct pki_roll *s, const char *suffix)
{
	char	*p;

	if (asprintf(&p, "%s/%s%s", s->setdir, s->name, suffix) == -1)
		return NULL;
	return p;
}

/* Opens a connection *c to eps with the TLS files given (ops->open). */
static int
session_open(const struct pki_roll *s, char **eps, size_t neps,
    const char *ca, const char *cert, const char *key, void **c,
    struct pki_error *err)
{
	struct pki_etcd_conf	 conf;

	memset(&conf, 0, sizeof(conf));
	conf.endpoints = (const char *const *)eps;
	conf.nendpoints = neps;
	conf.ca_file = ca;
	conf.cert_file = cert;
	conf.key_file = key;
	conf.timeout_ms = REQUEST_MS;
	return s->ops->open(s->oarg, &conf, c, err);
}

/* A new session, empty but for its configuration; NULL when no memory. */
static struct pki_roll *
session_alloc(const struct pki_roll_conf *rc, const struct pki_notify *nt,
    struct pki_roll **out)
{
	struct pki_roll	*s;

	if ((*out = s = calloc(1, sizeof(*s))) == NULL) {
		pki_note(nt, PKI_NOTE_ERROR, NULL, "out of memory");
		return NULL;
	}
	s->rc = rc;
	s->ops = rc->ops != NULL ? rc->ops : pki_etcd_ops_default();
	s->oarg = rc->ops_arg;
	s->nt = nt;
	s->self = -1;
	return s;
}

/* Connects with the member's own certificate, key and trust bundle. */
static int
session_connect(struct pki_roll *s, const char *dir)
{
	struct pki_error	 err;
	struct stat		 st;
	char			*cert = NULL, *key = NULL, *ca = NULL;
	int			 r, ret = -1;

	memset(&err, 0, sizeof(err));
	cert = set_file(s, ".pem");
	key = set_file(s, "-key.pem");
	ca = pki_path_join(s->setdir, PKI_CLDIR_BUNDLE);
	/* Without a bundle of its own, the member trusts DIR/ca.pem. */
	if (ca != NULL && stat(ca, &st) == -1) {
		free(ca);
		ca = pki_path_join(dir, PKI_CLDIR_CA);
	}
	if (cert == NULL || key == NULL || ca == NULL) {
		pki_note(s->nt, PKI_NOTE_ERROR, NULL, "out of memory");
		goto out;
	}
	if ((r = session_open(s, s->eps, s->neps, ca, cert, key, &s->c,
	    &err)) != PKI_OK) {
		pki_note_err(s->nt, NULL, &err, r);
		goto out;
	}
	s->ops->avoid(s->c, s->self);
	ret = 0;
 out:
	free(cert);
	free(key);
	free(ca);
	return ret;
}

/* Keeps the lease alive; 0, or -1 with s->why. */
static int
keepalive(struct pki_roll *s)
{
	struct pki_error	err;
	long			ttl = 0;

	memset(&err, 0, sizeof(err));
	if (s->ops->lease_keepalive(s->c, -1, s->lease, &ttl, &err) != 0) {
		why(s, "lease keepalive: %s", err.text);
		return -1;
	}
	if (ttl <= 0) {
		why(s, "the lease of the cluster lock expired: another member "
		    "may be restarting");
		return -1;
	}
	return 0;
}

/* Every member etcd lists is started and one of the description's. */
static int
members_known(struct pki_roll *s, const struct pki_etcd_member *m,
    size_t nm)
{
	size_t	i, j;

	for (i = 0; i < nm; i++) {
		if (m[i].name == NULL || m[i].name[0] == '\0') {
			why(s, "member %" PRIx64 " is not started yet",
			    m[i].id);
			return -1;
		}
		for (j = 0; j < s->neps; j++)
			if (strcmp(m[i].name, s->names[j]) == 0)
				break;
		if (j == s->neps) {
			why(s, "etcd lists member %s, which the cluster "
			    "description does not have: its health cannot be "
			    "checked", m[i].name);
			return -1;
		}
	}
	if (nm != s->neps) {
		why(s, "etcd lists %zu members, the description %zu", nm,
		    s->neps);
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
cluster_gates(struct pki_roll *s, int exclude)
{
	struct pki_error	 err;
	struct pki_etcd_member	*m = NULL;
	size_t			 nm = 0, i, nalarms = 0, healthy = 0;
	char			 desc[256];
	int			 h, ret = -1;

	memset(&err, 0, sizeof(err));
	if (s->ops->members(s->c, -1, &m, &nm, &err) != 0) {
		why(s, "member list: %s", err.text);
		goto out;
	}
	if (members_known(s, m, nm) != 0)
		goto out;
	for (i = 0; i < s->neps; i++) {
		h = 0;
		memset(&err, 0, sizeof(err));
		if (s->ops->health(s->c, (int)i, &h, &err) != 0 || !h) {
			why(s, "member %s is not healthy: %s", s->names[i],
			    etext(&err, "/health is false"));
			goto out;
		}
		healthy++;
	}
	if (exclude >= 0)
		healthy--;
	memset(&err, 0, sizeof(err));
	if (s->ops->alarms(s->c, -1, &nalarms, desc, sizeof(desc), &err) !=
	    0) {
		why(s, "alarm list: %s", err.text);
		goto out;
	}
	if (nalarms > 0) {
		why(s, "%zu alarm%s raised: %s", nalarms, nalarms == 1 ? "" :
		    "s", desc);
		goto out;
	}
	if (exclude >= 0 && healthy < s->neps / 2 + 1) {
		why(s, "with %s down only %zu of %zu members would be up, "
		    "below the quorum of %zu", s->names[exclude], healthy,
		    s->neps, s->neps / 2 + 1);
		goto out;
	}
	ret = 0;
 out:
	pki_etcd_members_free(m, nm);
	return ret;
}

/* The endpoint index of member id, or -1. */
static int
ep_of(struct pki_roll *s, uint64_t id, struct pki_etcd_status *st)
{
	struct pki_error	err;
	size_t			i;

	/* Member ids do not change: each endpoint's is asked for once. */
	for (i = 0; i < s->neps; i++)
		if (s->ids[i] == id) {
			memset(&err, 0, sizeof(err));
			return s->ops->status(s->c, (int)i, st, &err) == 0 ?
			    (int)i : -1;
		}
	for (i = 0; i < s->neps; i++) {
		if (s->ids[i] != 0)
			continue;
		memset(&err, 0, sizeof(err));
		if (s->ops->status(s->c, (int)i, st, &err) != 0)
			continue;
		s->ids[i] = st->member_id;
		if (st->member_id == id)
			return (int)i;
	}
	return -1;
}

/* The follower furthest ahead (index), or -1; *id receives its id. */
static int
best_follower(struct pki_roll *s, uint64_t *id)
{
	struct pki_etcd_status	 st;
	struct pki_error	 err;
	uint64_t		 bestidx = 0;
	size_t			 i;
	int			 besti = -1;

	for (i = 0; i < s->neps; i++) {
		if ((int)i == s->self)
			continue;
		memset(&err, 0, sizeof(err));
		if (s->ops->status(s->c, (int)i, &st, &err) != 0 ||
		    st.errors[0] != '\0')
			continue;
		if (besti < 0 || st.raft_index > bestidx) {
			besti = (int)i;
			*id = st.member_id;
			bestidx = st.raft_index;
		}
	}
	return besti;
}

/* When the member leads, hands leadership to the follower furthest
 * ahead. */
static int
move_leader(struct pki_roll *s)
{
	struct pki_etcd_status	 me, st;
	struct pki_error	 err;
	uint64_t		 best = 0;
	int64_t			 deadline;
	int			 besti;

	memset(&err, 0, sizeof(err));
	if (s->ops->status(s->c, s->self, &me, &err) != 0) {
		why(s, "status: %s", err.text);
		return -1;
	}
	if (me.leader != me.member_id)
		return 0;
	if ((besti = best_follower(s, &best)) < 0) {
		why(s, "it leads and no follower answers: leadership cannot "
		    "move");
		return -1;
	}
	say(s, "move-leader", "leads: moving leadership to %s",
	    s->names[besti]);
	memset(&err, 0, sizeof(err));
	if (s->ops->move_leader(s->c, s->self, best, &err) != 0) {
		why(s, "move-leader to %s: %s", s->names[besti], err.text);
		return -1;
	}
	deadline = now_ms(s) + MOVE_LEADER_MS;
	do {
		memset(&err, 0, sizeof(err));
		if (s->ops->status(s->c, besti, &st, &err) == 0 &&
		    st.leader != 0 && st.leader != me.member_id)
			return 0;
		nap(s, POLL_MS);
	} while (now_ms(s) < deadline);
	why(s, "leadership did not move to %s within %lds", s->names[besti],
	    MOVE_LEADER_MS / 1000);
	return -1;
}

/*
 * Releases the lock and revokes the lease.  The step "unlocked" is
 * recorded before the release, as "locked" is after the grant, so that
 * the hold -record shows lies inside the real one: two recorded holds
 * that overlap prove that two real ones did.
 */
static void
unlock(struct pki_roll *s)
{
	struct pki_error	err;

	if (s->held)
		say(s, "unlocked", "releasing the cluster lock");
	s->held = 0;
	memset(&err, 0, sizeof(err));
	if (s->lockkey != NULL && s->ops->unlock(s->c, -1, s->lockkey,
	    s->lockkeylen, &err) != 0)
		pki_note(s->nt, PKI_NOTE_ERROR, s->label, "releasing the "
		    "cluster lock: %s (it expires with its lease)", err.text);
	free(s->lockkey);
	s->lockkey = NULL;
	memset(&err, 0, sizeof(err));
	if (s->lease != 0 && s->ops->lease_revoke(s->c, -1, s->lease,
	    &err) != 0)
		pki_note(s->nt, PKI_NOTE_ERROR, s->label, "revoking lease %"
		    PRIx64 ": %s (it expires after %lds)", (uint64_t)s->lease,
		    err.text, s->rc->lock_ttl_s);
	s->lease = 0;
}

/* One /v3/lock/lock call; *t0 receives when it was asked. */
static int
lock_once(struct pki_roll *s, int64_t *t0, int *busy, char *holder,
    size_t holderlen, struct pki_error *err)
{
	memset(err, 0, sizeof(*err));
	*t0 = now_ms(s);
	return s->ops->lock(s->c, -1, PKI_ROLL_LOCK_NAME, s->lease,
	    LOCK_WAIT_MS, &s->lockkey, &s->lockkeylen, busy, holder,
	    holderlen, err);
}

/*
 * Takes the cluster-wide lock on a new lease: PKI_RUN_OK, PKI_RUN_BUSY
 * (another member holds it, or held it when asked) or PKI_RUN_REFUSED.
 */
static int
take_lock(struct pki_roll *s)
{
	struct pki_error	 err;
	char			 holder[256];
	int64_t			 t0;
	int			 r, busy = 0;

	memset(&err, 0, sizeof(err));
	if (s->ops->lease_grant(s->c, -1, s->rc->lock_ttl_s, &s->lease,
	    &err) != 0) {
		pki_note(s->nt, PKI_NOTE_ERROR, s->label, "not restarted: the "
		    "cluster cannot be reached through the other members: %s",
		    err.text);
		s->lease = 0;
		return PKI_RUN_REFUSED;
	}
	holder[0] = '\0';
	r = lock_once(s, &t0, &busy, holder, sizeof(holder), &err);
	if (r != 0 && now_ms(s) - t0 <= LOCK_FAST_MS) {
		/*
		 * An error at once: the member behind that endpoint may be
		 * the holder, going down for its restart.  Ask once more (the
		 * lock's key is per lease: the same waiter); its busy check
		 * then finds the holder through another member.
		 */
		nap(s, POLL_MS);
		r = lock_once(s, &t0, &busy, holder, sizeof(holder), &err);
	}
	if (r != 0) {
		/*
		 * Cut off while it waited: the endpoint it waited at is the
		 * member that held the lock, restarting.
		 */
		if (now_ms(s) - t0 > LOCK_FAST_MS) {
			say(s, "busy", "deferred: the cluster lock %s was held "
			    "when asked, and the wait for it was cut off (%s): "
			    "another member is restarting", PKI_ROLL_LOCK_NAME,
			    err.text);
			return PKI_RUN_BUSY;
		}
		pki_note(s->nt, PKI_NOTE_ERROR, s->label, "not restarted: "
		    "taking the cluster lock: %s", err.text);
		return PKI_RUN_REFUSED;
	}
	/*
	 * Granted only after a wait: another member held it when we asked
	 * and has just restarted.  Defer rather than restart right after
	 * it: the timer tries again later.
	 */
	if (!busy && now_ms(s) - t0 > LOCK_FAST_MS) {
		busy = 1;
		snprintf(holder, sizeof(holder), "held by another member when "
		    "asked, granted only after %.1fs",
		    (double)(now_ms(s) - t0) / 1000.0);
	}
	if (busy) {
		say(s, "busy", "deferred: the cluster lock %s is held (%s): "
		    "another member is restarting", PKI_ROLL_LOCK_NAME,
		    holder[0] != '\0' ? holder : "taken meanwhile");
		return PKI_RUN_BUSY;
	}
	say(s, "locked", "cluster lock %s taken (lease %" PRIx64 ", TTL %lds)",
	    PKI_ROLL_LOCK_NAME, (uint64_t)s->lease, s->rc->lock_ttl_s);
	s->held = 1;
	return PKI_RUN_OK;
}

/* A new session for member: its names, URLs and connection. */
static int
session_new(const struct pki_roll_conf *rc, const struct pki_cluster *cl,
    const char *dir, const char *member, const struct pki_notify *nt,
    struct pki_roll **out)
{
	struct pki_roll		*s;
	struct pki_cldir_leaf	*v = NULL;
	struct pki_error	 err;
	size_t			 n = 0, i;
	int			 ret = -1;

	memset(&err, 0, sizeof(err));
	if ((s = session_alloc(rc, nt, out)) == NULL)
		return -1;
	if (pki_cldir_leaves(cl, dir, NULL, &v, &n, &err) != PKI_OK) {
		pki_note_err(nt, NULL, &err, PKI_ERR_ALLOC);
		return -1;
	}
	for (i = 0; i < n && strcmp(v[i].name, member) != 0; i++)
		;
	if ((s->name = strdup(member)) == NULL || (s->label = strdup(i < n ?
	    v[i].label : member)) == NULL || (s->setdir = i < n ?
	    strdup(v[i].dir) : pki_path_join(dir, member)) == NULL)
		pki_note(nt, PKI_NOTE_ERROR, NULL, "out of memory");
	else if (session_urls(s, v, n) == 0 && session_connect(s, dir) == 0)
		ret = 0;
	pki_cldir_leaves_free(v, n);
	return ret;
}

/*
 * Node mode: the members are etcd's own list, asked through the node's
 * endpoints and TLS files; each is reached at its first client URL.
 */
static int
node_members(struct pki_roll *s, const struct pki_roll_node *node,
    struct pki_etcd_member **m, size_t *nm)
{
	struct pki_error	 err;
	void			*c = NULL;
	int			 r;

	memset(&err, 0, sizeof(err));
	if ((r = session_open(s, node->endpoints, node->nendpoints,
	    node->ca_file, node->cert_file, node->key_file, &c,
	    &err)) == PKI_OK)
		r = s->ops->members(c, -1, m, nm, &err);
	if (c != NULL)
		s->ops->close(c);
	if (r != PKI_OK)
		pki_note(s->nt, PKI_NOTE_ERROR, s->label, "member list through "
		    "%s: %s", node->endpoints[0], err.text);
	return r == PKI_OK ? 0 : -1;
}

/* The URLs of member m (index i) into the session; 0, or -1. */
static int
node_member(struct pki_roll *s, const struct pki_etcd_member *m, size_t i)
{
	struct pki_error	err;

	memset(&err, 0, sizeof(err));
	if (m->name == NULL || m->name[0] == '\0' || m->nclient_urls == 0 ||
	    m->npeer_urls == 0) {
		why(s, "member %" PRIx64 " is not started yet", m->id);
		pki_note(s->nt, PKI_NOTE_ERROR, s->label, "not restarted: %s",
		    s->why);
		return -1;
	}
	if ((s->eps[i] = strdup(m->client_urls[0])) == NULL ||
	    (s->names[i] = strdup(m->name)) == NULL) {
		pki_note(s->nt, PKI_NOTE_ERROR, NULL, "out of memory");
		return -1;
	}
	s->neps = i + 1;
	if (strcmp(m->name, s->name) != 0)
		return 0;
	s->self = (int)i;
	if (pki_url_parse(m->client_urls[0], PKI_URL_LAX, &s->cu, &err) != 0 ||
	    pki_url_parse(m->peer_urls[0], PKI_URL_LAX, &s->pu, &err) != 0) {
		pki_note(s->nt, PKI_NOTE_ERROR, s->label, "member %s: %s",
		    m->name, err.text);
		return -1;
	}
	return 0;
}

/* A new node-mode session (pki_roll_begin_node). */
static int
session_node(const struct pki_roll_conf *rc, const struct pki_roll_node *node,
    const char *setdir, const char *member, const struct pki_notify *nt,
    struct pki_roll **out)
{
	struct pki_roll		*s;
	struct pki_etcd_member	*m = NULL;
	struct pki_error	 err;
	size_t			 nm = 0, i;
	int			 r, ret = -1;

	memset(&err, 0, sizeof(err));
	if ((s = session_alloc(rc, nt, out)) == NULL)
		return -1;
	if ((s->name = strdup(member)) == NULL ||
	    (s->label = strdup(setdir)) == NULL ||
	    (s->setdir = strdup(setdir)) == NULL) {
		pki_note(nt, PKI_NOTE_ERROR, NULL, "out of memory");
		return -1;
	}
	if (node_members(s, node, &m, &nm) != 0)
		return -1;
	if ((s->eps = calloc(nm + 1, sizeof(*s->eps))) == NULL ||
	    (s->names = calloc(nm + 1, sizeof(*s->names))) == NULL ||
	    (s->ids = calloc(nm + 1, sizeof(*s->ids))) == NULL) {
		pki_note(nt, PKI_NOTE_ERROR, NULL, "out of memory");
		goto out;
	}
	for (i = 0; i < nm; i++)
		if (node_member(s, &m[i], i) != 0)
			goto out;
	if (s->self < 0) {
		pki_note(nt, PKI_NOTE_ERROR, s->label, "not restarted: etcd "
		    "lists no member named %s (the certificate's CN)", member);
		goto out;
	}
	if ((r = session_open(s, s->eps, s->neps, node->ca_file,
	    node->cert_file, node->key_file, &s->c, &err)) != PKI_OK) {
		pki_note_err(nt, NULL, &err, r);
		goto out;
	}
	s->ops->avoid(s->c, s->self);
	ret = 0;
 out:
	pki_etcd_members_free(m, nm);
	return ret;
}

/* The lock and the gates of a new session s (both modes). */
static int
roll_start(struct pki_roll *s, const struct pki_notify *nt,
    struct pki_roll **out);

int
pki_roll_begin_node(const struct pki_roll_conf *rc,
    const struct pki_roll_node *node, const char *setdir, const char *member,
    const struct pki_notify *nt, struct pki_roll **out)
{
	struct pki_roll	*s = NULL;

	*out = NULL;
	if (session_node(rc, node, setdir, member, nt, &s) != 0) {
		session_free(s);
		return PKI_RUN_FAILED;
	}
	return roll_start(s, nt, out);
}

int
pki_roll_begin(const struct pki_roll_conf *rc, const struct pki_cluster *cl,
    const char *dir, const char *member, const struct pki_notify *nt,
    struct pki_roll **out)
{
	struct pki_roll	*s = NULL;

	*out = NULL;
	if (session_new(rc, cl, dir, member, nt, &s) != 0) {
		session_free(s);
		return PKI_RUN_FAILED;
	}
	return roll_start(s, nt, out);
}

static int
roll_start(struct pki_roll *s, const struct pki_notify *nt,
    struct pki_roll **out)
{
	int	ret = PKI_RUN_FAILED;

	if ((ret = take_lock(s)) != PKI_RUN_OK)
		goto out;
	if (cluster_gates(s, s->self) != 0 || move_leader(s) != 0) {
		say(s, "gate-failed", "not restarted, nothing changed: %s",
		    s->why);
		pki_note(nt, PKI_NOTE_ERROR, s->label, "not restarted, nothing "
		    "changed: %s", s->why);
		ret = PKI_RUN_REFUSED;
		goto out;
	}
	say(s, "gates-ok", "every member healthy, no alarm, quorum kept "
	    "without it");
	*out = s;
	s = NULL;
	ret = PKI_RUN_OK;
 out:
	if (s != NULL) {
		if (s->c != NULL)
			unlock(s);
		session_free(s);
	}
	return ret;
}

/* ---- after the restart ---------------------------------------------- */

/* The served certificate's serial on host:port equals want. */
static int
serves(struct pki_roll *s, const char *what, const char *host,
    const char *port, const char *want)
{
	struct pki_error	 err;
	struct pki_cert_facts	 f;
	struct pki_cert		*c = NULL;
	int			 ret = -1;

	memset(&err, 0, sizeof(err));
	memset(&f, 0, sizeof(f));
	if (s->ops->peer_cert(s->oarg, host, port, PROBE_MS, &c, &err) != 0) {
		why(s, "%s port %s:%s: %s", what, host, port, err.text);
		goto out;
	}
	if (pki_cert_facts(c, &f, &err) != 0) {
		why(s, "%s port: %s", what, err.text);
		goto out;
	}
	if (strcmp(f.serial_hex, want) != 0) {
		why(s, "the %s port %s:%s serves serial %s, not the new %s",
		    what, host, port, f.serial_hex, want);
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
trusts(struct pki_roll *s, const struct pki_cert *ca,
    const struct pki_key *cakey, int want)
{
	struct pki_error	 err;
	struct pki_cert		*pc = NULL, *served = NULL;
	struct pki_key		*pk = NULL;
	const char		*host[2] = { s->cu.host, s->pu.host };
	const char		*port[2] = { s->cu.port, s->pu.port };
	const char		*what[2] = { "client", "peer" };
	int			 i, acc, ret = -1;

	memset(&err, 0, sizeof(err));
	if (pki_probe_cert_new(ca, cakey, &pc, &pk, &err) != PKI_OK) {
		pki_note_err(s->nt, NULL, &err, PKI_ERR_CRYPTO);
		why(s, "no probe certificate");
		return -1;
	}
	for (i = 0; i < 2; i++) {
		memset(&err, 0, sizeof(err));
		acc = -1;
		if (s->ops->tls_probe(s->oarg, host[i], port[i], pc, pk,
		    PROBE_MS, &served, &acc, &err) != 0) {
			why(s, "%s port %s:%s: %s", what[i], host[i], port[i],
			    err.text);
			goto out;
		}
		pki_cert_free(served);
		served = NULL;
		if (acc != want) {
			why(s, "the %s port %s a client certificate of the %s "
			    "CA", what[i], want ? "refuses" : "still accepts",
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

/* The member is healthy, has a leader and is within max_lag of it. */
static int
caught_up(struct pki_roll *s)
{
	struct pki_etcd_status	 me, ld;
	struct pki_error	 err;
	int			 h = 0, li;

	memset(&err, 0, sizeof(err));
	if (s->ops->health(s->c, s->self, &h, &err) != 0 || !h) {
		why(s, "not healthy: %s", etext(&err, "/health is false"));
		return -1;
	}
	if (s->ops->status(s->c, s->self, &me, &err) != 0) {
		why(s, "status: %s", err.text);
		return -1;
	}
	if (me.errors[0] != '\0') {
		why(s, "status errors: %s", me.errors);
		return -1;
	}
	if (me.leader == 0) {
		why(s, "no leader");
		return -1;
	}
	if (me.leader == me.member_id)
		return 0;
	if ((li = ep_of(s, me.leader, &ld)) < 0) {
		why(s, "the leader %" PRIx64 " does not answer", me.leader);
		return -1;
	}
	if (ld.raft_index > me.raft_index && ld.raft_index - me.raft_index >
	    s->rc->max_lag) {
		why(s, "%" PRIu64 " raft entries behind the leader %s "
		    "(-max-lag %" PRIu64 ")", ld.raft_index - me.raft_index,
		    s->names[li], s->rc->max_lag);
		return -1;
	}
	return 0;
}

/* One round of the gates after the restart; 0, or -1 with s->why. */
static int
after_gates(struct pki_roll *s, const struct pki_roll_expect *want)
{
	if (caught_up(s) != 0 || cluster_gates(s, -1) != 0)
		return -1;
	if (want->serial_hex != NULL && (serves(s, "client", s->cu.host,
	    s->cu.port, want->serial_hex) != 0 || serves(s, "peer",
	    s->pu.host, s->pu.port, want->serial_hex) != 0))
		return -1;
	if (want->trust_ca != NULL && trusts(s, want->trust_ca,
	    want->trust_key, 1) != 0)
		return -1;
	if (want->distrust_ca != NULL && trusts(s, want->distrust_ca,
	    want->distrust_key, 0) != 0)
		return -1;
	return 0;
}

/* Waits up to gate_timeout_ms for after_gates(); 0 or -1 (s->why). */
static int
wait_gates(struct pki_roll *s, const struct pki_roll_expect *want,
    int64_t started)
{
	int64_t	deadline = started + s->rc->gate_timeout_ms;

	for (;;) {
		if (keepalive(s) != 0)
			return -1;
		if (after_gates(s, want) == 0) {
			say(s, "up", "healthy, caught up and serving what "
			    "it should %.1fs after the restart began",
			    (double)(now_ms(s) - started) / 1000.0);
			return 0;
		}
		if (now_ms(s) >= deadline)
			break;
		nap(s, POLL_MS);
	}
	return -1;
}

/* Runs command which; 0 when it exited 0, else s->why is set. */
static int
run(struct pki_roll *s, int which, int tmo)
{
	static const char *const flags[] = { "-restart-cmd", "-stop-cmd",
	    "-start-cmd" };
	int	st;

	if ((st = s->rc->run(s->rc->run_arg, which, s->name, tmo)) == 0)
		return 0;
	if (st > 0)
		pki_note(s->nt, PKI_NOTE_ERROR, s->label, "%s exited with "
		    "status %d", flags[which], st);
	why(s, "%s failed", flags[which]);
	return -1;
}

/*
 * The restart (or stop, switch, start).  Returns 0; 1 when nothing
 * changed (the stop or the switch failed; a stopped member is started
 * again on what it had); -1 when the restart or start failed after the
 * switch.
 */
static int
restart(struct pki_roll *s, struct pki_set *set, const char *gen)
{
	struct pki_error	 err;
	const struct pki_roll_conf *rc = s->rc;
	int			 tmo, stop = rc->stop_text != NULL;

	memset(&err, 0, sizeof(err));
	tmo = (int)(rc->gate_timeout_ms / 1000) + 1;
	if (stop) {
		say(s, "stop", "stopping: %s", rc->stop_text);
		if (run(s, PKI_ROLL_STOP, tmo) != 0)
			return 1;
	}
	if (gen != NULL && pki_set_activate(set, gen, 0, &err) != 0) {
		pki_note(s->nt, PKI_NOTE_ERROR, s->label, "%s", err.text);
		why(s, "the switch failed: %s", err.text);
		if (stop)
			(void)rc->run(rc->run_arg, PKI_ROLL_START, s->name,
			    tmo);
		return 1;
	}
	if (gen != NULL)
		say(s, "switch", "current -> %s", gen);
	say(s, stop ? "start" : "restart", "%s: %s", stop ? "starting" :
	    "restarting", stop ? rc->start_text : rc->restart_text);
	return run(s, stop ? PKI_ROLL_START : PKI_ROLL_RESTART, tmo) != 0 ?
	    -1 : 0;
}

int
pki_roll_switch(struct pki_roll *s, struct pki_set *set, const char *gen,
    const struct pki_roll_expect *want, const struct pki_roll_expect *old)
{
	char		*prev = NULL;
	const char	*cur;
	int64_t		 started;
	int		 r, ret = PKI_RUN_ROLLBACK_FAILED;

	if (keepalive(s) != 0) {
		pki_note(s->nt, PKI_NOTE_ERROR, s->label, "not restarted: %s",
		    s->why);
		return PKI_RUN_FAILED;
	}
	if ((cur = pki_set_current(set)) != NULL && (prev = strdup(cur)) ==
	    NULL) {
		pki_note(s->nt, PKI_NOTE_ERROR, NULL, "out of memory");
		return PKI_RUN_FAILED;
	}
	s->why[0] = '\0';
	started = now_ms(s);
	if ((r = restart(s, set, gen)) == 1) {
		ret = PKI_RUN_FAILED;
		goto out;
	}
	if (r == 0 && wait_gates(s, want, started) == 0) {
		ret = PKI_RUN_OK;
		goto out;
	}
	say(s, "gate-failed", "the gates after the restart failed within "
	    "%lds: %s", s->rc->gate_timeout_ms / 1000, s->why);
	pki_note(s->nt, PKI_NOTE_ERROR, s->label, "the gates after the restart "
	    "failed: %s", s->why);
	if (gen == NULL || prev == NULL) {
		pki_note(s->nt, PKI_NOTE_ERROR, s->label, "no previous "
		    "generation to roll back to: the member may be down");
		goto out;
	}
	s->why[0] = '\0';
	say(s, "rollback", "rolling back to %s", prev);
	started = now_ms(s);
	if (restart(s, set, prev) == 0 && wait_gates(s, old, started) == 0) {
		say(s, "rolled-back", "rolled back: %s is current again, and "
		    "the member serves it", prev);
		ret = PKI_RUN_ROLLED_BACK;
		goto out;
	}
	say(s, "rollback-failed", "the rollback failed too: %s", s->why);
	pki_note(s->nt, PKI_NOTE_ERROR, s->label, "the rollback failed too: "
	    "%s: the member may be down", s->why);
 out:
	free(prev);
	return ret;
}

int
pki_roll_end(struct pki_roll *s)
{
	int64_t	end;
	int	ret = 0;

	if (s == NULL)
		return 0;
	if (s->rc->settle_ms > 0) {
		end = now_ms(s) + s->rc->settle_ms;
		while (now_ms(s) < end) {
			nap(s, end - now_ms(s) > 5000 ? 5000 :
			    (long)(end - now_ms(s)));
			if (keepalive(s) != 0)
				break;
		}
	}
	if (s->lockkey == NULL)
		ret = -1;
	unlock(s);
	session_free(s);
	return ret;
}
