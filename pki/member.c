/*
 * member.c: membership changes, member add and member remove
 * (etcd-pki(1); etcd-pki-cluster(5), "Adding a member" and "Removing a
 * member").  The description, the certificates, the CRL and etcd's
 * membership change together, in an order that never leaves etcd with a
 * member whose certificates do not exist yet.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "internal.h"
#include "cluster.h"
#include "engine.h"

#define DESC_MAX	(16L * 1024 * 1024)
#define GATE_MS		(120 * 1000L)
#define POLL_MS		1000L
#define REQUEST_MS	5000L

/* One membership change. */
struct mb {
	const struct pki_member_opts	*o;
	const struct pki_etcd_ops	*ops;
	const struct pki_notify		*nt;
	char				*text;	/* the description as read */
	size_t				 len;
	mode_t				 mode;	/* its file's permissions */
	struct pki_cluster		*cl;	/* parsed */
	struct pki_cluster		*ncl;	/* as changed */
	char				**eps;	/* member i's client URL; the
						   added member's last */
	size_t				 neps;
	void				*c;	/* etcd, through eps */
	struct pki_etcd_member		*m;	/* etcd's list */
	size_t				 nm;
	const char			*what;	/* "added member", ... */
	/* add: o's comma-separated lists split. */
	char				**hosts, **purls, **curls;
	size_t				 nhosts, npurls, ncurls;
};

static long
gate_ms(const struct mb *b)
{
	return b->o->gate_timeout_ms > 0 ? b->o->gate_timeout_ms : GATE_MS;
}

/* Closes the connection to etcd. */
static void
mb_disconnect(struct mb *b)
{
	size_t	i;

	if (b->c != NULL)
		b->ops->close(b->c);
	b->c = NULL;
	for (i = 0; i < b->neps; i++)
		free(b->eps[i]);
	free(b->eps);
	b->eps = NULL;
	b->neps = 0;
}

static void
mb_free(struct mb *b)
{
	mb_disconnect(b);
	pki_etcd_members_free(b->m, b->nm);
	pki_strv_free(b->hosts, b->nhosts);
	pki_strv_free(b->purls, b->npurls);
	pki_strv_free(b->curls, b->ncurls);
	pki_cluster_free(b->cl);
	pki_cluster_free(b->ncl);
	free(b->text);
}

static void
mb_init(struct mb *b, const struct pki_member_opts *o, const char *what)
{
	memset(b, 0, sizeof(*b));
	b->o = o;
	b->nt = &o->nt;
	b->what = what;
	b->ops = o->ops != NULL ? o->ops : pki_etcd_ops_default();
}

/* Reads and parses the description. */
static int
mb_load(struct mb *b)
{
	struct pki_error	err;
	struct stat		st;

	memset(&err, 0, sizeof(err));
	if (pki_input_read(b->o->desc, 0, DESC_MAX, &b->text, &b->len,
	    &err) != PKI_OK ||
	    pki_cluster_parse(b->text, b->len, b->o->desc, b->o->po, &b->cl,
	    &err) != PKI_OK) {
		pki_note_err(b->nt, NULL, &err, PKI_ERR_INPUT);
		return -1;
	}
	b->mode = stat(b->o->desc, &st) == 0 ? (st.st_mode & 0777) : 0644;
	return 0;
}

/* The index of member name in cl, or -1. */
static int
member_index(const struct pki_cluster *cl, const char *name)
{
	size_t	i;

	for (i = 0; i < cl->nmembers; i++)
		if (strcmp(cl->members[i].name, name) == 0)
			return (int)i;
	return -1;
}

/*
 * Connects to etcd through every member's first client URL (and extra,
 * the added member's, last), as member `as` with its certificate, key
 * and trust bundle; calls through "any endpoint" skip `avoid` (an index
 * of eps, or -1).
 */
