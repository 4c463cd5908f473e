/*
 * t-member.c: member add and member remove (pki/member.c) against a
 * scripted fake of struct pki_etcd_ops over a real cluster directory:
 * the refusals (name or URL clash, a member unhealthy or unknown to etcd,
 * a second learner, the last member, quorum), the retries (etcd's
 * "unhealthy cluster", a learner not in sync yet), the description put
 * back when etcd refuses the member, and what a change leaves on disk:
 * the description, initial-cluster-state, every certificate's SANs with
 * the keys kept, the removed member's files archived without keys.  The
 * clock is the fake's: no test sleeps.
 */
#include <sys/stat.h>

#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "../tap.h"
#include "fixture.h"

#define NMAX	6

/* The scripted cluster: member i has ID i + 1. */
struct fake {
	int64_t		 now;
	size_t		 n;		/* members in etcd's list */
	char		 peer[NMAX][64];
	const char	*names[NMAX];
	int		 learner[NMAX];
	int		 healthy[NMAX];	/* by endpoint index */
	uint64_t	 leader;
	int		 busy_adds;	/* "unhealthy cluster" answers left */
	int		 add_refuse;	/* add fails for good */
	int		 unsynced;	/* "not in sync" answers left */
	int		 added, promoted, removed, moved, started;
	int		 add_learner;
	uint64_t	 removed_id, moved_to;
	int		 moved_ep;
};

static struct fake	F;

static int
f_open(void *arg, const struct pki_etcd_conf *conf, void **h,
    struct pki_error *err)
{
	(void)arg;
	(void)conf;
	(void)err;
	*h = &F;
	return 0;
}

static void
f_close(void *h)
{
	(void)h;
}

static void
f_avoid(void *h, int ep)
{
	(void)h;
	(void)ep;
}

static int
f_health(void *h, int ep, int *healthy, struct pki_error *err)
{
	(void)h;
	(void)err;
	*healthy = ep >= 0 && ep < NMAX ? F.healthy[ep] : 0;
	return 0;
}

static int
f_status(void *h, int ep, struct pki_etcd_status *st, struct pki_error *err)
{
	(void)h;
	(void)ep;
	(void)err;
	memset(st, 0, sizeof(*st));
	st->leader = F.leader;
	return 0;
}

static int
f_members(void *h, int ep, struct pki_etcd_member **m, size_t *n,
    struct pki_error *err)
{
	size_t	i;

	(void)h;
	(void)ep;
	(void)err;
	*m = calloc(F.n + 1, sizeof(**m));
	for (i = 0; i < F.n; i++) {
		(*m)[i].id = i + 1;
		(*m)[i].name = strdup(F.names[i] != NULL ? F.names[i] : "");
		(*m)[i].peer_urls = calloc(2, sizeof(char *));
		(*m)[i].peer_urls[0] = strdup(F.peer[i]);
		(*m)[i].npeer_urls = 1;
		(*m)[i].learner = F.learner[i];
	}
	*n = F.n;
	return 0;
}

static int
f_move(void *h, int ep, uint64_t target, struct pki_error *err)
{
	(void)h;
	(void)err;
	F.moved++;
	F.moved_ep = ep;
	F.moved_to = target;
	F.leader = target;
	return 0;
}

static int64_t
f_now(void *arg)
{
	(void)arg;
	return F.now;
}

static void
f_sleep(void *arg, long ms)
{
	(void)arg;
	F.now += ms;
}

static int
f_add(void *h, int ep, const char *const *urls, size_t n, int learner,
    uint64_t *id, struct pki_error *err)
{
	(void)h;
	(void)ep;
	if (F.busy_adds > 0) {
		F.busy_adds--;
		return pki_err(err, PKI_ERR_IO, "https://x: HTTP 503: "
		    "etcdserver: unhealthy cluster");
	}
	if (F.add_refuse)
		return pki_err(err, PKI_ERR_IO, "https://x: HTTP 412: "
		    "etcdserver: Peer URLs already exists");
	F.added++;
	snprintf(F.peer[F.n], sizeof(F.peer[F.n]), "%s", n > 0 ? urls[0] : "");
	F.names[F.n] = NULL;
	F.learner[F.n] = learner;
	F.add_learner = learner;
	*id = ++F.n;
	return 0;
}

static int
f_remove(void *h, int ep, uint64_t id, struct pki_error *err)
{
	(void)h;
	(void)ep;
	(void)err;
	F.removed++;
	F.removed_id = id;
	return 0;
}