static int
mb_connect(struct mb *b, size_t as, const char *extra, int avoid)
{
	const char		*name = b->cl->members[as].name;
	struct pki_etcd_conf	 conf;
	struct pki_error	 err;
	struct stat		 st;
	char			*set = NULL, *cert = NULL, *key = NULL;
	char			*ca = NULL;
	size_t			 i;
	int			 ret = -1;

	memset(&err, 0, sizeof(err));
	if ((b->eps = calloc(b->cl->nmembers + 1, sizeof(*b->eps))) == NULL)
		goto oom;
	for (i = 0; i < b->cl->nmembers; i++)
		if ((b->eps[b->neps++] = strdup(b->cl->members[i].client_urls.v[0]))
		    == NULL)
			goto oom;
	if (extra != NULL && (b->eps[b->neps++] = strdup(extra)) == NULL)
		goto oom;
	if ((set = pki_path_join(b->o->dir, name)) == NULL ||
	    asprintf(&cert, "%s/%s.pem", set, name) == -1 ||
	    asprintf(&key, "%s/%s-key.pem", set, name) == -1 ||
	    (ca = pki_path_join(set, PKI_CLDIR_BUNDLE)) == NULL)
		goto oom;
	if (stat(ca, &st) == -1) {
		free(ca);
		if ((ca = pki_path_join(b->o->dir, PKI_CLDIR_CA)) == NULL)
			goto oom;
	}
	memset(&conf, 0, sizeof(conf));
	conf.endpoints = (const char *const *)b->eps;
	conf.nendpoints = b->neps;
	conf.ca_file = ca;
	conf.cert_file = cert;
	conf.key_file = key;
	conf.timeout_ms = REQUEST_MS;
	if (b->ops->open(b->o->ops_arg, &conf, &b->c, &err) != PKI_OK) {
		pki_note_err(b->nt, NULL, &err, PKI_ERR_IO);
		goto out;
	}
	if (avoid >= 0)
		b->ops->avoid(b->c, avoid);
	ret = 0;
	goto out;
 oom:
	pki_note(b->nt, PKI_NOTE_ERROR, NULL, "out of memory");
 out:
	free(set);
	free(cert);
	free(key);
	free(ca);
	return ret;
}

/* etcd's member list into b->m. */
static int
mb_list(struct mb *b)
{
	struct pki_error	err;

	memset(&err, 0, sizeof(err));
	pki_etcd_members_free(b->m, b->nm);
	b->m = NULL;
	b->nm = 0;
	if (b->ops->members(b->c, -1, &b->m, &b->nm, &err) != PKI_OK) {
		pki_note_err(b->nt, NULL, &err, PKI_ERR_IO);
		return -1;
	}
	return 0;
}

/* The member of etcd's list with one of peer URLs urls, or NULL. */
static const struct pki_etcd_member *
etcd_by_urls(const struct mb *b, const struct pki_strv *urls)
{
	size_t	i, j, k;

	for (i = 0; i < b->nm; i++)
		for (j = 0; j < b->m[i].npeer_urls; j++)
			for (k = 0; k < urls->n; k++)
				if (strcmp(b->m[i].peer_urls[j],
				    urls->v[k]) == 0)
					return &b->m[i];
	return NULL;
}

/* The etcd member of description member i, or NULL. */
static const struct pki_etcd_member *
etcd_member(const struct mb *b, size_t i)
{
	return etcd_by_urls(b, &b->cl->members[i].peer_urls);
}

/*
 * Whether etcd's members and the description's are the same (by peer
 * URL), every one started; skip (-1: none) may be missing from etcd.
 */
static int
same_members(const struct mb *b, int skip)
{
	const struct pki_etcd_member	*e;
	size_t				 i, known = 0;

	for (i = 0; i < b->cl->nmembers; i++) {
		if ((e = etcd_member(b, i)) == NULL) {
			if ((int)i == skip)
				continue;
			pki_note(b->nt, PKI_NOTE_ERROR, b->cl->members[i].name,
			    "etcd has no member with its peer URL %s: the "
			    "description and the cluster differ",
			    b->cl->members[i].peer_urls.v[0]);
			return -1;
		}
		known++;
		if (e->name[0] == '\0') {
			pki_note(b->nt, PKI_NOTE_ERROR, b->cl->members[i].name,
			    "added to etcd but not started: start it (or "
			    "remove it) first");
			return -1;
		}
	}
	if (known != b->nm) {
		pki_note(b->nt, PKI_NOTE_ERROR, NULL, "etcd lists %zu members, "
		    "%zu of them in %s: the description and the cluster "
		    "differ", b->nm, known, b->o->desc);
		return -1;
	}
	return 0;
}

/* Whether endpoint i answers healthy. */
static int
healthy(struct mb *b, size_t i)
{
	struct pki_error	err;
	int			h = 0;

	memset(&err, 0, sizeof(err));
	return b->ops->health(b->c, (int)i, &h, &err) == PKI_OK && h;
}

/* Waits up to the gate timeout for endpoint i to be healthy. */
static int
wait_healthy(struct mb *b, size_t i)
{
	int64_t	end = b->ops->now_ms(b->o->ops_arg) + gate_ms(b);

	while (!healthy(b, i)) {
		if (b->ops->now_ms(b->o->ops_arg) >= end)
			return -1;
		b->ops->sleep_ms(b->o->ops_arg, POLL_MS);
	}
	return 0;
}

/* Writes text as the description, atomically, with its mode. */
static int
write_desc(struct mb *b, const char *text)
{
	struct pki_file		f;
	struct pki_error	err;

	memset(&err, 0, sizeof(err));
	f.path = b->o->desc;
	f.data = text;
	f.len = strlen(text);
	f.mode = b->mode;
	if (pki_file_write_set(&f, 1, &err) != PKI_OK) {
		pki_note_err(b->nt, NULL, &err, PKI_ERR_IO);
		return -1;
	}
	return 0;
}

/* Parses text, the changed description, into b->ncl and writes it. */
static int
desc_change(struct mb *b, json_t *doc)
{
	struct pki_error	 err;
	char			*dump, *text = NULL;
	int			 ret = -1;

	memset(&err, 0, sizeof(err));
	/* A newline at the end, as cluster init writes it. */
	if ((dump = json_dumps(doc, JSON_INDENT(4) | JSON_PRESERVE_ORDER))
	    == NULL || asprintf(&text, "%s\n", dump) == -1) {
		free(dump);
		pki_note(b->nt, PKI_NOTE_ERROR, NULL, "out of memory");
		return -1;
	}
	free(dump);
	if (pki_cluster_parse(text, strlen(text), b->o->desc, b->o->po,
	    &b->ncl, &err) != PKI_OK) {
		pki_note_err(b->nt, b->o->name, &err, PKI_ERR_INPUT);
		goto out;
	}
	if (write_desc(b, text) != 0)
		goto out;
	pki_note(b->nt, PKI_NOTE_OUT, NULL, "%s: %s %s", b->o->desc,
	    b->what, b->o->name);
	ret = 0;
 out:
	free(text);
	return ret;
}

/* Reports a file cluster issue wrote. */
static void
issue_event(void *arg, const struct pki_issue_event *ev)
{
	const struct mb	*b = arg;
	char		 line[1024];

	if (ev->what == PKI_ISSUE_KEPT)
		return;
	pki_issue_event_text(ev, line, sizeof(line));
	pki_note(b->nt, PKI_NOTE_INFO, NULL, "%s", line);
}

/*
 * Runs cluster issue on b->ncl for what is missing or changed (a new
 * leaf's set, the fragments).  0 or -1 (noted).
 */
static int
issue_all(struct mb *b)
{
	struct pki_issue_opts	io;
	struct pki_error	err;
	int			r;

	memset(&io, 0, sizeof(io));
	memset(&err, 0, sizeof(err));
	io.no_sync = b->o->no_sync;
	io.event = issue_event;
	io.event_arg = b;
	io.policy = b->o->po;
	if ((r = pki_cluster_issue(b->ncl, b->o->dir, &io, &err)) != PKI_OK) {
		pki_note_err(b->nt, NULL, &err, r);
		return -1;
	}
	return 0;
}

/*
 * Renews every member of b->ncl but skip (same key, the new SANs: etcd
 * reads a leaf certificate on each handshake, so no restart), then
 * issue_all().  0 or -1 (noted).
 */
static int
reissue(struct mb *b, const char *skip)
{
	struct pki_renew_opts	ro;
	struct pki_targets	*ts = NULL;
	struct pki_error	 err;
	size_t			 i;
	int			 r;

	for (i = 0; i < b->ncl->nmembers; i++) {
		const char *name = b->ncl->members[i].name;

		if (skip != NULL && strcmp(name, skip) == 0)
			continue;
		memset(&err, 0, sizeof(err));
		memset(&ro, 0, sizeof(ro));
		pki_renew_policy_default(&ro.policy);
		ro.now = time(NULL);
		ro.force = ro.allow_san_change = 1;
		ro.no_sync = b->o->no_sync;
		ro.layout = -1;
		ro.keep = 3;
		ro.sign_policy = b->o->po;
		ro.nt = *b->nt;
		if ((r = pki_targets_new(&ts, &err)) != PKI_OK ||
		    (r = pki_targets_add_cluster(ts, b->ncl, b->o->desc,
		    b->o->dir, name, 1, b->nt, &err)) != PKI_OK ||
		    (r = pki_targets_lock(ts, &err)) != PKI_OK) {
			pki_note_err(b->nt, name, &err, r);
			pki_targets_free(ts);
			return -1;
		}
		r = pki_renew_run(ts, &ro);
		pki_targets_free(ts);
		ts = NULL;
		if (r != PKI_RUN_OK && r != PKI_RUN_CHANGED)
			return -1;
	}
	return issue_all(b);
}

/* ---- member add --------------------------------------------------------- */

/* Whether url is one of a member's of cl (its peer or client URLs). */
static const char *
url_owner(const struct pki_cluster *cl, const char *url)
{
	size_t	i, j;

	for (i = 0; i < cl->nmembers; i++) {
		for (j = 0; j < cl->members[i].peer_urls.n; j++)
			if (strcmp(cl->members[i].peer_urls.v[j], url) == 0)
				return cl->members[i].name;
		for (j = 0; j < cl->members[i].client_urls.n; j++)
			if (strcmp(cl->members[i].client_urls.v[j], url) == 0)
				return cl->members[i].name;
	}
	return NULL;
}