static int
f_promote(void *h, int ep, uint64_t id, struct pki_error *err)
{
	(void)h;
	(void)ep;
	if (F.unsynced > 0) {
		F.unsynced--;
		return pki_err(err, PKI_ERR_IO, "https://x: HTTP 412: "
		    "etcdserver: can only promote a learner member which is "
		    "in sync with leader");
	}
	F.promoted++;
	F.learner[id - 1] = 0;
	return 0;
}

static const struct pki_etcd_ops	fake_ops = {
	f_open, f_close, f_avoid, f_health, f_status, f_members, NULL,
	NULL, NULL, NULL, NULL, NULL, f_move, NULL, NULL, f_now, f_sleep,
	f_add, f_remove, f_promote
};

/* The start command: the new member (the last endpoint) comes up. */
static int
f_start(void *arg, int which, const char *member, int timeout_s)
{
	(void)arg;
	(void)timeout_s;
	if (which != PKI_ROLL_START)
		return -1;
	F.started++;
	F.names[F.n - 1] = strcmp(member, "m4") == 0 ? "m4" : "?";
	F.healthy[3] = 1;
	return 0;
}

static char	notes[32768];

static void
collect(void *arg, const struct pki_note *n)
{
	size_t	len = strlen(notes);

	(void)arg;
	snprintf(notes + len, sizeof(notes) - len, "%s|%s\n",
	    n->kind == PKI_NOTE_ERROR ? "ERROR" : n->event != NULL ? n->event :
	    "-", n->text);
}

static int
has(const char *what)
{
	return strstr(notes, what) != NULL;
}

#define MEMBER(n) "{\"name\": \"m" #n "\", \"ips\": [\"10.0.0." #n "\"]}"

static const char	*dir;
static char		*desc, *pkidir;
static struct pki_member_opts	mo;

/* A fresh directory with the PKI of members m1..mN, all healthy. */
static void
reset(int n)
{
	static int		 round;
	struct pki_issue_opts	 io;
	struct pki_cluster	*cl;
	struct pki_error	 err;
	char			 name[32], text[1024];
	int			 i;

	snprintf(name, sizeof(name), "r%d", ++round);
	dir = fx_dir(name);
	desc = strdup(fx_path(dir, "desc.json"));
	snprintf(text, sizeof(text), "{\"name\": \"t\", \"fragments\": true, "
	    "\"members\": [%s%s%s%s%s], \"clients\": [{\"name\": \"admin\"}]}\n",
	    MEMBER(1), n > 1 ? ", " MEMBER(2) : "", n > 2 ? ", " MEMBER(3) : "",
	    "", "");
	fx_put(desc, text, 0644);
	cl = fx_cluster(text);
	memset(&io, 0, sizeof(io));
	memset(&err, 0, sizeof(err));
	io.no_sync = 1;
	if (cl == NULL || pki_cluster_issue(cl, fx_path(dir, "pki"), &io,
	    &err) != 0)
		diag("cluster issue: %s", err.text);
	pki_cluster_free(cl);
	memset(&F, 0, sizeof(F));
	F.n = (size_t)n;
	for (i = 0; i < n; i++) {
		static const char *const nm[] = { "m1", "m2", "m3" };

		snprintf(F.peer[i], sizeof(F.peer[i]),
		    "https://10.0.0.%d:2380", i + 1);
		F.names[i] = nm[i];
		F.healthy[i] = 1;
	}
	F.leader = 2;
	notes[0] = '\0';
	memset(&mo, 0, sizeof(mo));
	mo.desc = desc;
	pkidir = strdup(fx_path(dir, "pki"));
	mo.dir = pkidir;
	mo.no_sync = 1;
	mo.ops = &fake_ops;
	mo.nt.note = collect;
	mo.gate_timeout_ms = 30000;
}

static void
done(void)
{
	free(desc);
	free(pkidir);
}

/* Whether file path (under DIR/pki) contains text. */
static int
file_has(const char *rel, const char *text)
{
	char	*s = fx_read(fx_path(mo.dir, rel));
	int	 r = s != NULL && strstr(s, text) != NULL;

	free(s);
	return r;
}