/* Splits o's lists; refuses a name or URL the description has already. */
static int
add_clash(struct mb *b)
{
	const struct pki_member_opts	*o = b->o;
	struct pki_error		 err;
	const char			*who;
	size_t				 i;

	memset(&err, 0, sizeof(err));
	if (pki_hosts_split(o->hosts != NULL ? o->hosts : "", &b->hosts,
	    &b->nhosts, &err) != PKI_OK ||
	    pki_hosts_split(o->peer_urls != NULL ? o->peer_urls : "",
	    &b->purls, &b->npurls, &err) != PKI_OK ||
	    pki_hosts_split(o->client_urls != NULL ? o->client_urls : "",
	    &b->curls, &b->ncurls, &err) != PKI_OK) {
		pki_note_err(b->nt, o->name, &err, PKI_ERR_ALLOC);
		return -1;
	}

	if (member_index(b->cl, o->name) >= 0) {
		pki_note(b->nt, PKI_NOTE_ERROR, o->name, "%s has a member of "
		    "that name already", o->desc);
		return -1;
	}
	if (strcmp(o->name, "removed") == 0) {
		pki_note(b->nt, PKI_NOTE_ERROR, o->name, "reserved for the "
		    "files of removed members and clients (DIR/removed)");
		return -1;
	}
	for (i = 0; i < b->cl->nleaves; i++)
		if (strcmp(b->cl->leaves[i].name, o->name) == 0) {
			pki_note(b->nt, PKI_NOTE_ERROR, o->name, "%s has a "
			    "client of that name", o->desc);
			return -1;
		}
	for (i = 0; i < b->npurls + b->ncurls; i++) {
		const char *u = i < b->npurls ? b->purls[i] :
		    b->curls[i - b->npurls];

		if ((who = url_owner(b->cl, u)) != NULL) {
			pki_note(b->nt, PKI_NOTE_ERROR, o->name, "%s is "
			    "member %s's URL already", u, who);
			return -1;
		}
	}
	return 0;
}

/* Appends the strings v (n) to a new array under key of obj. */
static int
put_strv(json_t *obj, const char *key, const char *const *v, size_t n)
{
	json_t	*a;
	size_t	 i;

	if (n == 0)
		return 0;
	if ((a = json_array()) == NULL || json_object_set_new(obj, key, a) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (json_array_append_new(a, json_string(v[i])) != 0)
			return -1;
	return 0;
}

/* The description with the new member, parsed into b->ncl and written. */
static int
add_to_desc(struct mb *b)
{
	const struct pki_member_opts	*o = b->o;
	struct pki_strv			 ips = { NULL, 0 }, dns = { NULL, 0 };
	json_error_t			 je;
	json_t				*doc = NULL, *m = NULL;
	unsigned char			 ip[16];
	size_t				 i, iplen;
	int				 ret = -1;

	for (i = 0; i < b->nhosts; i++)
		if (pki_strv_push(pki_cl_ip_parse(b->hosts[i], ip, &iplen) == 1 ?
		    &ips : &dns, b->hosts[i]) != 0)
			goto oom;
	if ((doc = json_loadb(b->text, b->len, JSON_REJECT_DUPLICATES, &je))
	    == NULL || !json_is_array(json_object_get(doc, "members"))) {
		pki_note(b->nt, PKI_NOTE_ERROR, NULL, "%s: no members array",
		    o->desc);
		goto out;
	}
	if ((m = json_object()) == NULL ||
	    json_object_set_new(m, "name", json_string(o->name)) != 0 ||
	    put_strv(m, "ips", (const char *const *)ips.v, ips.n) != 0 ||
	    put_strv(m, "dns", (const char *const *)dns.v, dns.n) != 0 ||
	    put_strv(m, "peer_urls", (const char *const *)b->purls,
	    b->npurls) != 0 ||
	    put_strv(m, "client_urls", (const char *const *)b->curls,
	    b->ncurls) != 0 ||
	    (o->data_dir != NULL && json_object_set_new(m, "data_dir",
	    json_string(o->data_dir)) != 0) ||
	    json_object_set_new(m, "initial_cluster_state",
	    json_string("existing")) != 0 ||
	    json_array_append(json_object_get(doc, "members"), m) != 0)
		goto oom;
	ret = desc_change(b, doc);
	goto out;
 oom:
	pki_note(b->nt, PKI_NOTE_ERROR, NULL, "out of memory");
 out:
	json_decref(m);
	json_decref(doc);
	pki_strv_clear(&ips);
	pki_strv_clear(&dns);
	return ret;
}

/* Every member healthy, etcd's list the description's, a learner slot. */
static int
add_gates(struct mb *b)
{
	size_t	i;

	if (mb_list(b) != 0 || same_members(b, -1) != 0)
		return -1;
	for (i = 0; i < b->cl->nmembers; i++)
		if (!healthy(b, i)) {
			pki_note(b->nt, PKI_NOTE_ERROR, b->cl->members[i].name,
			    "not healthy: the cluster must be healthy to add "
			    "a member");
			return -1;
		}
	for (i = 0; b->o->learner && i < b->nm; i++)
		if (b->m[i].learner) {
			pki_note(b->nt, PKI_NOTE_ERROR, b->m[i].name, "is a "
			    "learner, and etcd 3.4 allows one: promote or "
			    "remove it first");
			return -1;
		}
	return 0;
}

/*
 * Promotes learner id, retrying while it catches up; a member already a
 * voter counts as promoted (a promote that timed out may have applied).
 */
static int
promote(struct mb *b, uint64_t id)
{
	struct pki_error	err;
	int64_t			end = b->ops->now_ms(b->o->ops_arg) +
				    gate_ms(b);
	size_t			i;

	for (;;) {
		memset(&err, 0, sizeof(err));
		if (b->ops->member_promote(b->c, -1, id, &err) == PKI_OK)
			return 0;
		if (strstr(err.text, "can only promote a learner") != NULL &&
		    strstr(err.text, "in sync") == NULL && mb_list(b) == 0)
			for (i = 0; i < b->nm; i++)
				if (b->m[i].id == id && !b->m[i].learner)
					return 0;
		if (b->ops->now_ms(b->o->ops_arg) >= end) {
			pki_note_err(b->nt, b->o->name, &err, PKI_ERR_IO);
			return -1;
		}
		pki_note(b->nt, PKI_NOTE_INFO, b->o->name, "promote: %s; "
		    "retrying", err.text);
		b->ops->sleep_ms(b->o->ops_arg, POLL_MS);
	}
}

/*
 * etcd's member add of nm (*id: its ID) or, nm NULL, member remove of
 * rid, retrying "unhealthy cluster" (etcd wants its peers connected for
 * 5 s) until the gate timeout.  0 or -1 (noted).
 */
static int
reconfigure(struct mb *b, const struct pki_cluster_member *nm, uint64_t rid,
    uint64_t *id)
{
	struct pki_error	err;
	int64_t			end = b->ops->now_ms(b->o->ops_arg) +
				    gate_ms(b);
	int			r;

	for (;;) {
		memset(&err, 0, sizeof(err));
		r = nm != NULL ? b->ops->member_add(b->c, -1,
		    (const char *const *)nm->peer_urls.v, nm->peer_urls.n,
		    b->o->learner, id, &err) :
		    b->ops->member_remove(b->c, -1, rid, &err);
		if (r == PKI_OK)
			return 0;
		if (strstr(err.text, "unhealthy cluster") == NULL ||
		    b->ops->now_ms(b->o->ops_arg) >= end) {
			pki_note_err(b->nt, b->o->name, &err, PKI_ERR_IO);
			return -1;
		}
		b->ops->sleep_ms(b->o->ops_arg, POLL_MS);
	}
}

/* With the start command: starts it, waits for health, promotes it. */
static int
add_start(struct mb *b, uint64_t id)
{
	const struct pki_member_opts	*o = b->o;
	int				 st;

	pki_note_step(b->nt, "start", o->name, o->name, "starting");
	if ((st = o->run(o->run_arg, PKI_ROLL_START, o->name,
	    (int)(gate_ms(b) / 1000))) != 0) {
		pki_note(b->nt, PKI_NOTE_ERROR, o->name, "the start command "
		    "failed (status %d)", st);
		return -1;
	}
	if (wait_healthy(b, b->neps - 1) != 0) {
		pki_note(b->nt, PKI_NOTE_ERROR, o->name, "not healthy within "
		    "%ld s of its start", gate_ms(b) / 1000);
		return -1;
	}
	pki_note_step(b->nt, "healthy", o->name, o->name, "healthy");
	if (o->learner) {
		if (promote(b, id) != 0)
			return -1;
		pki_note_step(b->nt, "promoted", o->name, o->name,
		    "promoted to a voting member");
	}
	return 0;
}

/* Without it: what the caller does next. */
static void
add_next(struct mb *b, uint64_t id)
{
	const struct pki_member_opts	*o = b->o;

	if (b->ncl->fragments)
		pki_note(b->nt, PKI_NOTE_OUT, o->name, "next: start etcd on %s "
		    "now, with an empty data directory, from %s/%s/"
		    "etcd.conf.yml (or etcd.env), which says "
		    "initial-cluster-state: existing", o->name, o->dir,
		    o->name);
	else
		pki_note(b->nt, PKI_NOTE_OUT, o->name, "next: start etcd on %s "
		    "now, with an empty data directory, its certificate from "
		    "%s/%s, initial-cluster-state existing and an "
		    "initial-cluster naming every member of %s", o->name,
		    o->dir, o->name, o->desc);
	if (o->learner)
		pki_note(b->nt, PKI_NOTE_OUT, o->name, "then, once it is "
		    "healthy: etcdctl member promote %" PRIx64 " (retry while "
		    "etcd says it is not in sync yet)", id);
}

int
pki_member_add(const struct pki_member_opts *o)
{
	struct mb		 b;
	const struct pki_cluster_member *nm;
	uint64_t		 id = 0;
	int			 ret = PKI_RUN_REFUSED;

	mb_init(&b, o, "added member");
	if (mb_load(&b) != 0 || add_clash(&b) != 0 ||
	    mb_connect(&b, 0, NULL, -1) != 0 || add_gates(&b) != 0)
		goto out;
	ret = PKI_RUN_FAILED;
	if (add_to_desc(&b) != 0) {
		ret = PKI_RUN_REFUSED;
		goto out;
	}
	if (reissue(&b, o->name) != 0) {
		/* Before etcd knows the member: the description goes back. */
		if (write_desc(&b, b.text) == 0)
			pki_note(b.nt, PKI_NOTE_OUT, NULL, "%s: put back as it "
			    "was", o->desc);
		goto out;
	}
	nm = &b.ncl->members[member_index(b.ncl, o->name)];
	/* The new member's endpoint, for its health: last, avoided. */
	mb_disconnect(&b);
	if (mb_connect(&b, 0, nm->client_urls.v[0], (int)b.cl->nmembers) != 0)
		goto out;
	if (reconfigure(&b, nm, 0, &id) != 0) {
		/* etcd did not add it: the description goes back. */
		if (mb_list(&b) == 0 && etcd_by_urls(&b, &nm->peer_urls) ==
		    NULL && write_desc(&b, b.text) == 0)
			pki_note(b.nt, PKI_NOTE_OUT, NULL, "%s: put back as it "
			    "was (the new member's files stay in %s)",
			    o->desc, o->dir);
		goto out;
	}
	pki_note_step(b.nt, "added", o->name, o->name, "added to etcd as a "
	    "%s, ID %" PRIx64, o->learner ? "learner" : "voting member", id);
	if (o->run == NULL)
		add_next(&b, id);
	else if (add_start(&b, id) != 0)
		goto out;
	ret = PKI_RUN_OK;
 out:
	mb_free(&b);
	return ret;
}

/* ---- member remove ------------------------------------------------------ */

/*
 * Refuses a removal that leaves no voter, or too few healthy voters for
 * the quorum of the voters left.
 */
static int
remove_gates(struct mb *b, int idx, const struct pki_etcd_member *t)
{
	const struct pki_etcd_member	*e;
	size_t				 i, voters = 0, up = 0;

	if (same_members(b, idx) != 0)
		return -1;
	for (i = 0; i < b->nm; i++)
		if (!b->m[i].learner && &b->m[i] != t)
			voters++;
	for (i = 0; i < b->cl->nmembers; i++) {
		if ((int)i == idx || (e = etcd_member(b, i)) == NULL ||
		    e->learner)
			continue;
		if (healthy(b, i))
			up++;
	}
	if (voters == 0) {
		pki_note(b->nt, PKI_NOTE_ERROR, b->o->name, "is the last "
		    "voting member: it cannot be removed");
		return -1;
	}
	if (up < voters / 2 + 1) {
		pki_note(b->nt, PKI_NOTE_ERROR, b->o->name, "removing it would "
		    "lose quorum: %zu voting members left, %zu of them "
		    "healthy, %zu needed", voters, up, voters / 2 + 1);
		return -1;
	}
	return 0;
}

/* Moves leadership away from t (at endpoint idx) if it leads. */
static int
remove_leader(struct mb *b, int idx, const struct pki_etcd_member *t)
{
	struct pki_etcd_status		 st;
	struct pki_error		 err;
	const struct pki_etcd_member	*e;
	size_t				 i;

	memset(&err, 0, sizeof(err));
	memset(&st, 0, sizeof(st));
	if (b->ops->status(b->c, -1, &st, &err) != PKI_OK) {
		pki_note_err(b->nt, NULL, &err, PKI_ERR_IO);
		return -1;
	}
	if (st.leader != t->id)
		return 0;
	for (i = 0; i < b->cl->nmembers; i++)
		if ((int)i != idx && (e = etcd_member(b, i)) != NULL &&
		    !e->learner && healthy(b, i))
			break;
	if (i == b->cl->nmembers || b->ops->move_leader(b->c, idx,
	    etcd_member(b, i)->id, &err) != PKI_OK) {
		pki_note_err(b->nt, b->o->name, &err, PKI_ERR_IO);
		return -1;
	}
	pki_note_step(b->nt, "leader", b->o->name, b->o->name, "leadership "
	    "moved to %s", b->cl->members[i].name);
	return 0;
}

/* Removes t through etcd. */
static int
remove_call(struct mb *b, const struct pki_etcd_member *t)
{
	if (reconfigure(b, NULL, t->id, NULL) != 0)
		return -1;
	pki_note_step(b->nt, "removed", b->o->name, b->o->name, "removed from "
	    "etcd (ID %" PRIx64 "): it stops itself; wipe its data "
	    "directory before any reuse", t->id);
	return 0;
}

/* The description without key[idx], parsed into b->ncl and written. */
static int
remove_from_desc(struct mb *b, const char *key, int idx)
{
	json_error_t	 je;
	json_t		*doc;
	int		 ret = -1;

	if ((doc = json_loadb(b->text, b->len, JSON_REJECT_DUPLICATES, &je))
	    == NULL || json_array_remove(json_object_get(doc, key),
	    (size_t)idx) != 0) {
		pki_note(b->nt, PKI_NOTE_ERROR, NULL, "%s: %s[%d]: cannot "
		    "remove", b->o->desc, key, idx);
		goto out;
	}
	ret = desc_change(b, doc);
 out:
	json_decref(doc);
	return ret;
}

/* nftw: deletes private keys (*-key.pem*, files and links to them). */
static int
drop_key(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	if ((type == FTW_F || type == FTW_SL || type == FTW_SLN) &&
	    strstr(path + f->base, "-key.pem") != NULL && unlink(path) == -1)
		return -1;
	return 0;
}

/* Moves DIR/sub to DIR/removed/NAME.<time>, its private keys deleted. */
static int
archive(struct mb *b, const char *sub)
{
	struct pki_error	 err;
	char			 stamp[32], *from = NULL, *top = NULL;
	char			*to = NULL;
	time_t			 now = time(NULL);
	struct tm		 tm;
	int			 ret = -1;

	memset(&err, 0, sizeof(err));
	(void)gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if ((from = pki_path_join(b->o->dir, sub)) == NULL ||
	    (top = pki_path_join(b->o->dir, "removed")) == NULL ||
	    asprintf(&to, "%s/%s.%s", top, b->o->name, stamp) == -1) {
		pki_note(b->nt, PKI_NOTE_ERROR, NULL, "out of memory");
		goto out;
	}
	if (access(from, F_OK) == -1) {
		ret = 0;
		goto out;
	}
	if (member_index(b->ncl, "removed") >= 0) {
		pki_note(b->nt, PKI_NOTE_ERROR, b->o->name, "%s: a member named "
		    "\"removed\" has that directory: %s stays", top, from);
		goto out;
	}
	if ((mkdir(top, 0700) == -1 && errno != EEXIST) ||
	    rename(from, to) == -1) {
		pki_note(b->nt, PKI_NOTE_ERROR, b->o->name, "%s: cannot move "
		    "to %s: %s", from, to, strerror(errno));
		goto out;
	}
	if (nftw(to, drop_key, 16, FTW_PHYS) != 0) {
		pki_note(b->nt, PKI_NOTE_ERROR, b->o->name, "%s: cannot delete "
		    "its private keys: %s", to, strerror(errno));
		goto out;
	}
	pki_note(b->nt, PKI_NOTE_OUT, b->o->name, "its files moved to %s, "
	    "private keys deleted", to);
	ret = 0;
 out:
	free(from);
	free(top);
	free(to);
	return ret;
}

/* Revokes the member's certificates and publishes the CRL. */
static int
remove_revoke(struct mb *b)
{
	struct pki_crl_opts	co;
	int			r;

	memset(&co, 0, sizeof(co));
	co.create = 1;
	co.no_sync = b->o->no_sync;
	co.nt = *b->nt;
	r = pki_cluster_revoke(b->ncl, b->o->dir, b->o->name,
	    PKI_REASON_CESSATION, &co);
	return r == PKI_RUN_CHANGED || r == PKI_RUN_OK ? 0 : -1;
}

int
pki_member_remove(const struct pki_member_opts *o)
{
	struct mb			 b;
	const struct pki_etcd_member	*t;
	int				 ret = PKI_RUN_REFUSED, idx;
	size_t				 as;

	mb_init(&b, o, "removed member");
	if (mb_load(&b) != 0)
		goto out;
	if ((idx = member_index(b.cl, o->name)) < 0) {
		pki_note(b.nt, PKI_NOTE_ERROR, o->name, "no such member in %s",
		    o->desc);
		goto out;
	}
	if (b.cl->nmembers == 1) {
		pki_note(b.nt, PKI_NOTE_ERROR, o->name, "is the last member: "
		    "it cannot be removed");
		goto out;
	}
	as = idx == 0 ? 1 : 0;
	if (mb_connect(&b, as, NULL, idx) != 0 || mb_list(&b) != 0)
		goto out;
	if ((t = etcd_member(&b, (size_t)idx)) == NULL)
		pki_note(b.nt, PKI_NOTE_OUT, o->name, "etcd does not list it: "
		    "taking it out of the PKI only");
	else if (remove_gates(&b, idx, t) != 0)
		goto out;
	ret = PKI_RUN_FAILED;
	if (t != NULL && (remove_leader(&b, idx, t) != 0 ||
	    remove_call(&b, t) != 0))
		goto out;
	if (remove_from_desc(&b, "members", idx) != 0 ||
	    remove_revoke(&b) != 0 || archive(&b, o->name) != 0 ||
	    reissue(&b, NULL) != 0)
		goto out;
	ret = PKI_RUN_OK;
 out:
	mb_free(&b);
	return ret;
}

/* ---- client add, client remove ------------------------------------------ */

/* The index of client name in the description's "clients", or -1. */
static int
client_index(const struct mb *b, json_t *doc)
{
	json_t	*e;
	size_t	 i;

	json_array_foreach(json_object_get(doc, "clients"), i, e)
		if (json_is_string(json_object_get(e, "name")) &&
		    strcmp(json_string_value(json_object_get(e, "name")),
		    b->o->name) == 0)
			return (int)i;
	return -1;
}

/* Loads the description as JSON too (*doc, a new reference). */
static int
client_load(struct mb *b, json_t **doc)
{
	json_error_t	je;

	*doc = NULL;
	if (mb_load(b) != 0)
		return -1;
	if ((*doc = json_loadb(b->text, b->len, JSON_REJECT_DUPLICATES, &je))
	    == NULL) {
		pki_note(b->nt, PKI_NOTE_ERROR, NULL, "%s: %s", b->o->desc,
		    je.text);
		return -1;
	}
	return 0;
}

int
pki_client_add(const struct pki_member_opts *o)
{
	struct mb	 b;
	json_t		*doc = NULL, *c = NULL, *arr;
	size_t		 i;
	int		 ret = PKI_RUN_REFUSED;

	mb_init(&b, o, "added client");
	if (client_load(&b, &doc) != 0)
		goto out;
	for (i = 0; i < b.cl->nleaves; i++)
		if (strcmp(b.cl->leaves[i].name, o->name) == 0) {
			pki_note(b.nt, PKI_NOTE_ERROR, o->name, "%s has a %s of "
			    "that name already", o->desc,
			    b.cl->leaves[i].member >= 0 ? "member" : "client");
			goto out;
		}
	ret = PKI_RUN_FAILED;
	if ((arr = json_object_get(doc, "clients")) == NULL &&
	    json_object_set_new(doc, "clients", arr = json_array()) != 0)
		goto oom;
	if ((c = json_object()) == NULL ||
	    json_object_set_new(c, "name", json_string(o->name)) != 0 ||
	    (o->cn != NULL && json_object_set_new(c, "CN",
	    json_string(o->cn)) != 0) || json_array_append(arr, c) != 0)
		goto oom;
	if (desc_change(&b, doc) != 0) {
		ret = PKI_RUN_REFUSED;
		goto out;
	}
	if (issue_all(&b) == 0)
		ret = PKI_RUN_OK;
	goto out;
 oom:
	pki_note(b.nt, PKI_NOTE_ERROR, NULL, "out of memory");
 out:
	json_decref(c);
	json_decref(doc);
	mb_free(&b);
	return ret;
}

int
pki_client_remove(const struct pki_member_opts *o)
{
	struct mb	 b;
	json_t		*doc = NULL;
	char		*sub = NULL;
	int		 ret = PKI_RUN_REFUSED, idx;

	mb_init(&b, o, "removed client");
	if (client_load(&b, &doc) != 0)
		goto out;
	if ((idx = client_index(&b, doc)) < 0) {
		pki_note(b.nt, PKI_NOTE_ERROR, o->name, "no such client in %s",
		    o->desc);
		goto out;
	}
	ret = PKI_RUN_FAILED;
	if (asprintf(&sub, "clients/%s", o->name) == -1) {
		sub = NULL;
		goto out;
	}
	if (remove_from_desc(&b, "clients", idx) == 0 &&
	    remove_revoke(&b) == 0 && archive(&b, sub) == 0 &&
	    issue_all(&b) == 0)
		ret = PKI_RUN_OK;
 out:
	free(sub);
	json_decref(doc);
	mb_free(&b);
	return ret;
}