/* Whether member m's certificate has the SAN IP ip. */
static int
cert_has_ip(const char *m, const char *ip)
{
	struct pki_cert		*c = NULL;
	struct pki_cert_facts	 f;
	struct pki_error	 err;
	char			 rel[64], want[64], *pem;
	size_t			 i;
	int			 r = 0;

	snprintf(rel, sizeof(rel), "%s/%s.pem", m, m);
	snprintf(want, sizeof(want), "IP:%s", ip);
	memset(&f, 0, sizeof(f));
	if ((pem = fx_read(fx_path(mo.dir, rel))) == NULL ||
	    pki_cert_load(pem, strlen(pem), rel, &c, &err) != 0 ||
	    pki_cert_facts(c, &f, &err) != 0)
		goto out;
	for (i = 0; i < f.nsans; i++)
		if (strcmp(f.sans[i], want) == 0)
			r = 1;
 out:
	pki_cert_facts_clear(&f);
	pki_cert_free(c);
	free(pem);
	return r;
}

static void
test_add_refused(void)
{
	char	*before;

	reset(3);
	before = fx_read(desc);
	mo.name = "m2";
	mo.hosts = "10.0.0.9";
	is_int(pki_member_add(&mo), PKI_RUN_REFUSED, "add: a name taken");
	ok(has("ERROR|") && has("has a member of that name already"),
	    "add: says the name is taken");
	mo.name = "removed";
	is_int(pki_member_add(&mo), PKI_RUN_REFUSED, "add: \"removed\" is "
	    "reserved");
	mo.name = "m4";
	mo.peer_urls = "https://10.0.0.2:2380";
	is_int(pki_member_add(&mo), PKI_RUN_REFUSED, "add: a URL taken");
	ok(has("https://10.0.0.2:2380 is member m2's URL already"),
	    "add: says whose URL it is");
	mo.peer_urls = NULL;
	F.healthy[2] = 0;
	is_int(pki_member_add(&mo), PKI_RUN_REFUSED, "add: m3 unhealthy");
	ok(has("m3|") || has("not healthy: the cluster must be healthy"),
	    "add: says the cluster must be healthy");
	F.healthy[2] = 1;
	F.learner[2] = 1;
	mo.learner = 1;
	is_int(pki_member_add(&mo), PKI_RUN_REFUSED, "add: a learner already");
	ok(has("etcd 3.4 allows one"), "add: says etcd allows one learner");
	F.learner[2] = 0;
	F.n = 2;
	is_int(pki_member_add(&mo), PKI_RUN_REFUSED, "add: etcd lacks m3");
	ok(has("etcd has no member with its peer URL https://10.0.0.3:2380"),
	    "add: says the description and etcd differ");
	F.n = 3;
	F.names[2] = "";
	is_int(pki_member_add(&mo), PKI_RUN_REFUSED, "add: m3 not started");
	F.names[2] = "m3";
	{
		char *after = fx_read(desc);

		ok(after != NULL && before != NULL && strcmp(after, before) ==
		    0 && F.added == 0 && !fx_exists(fx_path(mo.dir, "m4")),
		    "add refused: nothing changed, etcd not asked");
		free(after);
	}
	/* etcd refuses it: the description goes back. */
	F.add_refuse = 1;
	mo.learner = 0;
	is_int(pki_member_add(&mo), PKI_RUN_FAILED, "add: etcd refuses");
	{
		char *after = fx_read(desc);

		ok(after != NULL && strcmp(after, before) == 0 &&
		    has("put back as it was"), "add refused by etcd: the "
		    "description is put back");
		free(after);
	}
	free(before);
	done();
}

static void
test_add(void)
{
	char	*key1, *key1after;

	reset(3);
	key1 = fx_read(fx_path(mo.dir, "m1/m1-key.pem"));
	mo.name = "m4";
	mo.hosts = "10.0.0.4,m4.example";
	mo.learner = 1;
	mo.run = f_start;
	F.busy_adds = 2;
	F.unsynced = 3;
	is_int(pki_member_add(&mo), PKI_RUN_OK, "add m4 as a learner, started");
	ok(F.added == 1 && F.started == 1 && F.promoted == 1,
	    "add: added once, started, promoted");
	ok(F.add_learner == 1, "add: asked as a learner");
	ok(F.now >= 5000, "add: retried the busy add and the unsynced "
	    "promote (%" PRId64 " ms)", F.now);
	ok(has("promote: ") && has("in sync with leader; retrying"),
	    "add: the promote retries are noted");
	ok(file_has("../desc.json", "\"initial_cluster_state\": \"existing\"")
	    && file_has("../desc.json", "\"m4.example\""),
	    "add: the description has m4, existing, its DNS name");
	ok(file_has("m4/etcd.conf.yml", "initial-cluster-state: 'existing'")
	    && file_has("m4/etcd.conf.yml", "m4=https://10.0.0.4:2380") &&
	    file_has("m4/etcd.env", "ETCD_INITIAL_CLUSTER_STATE='existing'"),
	    "add: m4's fragments join an existing cluster");
	ok(file_has("m1/etcd.conf.yml", "initial-cluster-state: 'new'"),
	    "add: m1 stays new");
	ok(cert_has_ip("m1", "10.0.0.4") && cert_has_ip("m3", "10.0.0.4") &&
	    cert_has_ip("m4", "10.0.0.1"), "add: every certificate has "
	    "every member's IP");
	key1after = fx_read(fx_path(mo.dir, "m1/m1-key.pem"));
	ok(key1 != NULL && key1after != NULL && strcmp(key1, key1after) == 0,
	    "add: m1 keeps its key (no restart needed)");
	free(key1);
	free(key1after);
	done();

	/* Without a start command: the steps left. */
	reset(3);
	mo.name = "m4";
	mo.hosts = "10.0.0.4";
	mo.learner = 1;
	is_int(pki_member_add(&mo), PKI_RUN_OK, "add m4, not started");
	ok(F.added == 1 && F.promoted == 0 && has("next: start etcd on m4") &&
	    has("etcdctl member promote 4"), "add: prints the next steps");
	done();
}

static int	nkeys, nfiles;

/* nftw: counts files, and private keys among them (links too). */
static int
count_key(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	if (type != FTW_D && type != FTW_DP)
		nfiles++;
	if (strstr(path + f->base, "-key.pem") != NULL)
		nkeys++;
	return 0;
}

static void
test_remove(void)
{
	int	r;

	reset(1);
	mo.name = "m1";
	is_int(pki_member_remove(&mo), PKI_RUN_REFUSED, "remove: the last");
	ok(has("is the last member"), "remove: says it is the last");
	done();

	reset(3);
	mo.name = "m3";
	F.healthy[1] = 0;
	is_int(pki_member_remove(&mo), PKI_RUN_REFUSED, "remove m3, m2 down");
	ok(has("would lose quorum: 2 voting members left, 1 of them healthy, "
	    "2 needed") && F.removed == 0, "remove: refused for quorum");
	mo.name = "m9";
	is_int(pki_member_remove(&mo), PKI_RUN_REFUSED, "remove: unknown");
	F.healthy[1] = 1;
	mo.name = "m3";
	F.leader = 3;
	is_int(pki_member_remove(&mo), PKI_RUN_OK, "remove m3, the leader");
	ok(F.moved == 1 && F.moved_ep == 2 && F.moved_to == 1 &&
	    F.removed == 1 && F.removed_id == 3, "remove: leadership moved "
	    "to m1 through m3's endpoint, then ID 3 removed");
	ok(!file_has("../desc.json", "\"m3\"") && !fx_exists(fx_path(mo.dir,
	    "m3")), "remove: m3 out of the description and the tree");
	ok(has("m3: its files moved to") || has("its files moved to"),
	    "remove: says where the files went");
	ok(!cert_has_ip("m1", "10.0.0.3") && !cert_has_ip("m2", "10.0.0.3") &&
	    cert_has_ip("m1", "10.0.0.2"), "remove: the others' "
	    "certificates lose its IP");
	ok(has("revoked (cessationOfOperation)") && file_has("crl.pem",
	    "BEGIN X509 CRL") && file_has("m1/crl.pem", "BEGIN X509 CRL"),
	    "remove: revoked, the CRL beside every member");
	nkeys = nfiles = 0;
	r = nftw(fx_path(mo.dir, "removed"), count_key, 16, FTW_PHYS);
	ok(has("private keys deleted") && r == 0 && nkeys == 0 && nfiles > 3,
	    "remove: archived under removed/ with no private key (%d files)",
	    nfiles);
	done();

	/* etcd no longer lists it: the PKI only. */
	reset(3);
	F.n = 2;
	mo.name = "m3";
	is_int(pki_member_remove(&mo), PKI_RUN_OK, "remove m3 etcd forgot");
	ok(F.removed == 0 && has("etcd does not list it"),
	    "remove: not asked of etcd");
	done();
}

int
main(void)
{
	plan(41);
	test_add_refused();
	test_add();
	test_remove();
	return done_testing();
}
