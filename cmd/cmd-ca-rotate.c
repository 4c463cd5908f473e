/*
 * cmd-ca-rotate.c: "etcd-pki ca rotate" and "ca status": a cluster's CA
 * replaced by a new one in three phases (rollover.md 8.9): add-trust
 * (every bundle holds the old and the new CA, members restarted),
 * reissue (the new CA signs, every leaf re-signed) and drop-old (bundles
 * hold the new CA only, the old one retired).  The phase is derived from
 * the files in DIR (ca.pem, ca-next.pem, ca-prev.pem and each leaf's
 * ca.pem bundle) and TLS probes of the members, never from a progress
 * file, so a rerun resumes where a run stopped.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"
#include "renew.h"
#include "rolling.h"
#include "run.h"
#include "status.h"

#define PROBE_TIMEOUT_MS	5000

static const int ca_rotate_opts[] = {
	OPT_PHASE, OPT_CLUSTER, OPT_MEMBER, OPT_RESTART, OPT_RESTART_CMD,
	OPT_STOP_CMD, OPT_START_CMD, OPT_GATE_TIMEOUT, OPT_SETTLE,
	OPT_LOCK_TTL, OPT_MAX_LAG, OPT_RECORD, OPT_TIMEOUT, OPT_QUIET,
	OPT_STRICT, OPT_LOGLEVEL, OPT_END
};

static const int ca_status_opts[] = {
	OPT_CLUSTER, OPT_O, OPT_TIMEOUT, OPT_STRICT, OPT_LOGLEVEL, OPT_END
};

enum phase {
	PHASE_IDLE,
	PHASE_ADD_TRUST,
	PHASE_REISSUE,
	PHASE_DROP_OLD,
	PHASE_INVALID		/* ca-next and ca-prev both present */
};

static const char *const phase_names[] = {
	"idle", "add-trust", "reissue", "drop-old", "invalid"
};

/* Which CA issued a certificate. */
enum iss {
	ISS_UNKNOWN = -1,	/* not probed, or unreachable */
	ISS_CUR,		/* ca.pem */
	ISS_NEXT,		/* ca-next.pem */
	ISS_PREV,		/* ca-prev.pem */
	ISS_OTHER
};

/* One CA pair of DIR: ca, ca-next or ca-prev. */
struct rca {
	const char		*base;
	int			 present;
	char			*path, *keypath;
	struct pki_cert		*cert;
	struct pki_key		*key;		/* NULL: no key file */
	char			*pem;		/* the file's bytes */
	size_t			 len;
	char			*keypem;	/* secret */
	size_t			 keylen;
	char			*canon;		/* re-encoded PEM: compared */
	size_t			 canonlen;
	struct pki_cert_facts	 f;
	struct pki_cert		*probe;		/* a client certificate it
						   signed, minted in memory */
	struct pki_key		*probekey;
};

/* One member's or client's leaf directory. */
struct rleaf {
	struct target		*t;
	int			 member;
	int			 selected;
	const char		*client_url, *peer_url;
	/* Its bundle DIR/<leaf>/ca.pem (canonical PEMs of each cert). */
	int			 nobundle;
	char			**certs;
	size_t			 ncerts;
	int			 b_cur, b_next, b_prev, b_other;
	/* Its leaf certificate on disk. */
	struct pki_cert		*leaf;
	struct pki_cert_facts	 lf;
	int			 leaf_iss;	/* enum iss; ISS_UNKNOWN:
						   missing or unreadable */
	/* Probes (members): -1 unknown. */
	int			 connected;	/* 1, 0 failed, -1 not probed */
	char			 error[512];
	int			 served_client, served_peer;	/* enum iss */
	int			 trusts_cur, trusts_next, trusts_prev;
	/* This run. */
	char			*gen;		/* staged, not yet active */
	int			 restart;	/* needs a (re)start */
};

struct rot {
	const struct opts	*o;
	struct targets		 ts;
	const char		*dir;
	struct rca		 cur, next, prev;
	struct rleaf		*l;
	size_t			 n;
	time_t			 now;
	int			 timeout_ms;
	int			 rolling, quiet;
	struct rolling		 rl;
	size_t			 unreachable;
};

/* ---- small helpers ---------------------------------------------------- */

static char *
path_join(const char *a, const char *b)
{
	char	*s;

	if (asprintf(&s, "%s/%s", a, b) == -1)
		return NULL;
	return s;
}

/* Reads a file: 0, 1 when it is missing, -1 after printing why. */
static int
slurp(const char *path, char **buf, size_t *len)
{
	struct pki_error	err;
	struct stat		st;
	int			r;

	memset(&err, 0, sizeof(err));
	*buf = NULL;
	*len = 0;
	if (stat(path, &st) == -1 && errno == ENOENT)
		return 1;
	if ((r = pki_input_read(path, 0, PKI_MAX_INPUT, buf, len, &err)) !=
	    0) {
		log_pki(&err, r);
		return -1;
	}
	return 0;
}

/*
 * Splits a PEM bundle into the canonical PEM of each certificate in it
 * (*certs, *n; each malloc'ed).  Returns 0, or -1 after printing why.
 */
static int
split_bundle(const char *buf, size_t len, const char *source, char ***certs,
    size_t *n)
{
	static const char	 begin[] = "-----BEGIN CERTIFICATE-----";
	struct pki_error	 err;
	struct pki_cert		*c = NULL;
	const char		*p, *end = buf + len;
	char			**v = NULL, **nv, *pem = NULL;
	size_t			 nn = 0, pemlen = 0;
	int			 r;

	memset(&err, 0, sizeof(err));
	*certs = NULL;
	*n = 0;
	for (p = buf; p < end && (p = strstr(p, begin)) != NULL; p++) {
		if ((r = pki_cert_load(p, (size_t)(end - p), source, &c,
		    &err)) != 0 || (r = pki_cert_encode(c, &pem, &pemlen,
		    &err)) != 0) {
			log_pki(&err, r);
			goto fail;
		}
		pki_cert_free(c);
		c = NULL;
		if ((nv = reallocarray(v, nn + 1, sizeof(*v))) == NULL) {
			log_err("out of memory");
			goto fail;
		}
		v = nv;
		v[nn++] = pem;
		pem = NULL;
	}
	*certs = v;
	*n = nn;
	return 0;
 fail:
	pki_cert_free(c);
	free(pem);
	pki_strv_free(v, nn);
	return -1;
}

/* Which of DIR's CAs issued cert (signature and validity at now). */
static int
issuer_of(const struct rot *ro, const struct pki_cert *cert)
{
	const struct rca	*cas[3];
	int			 iss[3] = { ISS_CUR, ISS_NEXT, ISS_PREV };
	size_t			 i;

	cas[0] = &ro->cur;
	cas[1] = &ro->next;
	cas[2] = &ro->prev;
	for (i = 0; i < 3; i++)
		if (cas[i]->present && pki_cert_verify_bundle(cert,
		    cas[i]->canon, cas[i]->canonlen, cas[i]->base, ro->now,
		    NULL) == 0)
			return iss[i];
	return ISS_OTHER;
}

/* A probe client certificate of ca (rolling_probe_cert), when its key is
 * at hand. */
static int
mint_probe(struct rca *ca)
{
	if (ca->key == NULL)
		return 0;
	return rolling_probe_cert(ca->cert, ca->key, &ca->probe,
	    &ca->probekey);
}

/* ---- loading the state ------------------------------------------------- */

static void
rca_clear(struct rca *c)
{
	const char	*base = c->base;

	free(c->path);
	free(c->keypath);
	pki_cert_free(c->cert);
	pki_key_free(c->key);
	free(c->pem);
	if (c->keypem != NULL)
		pki_secret_free(c->keypem, c->keylen + 1);
	free(c->canon);
	pki_cert_facts_clear(&c->f);
	pki_cert_free(c->probe);
	pki_key_free(c->probekey);
	memset(c, 0, sizeof(*c));
	c->base = base;
}

/*
 * Loads DIR/<base>.pem and DIR/<base>-key.pem (the key may be missing
 * only when need_key is 0).  Returns 0 (present or not), -1 on error.
 */
static int
rca_load(struct rot *ro, struct rca *c, int need_key)
{
	struct pki_error	 err;
	char			 name[64];
	int			 r;

	memset(&err, 0, sizeof(err));
	rca_clear(c);
	snprintf(name, sizeof(name), "%s.pem", c->base);
	if ((c->path = path_join(ro->dir, name)) == NULL)
		goto oom;
	snprintf(name, sizeof(name), "%s-key.pem", c->base);
	if ((c->keypath = path_join(ro->dir, name)) == NULL)
		goto oom;
	if ((r = slurp(c->path, &c->pem, &c->len)) < 0)
		return -1;
	if (r == 1)
		return 0;
	if ((r = pki_cert_load(c->pem, c->len, c->path, &c->cert, &err)) !=
	    0 || (r = pki_cert_encode(c->cert, &c->canon, &c->canonlen,
	    &err)) != 0 || (r = pki_cert_facts(c->cert, &c->f, &err)) != 0) {
		log_pki(&err, r);
		return -1;
	}
	c->present = 1;
	if ((r = slurp(c->keypath, &c->keypem, &c->keylen)) < 0)
		return -1;
	if (r == 1) {
		if (need_key) {
			log_err("%s: missing (%s exists without its key)",
			    c->keypath, c->path);
			return -1;
		}
		return 0;
	}
	warn_key_mode(c->keypath);
	if ((r = pki_key_load(c->keypem, c->keylen, c->keypath, NULL, &c->key,
	    &err)) != 0) {
		log_pki(&err, r);
		return -1;
	}
	if (!pki_cert_matches_key(c->cert, c->key)) {
		log_err("%s: does not match %s", c->keypath, c->path);
		return -1;
	}
	return 0;
 oom:
	log_err("out of memory");
	return -1;
}

static void
leaf_clear(struct rleaf *l)
{
	pki_strv_free(l->certs, l->ncerts);
	pki_cert_free(l->leaf);
	pki_cert_facts_clear(&l->lf);
	free(l->gen);
	l->certs = NULL;
	l->ncerts = 0;
	l->leaf = NULL;
	l->gen = NULL;
}

static int
in_bundle(const struct rleaf *l, const struct rca *c)
{
	size_t	i;

	if (!c->present)
		return 0;
	for (i = 0; i < l->ncerts; i++)
		if (strcmp(l->certs[i], c->canon) == 0)
			return 1;
	return 0;
}

/* Reads one leaf directory's bundle and leaf certificate. */
static int
leaf_load(struct rot *ro, struct rleaf *l)
{
	struct pki_error	 err;
	struct target		*t = l->t;
	char			*p = NULL, *buf = NULL, name[512];
	size_t			 len = 0, i;
	int			 r, ret = -1;

	memset(&err, 0, sizeof(err));
	leaf_clear(l);
	l->leaf_iss = ISS_UNKNOWN;
	if ((p = path_join(t->dir, "ca.pem")) == NULL)
		goto oom;
	if ((r = slurp(p, &buf, &len)) < 0)
		goto out;
	l->nobundle = r == 1;
	if (r == 0 && split_bundle(buf, len, p, &l->certs, &l->ncerts) != 0)
		goto out;
	free(buf);
	buf = NULL;
	if (l->nobundle) {
		/* No bundle: the member is configured with DIR/ca.pem. */
		l->b_cur = 1;
		l->b_next = l->b_prev = l->b_other = 0;
	} else {
		l->b_cur = in_bundle(l, &ro->cur);
		l->b_next = in_bundle(l, &ro->next);
		l->b_prev = in_bundle(l, &ro->prev);
		l->b_other = 0;
		for (i = 0; i < l->ncerts; i++)
			if (strcmp(l->certs[i], ro->cur.canon) != 0 &&
			    (!ro->next.present ||
			    strcmp(l->certs[i], ro->next.canon) != 0) &&
			    (!ro->prev.present ||
			    strcmp(l->certs[i], ro->prev.canon) != 0))
				l->b_other = 1;
	}
	free(p);
	snprintf(name, sizeof(name), "%s.pem", t->name);
	if ((p = path_join(t->dir, name)) == NULL)
		goto oom;
	if ((r = slurp(p, &buf, &len)) < 0)
		goto out;
	if (r == 0) {
		if ((r = pki_cert_load(buf, len, p, &l->leaf, &err)) != 0 ||
		    (r = pki_cert_facts(l->leaf, &l->lf, &err)) != 0) {
			log_pki(&err, r);
			goto out;
		}
		l->leaf_iss = issuer_of(ro, l->leaf);
	}
	ret = 0;
	goto out;
 oom:
	log_err("out of memory");
 out:
	free(p);
	free(buf);
	return ret;
}

/* "https://host:port" into host and port (IPv6 in brackets). */
static int
split_url(const char *url, char *host, size_t hl, char *port, size_t pl)
{
	const char	*h, *c;

	if ((h = strstr(url, "://")) != NULL)
		h += 3;
	else
		h = url;
	if (*h == '[') {
		if ((c = strchr(h, ']')) == NULL || c[1] != ':')
			return -1;
		snprintf(host, hl, "%.*s", (int)(c - h - 1), h + 1);
		c++;
	} else if ((c = strrchr(h, ':')) == NULL)
		return -1;
	else
		snprintf(host, hl, "%.*s", (int)(c - h), h);
	snprintf(port, pl, "%.*s", (int)strcspn(c + 1, "/"), c + 1);
	return *host == '\0' || *port == '\0' ? -1 : 0;
}

/* One probe with ca's client certificate: *accepted, *served. */
static int
probe_with(struct rot *ro, struct rleaf *l, const struct rca *ca,
    int *accepted, int *served)
{
	struct pki_error	 err;
	struct pki_cert		*sc = NULL;
	char			 host[256], port[32];
	int			 r, acc = 0;

	memset(&err, 0, sizeof(err));
	if (split_url(l->client_url, host, sizeof(host), port,
	    sizeof(port)) != 0) {
		snprintf(l->error, sizeof(l->error), "%s: not a URL",
		    l->client_url);
		return -1;
	}
	if ((r = pki_tls_probe(host, port, ca != NULL ? ca->probe : NULL,
	    ca != NULL ? ca->probekey : NULL, ro->timeout_ms, &sc, &acc,
	    &err)) != 0) {
		snprintf(l->error, sizeof(l->error), "%s", err.text);
		return -1;
	}
	if (accepted != NULL)
		*accepted = acc;
	if (served != NULL && sc != NULL)
		*served = issuer_of(ro, sc);
	pki_cert_free(sc);
	return 0;
}

/* Probes member l: what it serves and which CAs' clients it accepts. */
static void
leaf_probe(struct rot *ro, struct rleaf *l)
{
	struct pki_error	 err;
	struct pki_cert		*sc = NULL;
	char			 host[256], port[32];
	int			 r;

	memset(&err, 0, sizeof(err));
	l->connected = -1;
	l->served_client = l->served_peer = ISS_UNKNOWN;
	l->trusts_cur = l->trusts_next = l->trusts_prev = -1;
	l->error[0] = '\0';
	if (!l->member || l->client_url == NULL)
		return;
	l->connected = 0;
	if (probe_with(ro, l, &ro->cur, &l->trusts_cur,
	    &l->served_client) != 0)
		goto unreachable;
	if (ro->next.present && ro->next.probe != NULL &&
	    probe_with(ro, l, &ro->next, &l->trusts_next, NULL) != 0)
		goto unreachable;
	if (ro->prev.present && ro->prev.probe != NULL &&
	    probe_with(ro, l, &ro->prev, &l->trusts_prev, NULL) != 0)
		goto unreachable;
	if (l->peer_url != NULL) {
		if (split_url(l->peer_url, host, sizeof(host), port,
		    sizeof(port)) != 0) {
			snprintf(l->error, sizeof(l->error), "%s: not a URL",
			    l->peer_url);
			goto unreachable;
		}
		if ((r = pki_tls_peer_cert(host, port, NULL, ro->timeout_ms,
		    &sc, &err)) != 0) {
			snprintf(l->error, sizeof(l->error), "%s", err.text);
			goto unreachable;
		}
		l->served_peer = issuer_of(ro, sc);
		pki_cert_free(sc);
	}
	l->connected = 1;
	return;
 unreachable:
	ro->unreachable++;
	l->served_client = l->served_peer = ISS_UNKNOWN;
	l->trusts_cur = l->trusts_next = l->trusts_prev = -1;
}

static void
probe_all(struct rot *ro)
{
	size_t	i;

	ro->unreachable = 0;
	for (i = 0; i < ro->n; i++)
		leaf_probe(ro, &ro->l[i]);
}

/* Loads DIR's CAs and every leaf (not probed). */
static int
state_load(struct rot *ro)
{
	size_t	i;

	if (rca_load(ro, &ro->cur, 1) != 0 || rca_load(ro, &ro->next, 1) !=
	    0 || rca_load(ro, &ro->prev, 0) != 0)
		return -1;
	if (!ro->cur.present) {
		log_err("%s: missing: issue the cluster first (cluster issue)",
		    ro->cur.path);
		return -1;
	}
	if (mint_probe(&ro->cur) != 0 || mint_probe(&ro->next) != 0 ||
	    mint_probe(&ro->prev) != 0)
		return -1;
	for (i = 0; i < ro->n; i++)
		if (leaf_load(ro, &ro->l[i]) != 0)
			return -1;
	return 0;
}

/* Sets up ro->l from the targets (every leaf of the description). */
static int
leaves_init(struct rot *ro)
{
	struct pki_cluster_leaf_info	 li;
	const char			*member = opts_str(ro->o, OPT_MEMBER);
	size_t				 i, k, found = 0;

	if ((ro->l = calloc(ro->ts.n, sizeof(*ro->l))) == NULL) {
		log_err("out of memory");
		return -1;
	}
	ro->n = ro->ts.n;
	for (i = 0; i < ro->n; i++) {
		struct rleaf	*l = &ro->l[i];

		l->t = &ro->ts.t[i];
		l->connected = -1;
		l->leaf_iss = ISS_UNKNOWN;
		for (k = 0; k < pki_cluster_nleaves(ro->ts.cl); k++) {
			pki_cluster_leaf(ro->ts.cl, k, &li);
			if (strcmp(li.name, l->t->name) != 0)
				continue;
			l->member = li.member;
			if (li.nclient_urls > 0)
				l->client_url = li.client_urls[0];
			if (li.npeer_urls > 0)
				l->peer_url = li.peer_urls[0];
			break;
		}
		l->selected = member == NULL || strcmp(member,
		    l->t->name) == 0;
		found += l->selected;
	}
	if (found == 0) {
		log_err("-member %s: no such member or client in %s", member,
		    opts_str(ro->o, OPT_CLUSTER));
		return -1;
	}
	return 0;
}

/* ---- the phase ---------------------------------------------------------- */

/* Is add-trust complete: every bundle holds ca-next, every reachable
 * member accepts its client certificates? */
static int
trust_complete(const struct rot *ro, int all)
{
	size_t	i;

	for (i = 0; i < ro->n; i++) {
		const struct rleaf	*l = &ro->l[i];

		if (!all && !l->selected)
			continue;
		if (!l->b_next || (l->connected == 1 && l->trusts_next == 0))
			return 0;
	}
	return 1;
}

/* Is every leaf issued by ca.pem, on disk and as served? */
static int
issued_complete(const struct rot *ro, int all)
{
	size_t	i;

	for (i = 0; i < ro->n; i++) {
		const struct rleaf	*l = &ro->l[i];

		if (!all && !l->selected)
			continue;
		if (l->leaf_iss != ISS_CUR)
			return 0;
		if (l->connected == 1 && (l->served_client != ISS_CUR ||
		    (l->peer_url != NULL && l->served_peer != ISS_CUR)))
			return 0;
	}
	return 1;
}

static enum phase
phase_of(const struct rot *ro)
{
	if (!ro->next.present && !ro->prev.present)
		return PHASE_IDLE;
	if (ro->next.present && ro->prev.present)
		return PHASE_INVALID;
	if (ro->next.present)
		return trust_complete(ro, 1) ? PHASE_REISSUE : PHASE_ADD_TRUST;
	if (!issued_complete(ro, 1))
		return PHASE_REISSUE;
	return PHASE_DROP_OLD;
}

/* ---- writing ------------------------------------------------------------- */

/* The bundle text: the certificates of cas, in order, once each. */
static char *
bundle_text(const struct rca *const *cas, size_t n, char *const *extra,
    size_t nextra)
{
	char	*s = NULL, *ns;
	size_t	 i, k;

	if ((s = strdup("")) == NULL)
		return NULL;
	for (i = 0; i < nextra + n; i++) {
		const char	*pem = i < nextra ? extra[i] :
		    cas[i - nextra]->canon;

		for (k = 0; k < i; k++)
			if (strcmp(k < nextra ? extra[k] :
			    cas[k - nextra]->canon, pem) == 0)
				break;
		if (k < i)
			continue;
		if (asprintf(&ns, "%s%s", s, pem) == -1) {
			free(s);
			return NULL;
		}
		free(s);
		s = ns;
	}
	return s;
}

/* Activates l's staged generation (discarded when that fails). */
static int
activate(struct rleaf *l)
{
	struct pki_error	 err, derr;
	struct target		*t = l->t;
	const char		*cur;
	int			 r;

	memset(&err, 0, sizeof(err));
	memset(&derr, 0, sizeof(derr));
	if (l->gen == NULL)
		return 0;
	if ((r = pki_set_activate(t->set, l->gen, 0, &err)) != 0) {
		log_pki(&err, r);
		cur = pki_set_current(t->set);
		if ((cur == NULL || strcmp(cur, l->gen) != 0) &&
		    pki_set_discard(t->set, l->gen, &derr) != 0)
			log_pki(&derr, PKI_ERR_IO);
		free(l->gen);
		l->gen = NULL;
		return -1;
	}
	free(l->gen);
	l->gen = NULL;
	return 0;
}

/* Discards l's staged generation, if any. */
static void
discard(struct rleaf *l)
{
	struct pki_error	err;

	memset(&err, 0, sizeof(err));
	if (l->gen == NULL)
		return;
	if (pki_set_discard(l->t->set, l->gen, &err) != 0)
		log_pki(&err, PKI_ERR_IO);
	free(l->gen);
	l->gen = NULL;
}

/*
 * Converts l's set to the generations layout as renew does (a no-op when
 * it already is).  Returns 0 or -1 after printing why.
 */
static int
leaf_convert(struct rleaf *l)
{
	struct pki_error	 err;
	struct target		*t = l->t;
	int			 r, layout = pki_set_layout(t->set);

	memset(&err, 0, sizeof(err));
	if (l->leaf == NULL) {
		log_err("%s: %s.pem: missing: issue it first (cluster issue)",
		    t->label, t->name);
		return -1;
	}
	if ((r = pki_set_convert(t->set, (time_t)l->lf.not_before,
	    l->lf.serial_hex, 0, &err)) != 0) {
		log_pki(&err, r);
		return -1;
	}
	if (layout == PKI_LAYOUT_FIXED)
		printf("%s: %s now uses generations: %s is a link to "
		    "current/%s.pem\n", t->label, t->dir,
		    pki_set_path(t->set, PKI_SET_CERT), t->name);
	return 0;
}

/*
 * Writes text as l's bundle: a member's set gets a new generation with
 * only ca.pem replaced (converted first), staged into l->gen and, unless
 * keep_staged, activated; a client's plain ca.pem is replaced atomically
 * (a client in generations gets a generation too).
 */
static int
write_bundle(struct rot *ro, struct rleaf *l, const char *text,
    int keep_staged)
{
	struct pki_error	 err;
	struct pki_set_update	 u;
	struct pki_file		 f;
	struct target		*t = l->t;
	char			*p = NULL;
	int			 r;

	memset(&err, 0, sizeof(err));
	memset(&u, 0, sizeof(u));
	if (!l->member && pki_set_layout(t->set) == PKI_LAYOUT_FIXED) {
		if ((p = path_join(t->dir, "ca.pem")) == NULL) {
			log_err("out of memory");
			return -1;
		}
		f.path = p;
		f.data = text;
		f.len = strlen(text);
		f.mode = 0644;
		r = pki_file_write_set(&f, 1, &err);
		free(p);
		if (r != 0) {
			log_pki(&err, r);
			return -1;
		}
		return 0;
	}
	if (leaf_convert(l) != 0)
		return -1;
	u.data[PKI_SET_CA] = text;
	u.len[PKI_SET_CA] = strlen(text);
	u.serial_hex = l->lf.serial_hex;
	u.now = time(NULL);
	free(l->gen);
	l->gen = NULL;
	if ((r = pki_set_stage(t->set, &u, &l->gen, &err)) != 0) {
		log_pki(&err, r);
		return -1;
	}
	if (keep_staged)
		return 0;
	return activate(l);
}

/*
 * -restart rolling for member l: its staged generation (or none: a
 * restart only) switched inside a restart coordinated through etcd, with
 * want checked after it and old after a rollback.  Returns
 * CMD_RETURN_NORMAL or the exit status to end with.
 */
static int
roll(struct rot *ro, struct rleaf *l, const struct pki_roll_expect *want,
    const struct pki_roll_expect *old)
{
	struct rolling_session	*s = NULL;
	int			 r;

	if ((r = rolling_begin(&ro->rl, &ro->ts, l->t, &s)) !=
	    CMD_RETURN_NORMAL) {
		discard(l);
		return r;
	}
	r = rolling_switch(s, l->t->set, l->gen, want, old);
	if (r == CMD_RETURN_ERROR)
		discard(l);
	free(l->gen);
	l->gen = NULL;
	if (rolling_end(s) != 0 && r == CMD_RETURN_NORMAL)
		log_msg(LOG_WARNING, "%s: the cluster-wide lock could not be "
		    "released: it expires with its lease", l->t->label);
	if (r == CMD_RETURN_NORMAL)
		l->restart = 0;
	return r;
}

/* Prints the members still to restart by hand (-restart none). */
static void
restart_advice(const struct rot *ro, const char *why)
{
	size_t	i;
	int	any = 0;

	for (i = 0; i < ro->n; i++) {
		if (!ro->l[i].restart)
			continue;
		if (!any)
			printf("restart by hand, one at a time (%s):", why);
		printf(" %s", ro->l[i].t->name);
		any = 1;
	}
	if (any)
		printf("\n");
}

/* Warns about members that could not be probed. */
static void
warn_unreachable(const struct rot *ro)
{
	size_t	i;

	for (i = 0; i < ro->n; i++)
		if (ro->l[i].connected == 0)
			log_msg(LOG_WARNING, "%s: unverified (no probe): %s",
			    ro->l[i].t->label, ro->l[i].error);
}

/* Writes DIR/<base>.pem and -key.pem as one set. */
static int
write_ca_pair(const char *certpath, const char *certpem, size_t certlen,
    const char *keypath, const char *keypem, size_t keylen,
    struct pki_file *more, size_t nmore)
{
	struct pki_error	err;
	struct pki_file		f[4];
	size_t			n = 0, i;
	int			r;

	memset(&err, 0, sizeof(err));
	f[n++] = (struct pki_file){ certpath, certpem, certlen, 0644 };
	f[n++] = (struct pki_file){ keypath, keypem, keylen, 0600 };
	for (i = 0; i < nmore && n < 4; i++)
		f[n++] = more[i];
	if ((r = pki_file_write_set(f, n, &err)) != 0) {
		log_pki(&err, r);
		return -1;
	}
	return 0;
}

static int
sync_dir(const char *dir)
{
	int	fd, r = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if (fsync(fd) == -1)
		r = -1;
	(void)close(fd);
	return r;
}

/* ---- the phases ---------------------------------------------------------- */

static int
phase_add_trust(struct rot *ro)
{
	struct pki_error	 err;
	struct pki_roll_expect	 want, old;
	const struct rca	*cas[1];
	char			*certpem = NULL, *keypem = NULL, *text = NULL;
	size_t			 certlen = 0, keylen = 0, i;
	int			 r, changed = 0, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	if (ro->prev.present) {
		log_err("%s exists: the previous rotation is not finished "
		    "(phase %s): run ca rotate -phase %s first", ro->prev.path,
		    phase_names[phase_of(ro)], phase_of(ro) == PHASE_REISSUE ?
		    "reissue" : "drop-old");
		return RENEW_EXIT_PRECOND;
	}
	if (!ro->next.present) {
		if ((r = pki_cluster_ca_new(ro->ts.cl, ro->cur.cert, 0,
		    &certpem, &certlen, &keypem, &keylen, &err)) != 0) {
			log_pki(&err, r);
			goto out;
		}
		if (write_ca_pair(ro->next.path, certpem, certlen,
		    ro->next.keypath, keypem, keylen, NULL, 0) != 0)
			goto out;
		if (rca_load(ro, &ro->next, 1) != 0 || mint_probe(&ro->next) !=
		    0)
			goto out;
		printf("%s: new CA: serial %s, %s (same subject as %s)\n",
		    ro->next.path, ro->next.f.serial, ro->next.f.subject,
		    ro->cur.path);
		changed = 1;
		for (i = 0; i < ro->n; i++)
			if (leaf_load(ro, &ro->l[i]) != 0)
				goto out;
	}
	/* Bundles := their certificates + ca-next. */
	for (i = 0; i < ro->n; i++) {
		struct rleaf	*l = &ro->l[i];

		if (!l->selected || l->b_next)
			continue;
		cas[0] = &ro->next;
		free(text);
		if (l->nobundle) {
			const struct rca	*two[2];

			two[0] = &ro->cur;
			two[1] = &ro->next;
			text = bundle_text(two, 2, NULL, 0);
		} else
			text = bundle_text(cas, 1, l->certs, l->ncerts);
		if (text == NULL) {
			log_err("out of memory");
			goto out;
		}
		if (write_bundle(ro, l, text, ro->rolling && l->member) != 0)
			goto out;
		printf("%s: %s/ca.pem: trusts %s and the new CA %s\n",
		    l->t->label, l->t->dir, l->nobundle ? "ca.pem" :
		    "its CAs", ro->next.f.serial);
		changed = 1;
		l->b_next = 1;
		if (l->member)
			l->restart = 1;
	}
	/* Members running with a bundle without ca-next. */
	probe_all(ro);
	for (i = 0; i < ro->n; i++) {
		struct rleaf	*l = &ro->l[i];

		if (l->selected && l->member && l->connected == 1 &&
		    l->trusts_next == 0)
			l->restart = 1;
	}
	if (ro->rolling) {
		memset(&want, 0, sizeof(want));
		memset(&old, 0, sizeof(old));
		want.trust_ca = ro->next.cert;
		want.trust_key = ro->next.key;
		old.trust_ca = ro->cur.cert;
		old.trust_key = ro->cur.key;
		for (i = 0; i < ro->n; i++) {
			struct rleaf	*l = &ro->l[i];

			if (!l->restart)
				continue;
			if ((r = roll(ro, l, &want, &old)) !=
			    CMD_RETURN_NORMAL) {
				ret = r;
				goto out;
			}
			printf("%s: restarted: it accepts client certificates "
			    "of the new CA\n", l->t->label);
			changed = 1;
		}
	} else {
		warn_unreachable(ro);
		for (i = 0; i < ro->n; i++)
			if (ro->l[i].restart && ro->l[i].connected == 0)
				ro->l[i].restart = 0;	/* down */
		restart_advice(ro, "etcd loads trusted CAs only at start; "
		    "ca rotate -phase reissue waits for every member to "
		    "accept the new CA");
		for (i = 0; i < ro->n && !changed; i++)
			if (ro->l[i].restart) {
				ret = RENEW_EXIT_PRECOND;
				goto out;
			}
	}
	if (!changed)
		printf("add-trust: complete: every bundle holds %s\n",
		    ro->next.path);
	ret = changed ? RENEW_EXIT_RENEWED : CMD_RETURN_NORMAL;
 out:
	for (i = 0; i < ro->n; i++)
		discard(&ro->l[i]);
	free(certpem);
	free(text);
	if (keypem != NULL)
		pki_secret_free(keypem, keylen);
	return ret;
}

/*
 * The switch: ca-prev := ca, ca := ca-next in one set of files, then
 * ca-next removed.  The targets sign with the new CA afterwards.
 */
static int
switch_ca(struct rot *ro)
{
	struct pki_error	 err;
	struct pki_file		 more[2];
	char			*prevpath = NULL, *prevkey = NULL;
	int			 r;

	memset(&err, 0, sizeof(err));
	if ((prevpath = path_join(ro->dir, "ca-prev.pem")) == NULL ||
	    (prevkey = path_join(ro->dir, "ca-prev-key.pem")) == NULL) {
		log_err("out of memory");
		goto fail;
	}
	more[0] = (struct pki_file){ prevpath, ro->cur.pem, ro->cur.len,
	    0644 };
	more[1] = (struct pki_file){ prevkey, ro->cur.keypem, ro->cur.keylen,
	    0600 };
	if (write_ca_pair(ro->cur.path, ro->next.pem, ro->next.len,
	    ro->cur.keypath, ro->next.keypem, ro->next.keylen, more, 2) != 0)
		goto fail;
	if ((unlink(ro->next.keypath) == -1 && errno != ENOENT) ||
	    (unlink(ro->next.path) == -1 && errno != ENOENT)) {
		log_err("%s: %s", ro->next.path, strerror(errno));
		goto fail;
	}
	(void)sync_dir(ro->dir);
	printf("%s: the new CA signs from now on (serial %s); the old one is "
	    "%s\n", ro->cur.path, ro->next.f.serial, prevpath);
	free(prevpath);
	free(prevkey);
	prevpath = prevkey = NULL;
	/* Reload: the targets sign with the new CA. */
	if (state_load(ro) != 0)
		return -1;
	pki_cert_free(ro->ts.ca);
	pki_key_free(ro->ts.cakey);
	free(ro->ts.capem);
	ro->ts.ca = NULL;
	ro->ts.cakey = NULL;
	ro->ts.capem = NULL;
	if ((r = pki_cert_load(ro->cur.pem, ro->cur.len, ro->cur.path,
	    &ro->ts.ca, &err)) != 0 || (r = pki_key_load(ro->cur.keypem,
	    ro->cur.keylen, ro->cur.keypath, NULL, &ro->ts.cakey,
	    &err)) != 0) {
		log_pki(&err, r);
		return -1;
	}
	if ((ro->ts.capem = strdup(ro->cur.canon)) == NULL) {
		log_err("out of memory");
		return -1;
	}
	ro->ts.capemlen = ro->cur.canonlen;
	return 0;
 fail:
	free(prevpath);
	free(prevkey);
	return -1;
}

/* Re-signs l's leaf from ca.pem (same key, CSR JSON and profile). */
static int
reissue_leaf(struct rot *ro, struct rleaf *l)
{
	struct pki_error	 err;
	struct pki_set_update	 u;
	struct pki_roll_expect	 want, old;
	struct reissued		 rs;
	struct target		*t = l->t;
	struct pki_key		*key = NULL;
	char			*buf = NULL, oldserial[48];
	size_t			 len = 0;
	int			 r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	memset(&u, 0, sizeof(u));
	memset(&rs, 0, sizeof(rs));
	if (t->csr == NULL) {
		log_err("%s: no CSR JSON in the description", t->label);
		return CMD_RETURN_ERROR;
	}
	if (leaf_convert(l) != 0)
		return CMD_RETURN_ERROR;
	if ((r = reissue_read_set(t, PKI_SET_KEY, &buf, &len)) != 0) {
		if (r == 1)
			log_err("%s: %s: missing", t->label,
			    pki_set_path(t->set, PKI_SET_KEY));
		return CMD_RETURN_ERROR;
	}
	r = pki_key_load(buf, len, pki_set_path(t->set, PKI_SET_KEY), NULL,
	    &key, &err);
	pki_secret_free(buf, len + 1);
	if (r != 0) {
		log_pki(&err, r);
		return CMD_RETURN_ERROR;
	}
	if (!pki_cert_matches_key(l->leaf, key)) {
		log_err("%s: %s does not match %s: restore a complete set "
		    "(etcd-pki rollback) first", t->label,
		    pki_set_path(t->set, PKI_SET_KEY),
		    pki_set_path(t->set, PKI_SET_CERT));
		goto out;
	}
	if ((r = reissue_sign(&ro->ts, t, &l->lf, key, ro->now, 0, 1, &rs)) !=
	    CMD_RETURN_NORMAL) {
		ret = r;
		goto out;
	}
	u.data[PKI_SET_CERT] = rs.certpem;
	u.len[PKI_SET_CERT] = rs.certlen;
	u.data[PKI_SET_CSR] = rs.csrpem;
	u.len[PKI_SET_CSR] = rs.csrlen;
	u.meta = rs.meta;
	u.metalen = strlen(rs.meta);
	u.serial_hex = rs.f.serial_hex;
	u.now = ro->now;
	if ((r = pki_set_stage(t->set, &u, &l->gen, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	if (reissue_check_staged(t, l->gen, rs.certpem, rs.certlen,
	    key) != 0) {
		discard(l);
		ret = RENEW_EXIT_PRECOND;
		goto out;
	}
	snprintf(oldserial, sizeof(oldserial), "%s", l->lf.serial_hex);
	if (ro->rolling && l->member) {
		memset(&want, 0, sizeof(want));
		memset(&old, 0, sizeof(old));
		want.serial_hex = rs.f.serial_hex;
		want.trust_ca = ro->cur.cert;
		want.trust_key = ro->cur.key;
		old.serial_hex = oldserial;
		if ((r = roll(ro, l, &want, &old)) != CMD_RETURN_NORMAL) {
			ret = r;
			goto out;
		}
	} else if (activate(l) != 0)
		goto out;
	printf("%s: reissued by the new CA: serial %s -> %s%s\n", t->label,
	    l->lf.serial, rs.f.serial, ro->rolling && l->member ?
	    ", restarted" : "");
	if (l->member && !ro->rolling)
		l->restart = 1;
	ret = RENEW_EXIT_RENEWED;
 out:
	reissued_free(&rs);
	pki_key_free(key);
	return ret;
}

static int
phase_reissue(struct rot *ro)
{
	struct pki_roll_expect	 want, old;
	size_t			 i;
	int			 r, changed = 0, ret = CMD_RETURN_ERROR;

	if (!ro->next.present && !ro->prev.present) {
		log_err("no rotation in progress (no %s, no %s): run ca rotate "
		    "-phase add-trust first", ro->next.path, ro->prev.path);
		return RENEW_EXIT_PRECOND;
	}
	if (ro->next.present && ro->prev.present) {
		log_err("%s and %s both exist: finish the previous rotation "
		    "(-phase drop-old) before starting a new one",
		    ro->next.path, ro->prev.path);
		return RENEW_EXIT_PRECOND;
	}
	probe_all(ro);
	warn_unreachable(ro);
	if (ro->next.present) {
		/* Every member and client must trust the new CA first. */
		for (i = 0; i < ro->n; i++) {
			const struct rleaf	*l = &ro->l[i];

			if (!l->b_next)
				log_err("%s: %s/ca.pem does not hold the new CA "
				    "yet", l->t->label, l->t->dir);
			else if (l->connected == 1 && l->trusts_next == 0)
				log_err("%s: does not accept client "
				    "certificates of the new CA: restart it "
				    "(its bundle changed)", l->t->label);
		}
		if (!trust_complete(ro, 1)) {
			log_err("add-trust is not complete: run ca rotate "
			    "-phase add-trust (and restart the members)");
			return RENEW_EXIT_PRECOND;
		}
		if (switch_ca(ro) != 0)
			return CMD_RETURN_ERROR;
		changed = 1;
		probe_all(ro);
	}
	for (i = 0; i < ro->n; i++) {
		struct rleaf	*l = &ro->l[i];

		if (!l->selected)
			continue;
		if (l->leaf_iss != ISS_CUR) {
			r = reissue_leaf(ro, l);
			if (r == RENEW_EXIT_RENEWED) {
				changed = 1;
				continue;
			}
			ret = r;
			goto out;
		}
		if (l->member && l->connected == 1 &&
		    (l->served_client != ISS_CUR || (l->peer_url != NULL &&
		    l->served_peer != ISS_CUR)))
			l->restart = 1;
	}
	if (ro->rolling) {
		memset(&want, 0, sizeof(want));
		memset(&old, 0, sizeof(old));
		for (i = 0; i < ro->n; i++) {
			struct rleaf	*l = &ro->l[i];

			if (!l->restart)
				continue;
			want.serial_hex = l->lf.serial_hex;
			if ((r = roll(ro, l, &want, &old)) !=
			    CMD_RETURN_NORMAL) {
				ret = r;
				goto out;
			}
			printf("%s: restarted: it serves its certificate of the "
			    "new CA\n", l->t->label);
			changed = 1;
		}
	} else
		restart_advice(ro, "etcd re-reads leaf certificates on each new "
		    "connection, but open peer connections keep the old one; "
		    "ca rotate -phase drop-old checks what each member serves");
	if (!changed)
		printf("reissue: complete: every leaf is issued by %s\n",
		    ro->cur.path);
	ret = changed ? RENEW_EXIT_RENEWED : CMD_RETURN_NORMAL;
 out:
	for (i = 0; i < ro->n; i++)
		discard(&ro->l[i]);
	return ret;
}

/* Is there a ca-retired-*.pem in DIR? */
static int
has_retired(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	int		 found = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL)
		found = strncmp(de->d_name, "ca-retired-", 11) == 0;
	(void)closedir(d);
	return found;
}

/* ca-prev.* become ca-retired-<serial hex>.* (the key first). */
static int
retire(struct rot *ro)
{
	char	*c = NULL, *k = NULL, name[128];
	int	 ret = -1;

	snprintf(name, sizeof(name), "ca-retired-%s.pem",
	    ro->prev.f.serial_hex);
	if ((c = path_join(ro->dir, name)) == NULL)
		goto oom;
	snprintf(name, sizeof(name), "ca-retired-%s-key.pem",
	    ro->prev.f.serial_hex);
	if ((k = path_join(ro->dir, name)) == NULL)
		goto oom;
	if (ro->prev.keypem != NULL && rename(ro->prev.keypath, k) == -1) {
		log_err("%s: %s", ro->prev.keypath, strerror(errno));
		goto out;
	}
	if (rename(ro->prev.path, c) == -1) {
		log_err("%s: %s", ro->prev.path, strerror(errno));
		goto out;
	}
	(void)sync_dir(ro->dir);
	printf("%s: the old CA is retired (serial %s); the rotation is "
	    "complete\n", c, ro->prev.f.serial);
	ret = 0;
	goto out;
 oom:
	log_err("out of memory");
 out:
	free(c);
	free(k);
	return ret;
}

static int
phase_drop_old(struct rot *ro)
{
	struct pki_roll_expect	 want, old;
	const struct rca	*cas[1];
	char			*text = NULL;
	size_t			 i;
	int			 r, changed = 0, waiting = 0;
	int			 ret = CMD_RETURN_ERROR;

	if (ro->next.present) {
		log_err("%s exists: the rotation is in phase %s: run ca rotate "
		    "-phase %s first", ro->next.path,
		    phase_names[phase_of(ro)], phase_of(ro) ==
		    PHASE_ADD_TRUST ? "add-trust" : "reissue");
		return RENEW_EXIT_PRECOND;
	}
	if (!ro->prev.present) {
		if (has_retired(ro->dir)) {
			printf("drop-old: complete: no old CA left (%s is "
			    "missing)\n", ro->prev.path);
			return CMD_RETURN_NORMAL;
		}
		log_err("no rotation in progress (no %s): run ca rotate -phase "
		    "add-trust first", ro->prev.path);
		return RENEW_EXIT_PRECOND;
	}
	probe_all(ro);
	warn_unreachable(ro);
	for (i = 0; i < ro->n; i++) {
		const struct rleaf	*l = &ro->l[i];

		if (l->leaf_iss != ISS_CUR)
			log_err("%s: %s.pem is not issued by %s", l->t->label,
			    l->t->name, ro->cur.path);
		else if (l->connected == 1 && l->served_client != ISS_CUR)
			log_err("%s: %s serves a certificate not issued by %s: "
			    "restart it", l->t->label, l->client_url,
			    ro->cur.path);
		else if (l->connected == 1 && l->peer_url != NULL &&
		    l->served_peer != ISS_CUR)
			log_err("%s: %s serves a certificate not issued by %s: "
			    "restart it", l->t->label, l->peer_url,
			    ro->cur.path);
	}
	if (!issued_complete(ro, 1)) {
		log_err("reissue is not complete: run ca rotate -phase "
		    "reissue first");
		return RENEW_EXIT_PRECOND;
	}
	cas[0] = &ro->cur;
	for (i = 0; i < ro->n; i++) {
		struct rleaf	*l = &ro->l[i];

		if (!l->selected)
			continue;
		if (!l->nobundle && (l->ncerts != 1 || !l->b_cur)) {
			free(text);
			if ((text = bundle_text(cas, 1, NULL, 0)) == NULL) {
				log_err("out of memory");
				goto out;
			}
			if (write_bundle(ro, l, text, ro->rolling &&
			    l->member) != 0)
				goto out;
			printf("%s: %s/ca.pem: trusts only %s\n", l->t->label,
			    l->t->dir, ro->cur.path);
			changed = 1;
			l->b_prev = 0;
			if (l->member)
				l->restart = 1;
		}
		if (l->member && l->connected == 1 && l->trusts_prev == 1)
			l->restart = 1;
	}
	if (ro->rolling) {
		memset(&want, 0, sizeof(want));
		memset(&old, 0, sizeof(old));
		want.trust_ca = ro->cur.cert;
		want.trust_key = ro->cur.key;
		want.distrust_ca = ro->prev.cert;
		want.distrust_key = ro->prev.key;
		old.trust_ca = ro->cur.cert;
		old.trust_key = ro->cur.key;
		for (i = 0; i < ro->n; i++) {
			struct rleaf	*l = &ro->l[i];

			if (!l->restart)
				continue;
			if ((r = roll(ro, l, &want, &old)) !=
			    CMD_RETURN_NORMAL) {
				ret = r;
				goto out;
			}
			printf("%s: restarted: it refuses client certificates "
			    "of the old CA\n", l->t->label);
			changed = 1;
		}
	}
	/* Retire when no bundle and no reachable member trusts it. */
	for (i = 0; i < ro->n; i++)
		if (leaf_load(ro, &ro->l[i]) != 0)
			goto out;
	probe_all(ro);
	for (i = 0; i < ro->n; i++) {
		struct rleaf	*l = &ro->l[i];

		if (l->b_prev) {
			waiting = 1;
			if (!l->selected)
				printf("%s: %s/ca.pem still trusts the old CA "
				    "(not selected by -member)\n", l->t->label,
				    l->t->dir);
		} else if (l->connected == 1 && l->trusts_prev == 1) {
			waiting = 1;
			l->restart = 1;
		} else
			l->restart = 0;
	}
	if (waiting) {
		restart_advice(ro, "etcd loads trusted CAs only at start; "
		    "run ca rotate -phase drop-old again afterwards to retire "
		    "the old CA");
		ret = changed ? RENEW_EXIT_RENEWED : RENEW_EXIT_PRECOND;
		if (!changed)
			log_err("drop-old: waiting: the old CA is still "
			    "trusted (see above)");
		goto out;
	}
	if (retire(ro) != 0)
		goto out;
	ret = RENEW_EXIT_RENEWED;
 out:
	for (i = 0; i < ro->n; i++)
		discard(&ro->l[i]);
	free(text);
	return ret;
}

/* ---- shared setup ---------------------------------------------------------- */

static void
rot_free(struct rot *ro)
{
	size_t	i;

	for (i = 0; ro->l != NULL && i < ro->n; i++)
		leaf_clear(&ro->l[i]);
	free(ro->l);
	rca_clear(&ro->cur);
	rca_clear(&ro->next);
	rca_clear(&ro->prev);
	targets_free(&ro->ts);
	if (ro->rolling)
		rolling_free(&ro->rl);
}

static int
rot_init(struct rot *ro, struct opts *o, int lock)
{
	struct pki_error	 err;
	struct opts		 ko;
	const char		*v;
	int64_t			 ns;
	int			 r;

	memset(&err, 0, sizeof(err));
	memset(ro, 0, sizeof(*ro));
	ro->o = o;
	ro->cur.base = "ca";
	ro->next.base = "ca-next";
	ro->prev.base = "ca-prev";
	ro->now = time(NULL);
	ro->timeout_ms = PROBE_TIMEOUT_MS;
	if ((v = opts_str(o, OPT_TIMEOUT)) != NULL) {
		if (pki_duration_parse(v, &ns, &err) != 0 || ns < 1000000 ||
		    ns / 1000000 > 3600000) {
			log_err("-timeout: \"%s\": need a duration from 1ms to "
			    "1h (e.g. 5s)", v);
			return CMD_RETURN_USAGE;
		}
		ro->timeout_ms = (int)(ns / 1000000);
	}
	if (opts_str(o, OPT_CLUSTER) == NULL) {
		log_err("need -cluster DESC DIR (ca rotate and ca status work "
		    "on a cluster's directory)");
		return CMD_RETURN_USAGE;
	}
	if (o->nargs != 1) {
		log_err("-cluster DESC needs one argument, the cluster's "
		    "directory DIR (got %d)", o->nargs);
		return CMD_RETURN_USAGE;
	}
	ro->dir = o->args[0];
	/* Every leaf is loaded: the phase depends on all of them. */
	ko = *o;
	ko.set[OPT_MEMBER] = 0;
	ko.str[OPT_MEMBER] = NULL;
	if ((r = targets_load(&ko, 1, &ro->ts)) != CMD_RETURN_NORMAL)
		return r;
	if (pki_cluster_ca_cert_file(ro->ts.cl) != NULL) {
		log_err("%s: the description names an external CA (ca.cert_file "
		    "%s): ca rotate replaces only a CA kept in DIR/ca.pem",
		    opts_str(o, OPT_CLUSTER), pki_cluster_ca_cert_file(
		    ro->ts.cl));
		return CMD_RETURN_USAGE;
	}
	if (leaves_init(ro) != 0)
		return CMD_RETURN_USAGE;
	if (lock && (r = targets_lock_open(&ro->ts)) != CMD_RETURN_NORMAL)
		return r;
	if (state_load(ro) != 0)
		return CMD_RETURN_ERROR;
	return CMD_RETURN_NORMAL;
}

static int
parse_cmd(const struct opts *o, enum opt_id id, const char *flag,
    struct run_cmd *rc)
{
	const char	*v = opts_str(o, id);

	if (v == NULL)
		return 0;
	return run_parse(rc, flag, v);
}

static int
cmd_ca_rotate_exec(struct opts *o)
{
	struct rot	 ro;
	const char	*phase = opts_str(o, OPT_PHASE);
	const char	*restart = opts_str(o, OPT_RESTART);
	struct rolling	 rl;
	int		 ret;

	memset(&rl, 0, sizeof(rl));
	if (phase == NULL || (strcmp(phase, "add-trust") != 0 &&
	    strcmp(phase, "reissue") != 0 && strcmp(phase, "drop-old") != 0)) {
		log_err("-phase: %s%s%s: must be add-trust, reissue or drop-old",
		    phase != NULL ? "\"" : "", phase != NULL ? phase : "missing",
		    phase != NULL ? "\"" : "");
		return CMD_RETURN_USAGE;
	}
	if (restart != NULL && strcmp(restart, "none") != 0 &&
	    strcmp(restart, "rolling") != 0) {
		log_err("-restart: \"%s\": must be rolling or none", restart);
		return CMD_RETURN_USAGE;
	}
	if (restart != NULL && strcmp(restart, "none") == 0) {
		if (o->set[OPT_RESTART_CMD] || o->set[OPT_STOP_CMD] ||
		    o->set[OPT_START_CMD] || o->set[OPT_GATE_TIMEOUT] ||
		    o->set[OPT_SETTLE] || o->set[OPT_LOCK_TTL] ||
		    o->set[OPT_MAX_LAG] || o->set[OPT_RECORD]) {
			log_err("-restart none writes files only: the flags of "
			    "-restart rolling do not apply");
			return CMD_RETURN_USAGE;
		}
	} else {
		if (parse_cmd(o, OPT_RESTART_CMD, "-restart-cmd",
		    &rl.restart) != 0 || parse_cmd(o, OPT_STOP_CMD,
		    "-stop-cmd", &rl.stop) != 0 || parse_cmd(o, OPT_START_CMD,
		    "-start-cmd", &rl.start) != 0 ||
		    rolling_flags(o, &rl) != 0) {
			rolling_free(&rl);
			return CMD_RETURN_USAGE;
		}
		rl.quiet = o->b[OPT_QUIET];
	}
	if ((ret = rot_init(&ro, o, 1)) != CMD_RETURN_NORMAL) {
		rot_free(&ro);
		if (restart == NULL || strcmp(restart, "none") != 0)
			rolling_free(&rl);
		return ret;
	}
	if (restart == NULL || strcmp(restart, "none") != 0) {
		ro.rolling = 1;
		ro.rl = rl;
	}
	ro.quiet = o->b[OPT_QUIET];
	/* A switch interrupted after the set was written: finish it. */
	if (ro.next.present && ro.prev.present &&
	    strcmp(ro.next.canon, ro.cur.canon) == 0) {
		if ((unlink(ro.next.keypath) == -1 && errno != ENOENT) ||
		    (unlink(ro.next.path) == -1 && errno != ENOENT)) {
			log_err("%s: %s", ro.next.path, strerror(errno));
			ret = CMD_RETURN_ERROR;
			goto out;
		}
		printf("%s: removed (the switch to the new CA had not "
		    "finished)\n", ro.next.path);
		if (state_load(&ro) != 0) {
			ret = CMD_RETURN_ERROR;
			goto out;
		}
	}
	if (strcmp(phase, "add-trust") == 0)
		ret = phase_add_trust(&ro);
	else if (strcmp(phase, "reissue") == 0)
		ret = phase_reissue(&ro);
	else
		ret = phase_drop_old(&ro);
 out:
	rot_free(&ro);
	return ret;
}

/* ---- ca status ---------------------------------------------------------- */

static const char *
iss_word(const struct rot *ro, int iss)
{
	if (iss == ISS_UNKNOWN)
		return NULL;
	if (!ro->next.present && !ro->prev.present)
		return iss == ISS_CUR ? "ca" : "other";
	switch (iss) {
	case ISS_CUR:
		return ro->next.present ? "old" : "new";
	case ISS_NEXT:
		return "new";
	case ISS_PREV:
		return "old";
	default:
		return "other";
	}
}

/* old, old+new, new, none (+other) for l's bundle. */
static void
bundle_word(const struct rot *ro, const struct rleaf *l, char *buf,
    size_t len)
{
	int	has_old, has_new;

	if (!ro->next.present && !ro->prev.present) {
		snprintf(buf, len, "%s%s", l->b_cur ? "ca" : "none",
		    l->b_other ? "+other" : "");
		return;
	}
	has_old = ro->next.present ? l->b_cur : l->b_prev;
	has_new = ro->next.present ? l->b_next : l->b_cur;
	snprintf(buf, len, "%s%s%s", has_old && has_new ? "old+new" :
	    has_old ? "old" : has_new ? "new" : "none", l->b_other ? "+other" :
	    "", l->nobundle ? " (DIR/ca.pem)" : "");
}

static int
trusts_new(const struct rot *ro, const struct rleaf *l)
{
	return ro->next.present ? l->trusts_next : l->trusts_cur;
}

static int
trusts_old(const struct rot *ro, const struct rleaf *l)
{
	return ro->next.present ? l->trusts_cur : ro->prev.present ?
	    l->trusts_prev : l->trusts_cur;
}

static const char *
yesno(int v)
{
	return v < 0 ? "?" : v ? "yes" : "no";
}

static json_t *
ca_json(const struct rca *c)
{
	char	na[32];

	if (!c->present)
		return json_null();
	status_date(c->f.not_after, na, sizeof(na));
	return json_pack("{s:s, s:s, s:s, s:s, s:b}", "path", c->path,
	    "serial", c->f.serial, "subject", c->f.subject, "not_after", na,
	    "key", c->key != NULL);
}

static json_t *
jword(const char *w)
{
	return w != NULL ? json_string(w) : json_null();
}

static json_t *
jbool(int v)
{
	return v < 0 ? json_null() : json_boolean(v);
}

static int
status_json(const struct rot *ro, enum phase ph)
{
	json_t	*top = NULL, *mem = NULL, *cli = NULL, *e;
	char	 b[64], now[32], *text;
	size_t	 i;

	status_date((int64_t)ro->now, now, sizeof(now));
	if ((top = json_object()) == NULL || (mem = json_array()) == NULL ||
	    (cli = json_array()) == NULL)
		goto oom;
	json_object_set_new(top, "version", json_integer(1));
	json_object_set_new(top, "generated", json_string(now));
	json_object_set_new(top, "phase", json_string(phase_names[ph]));
	json_object_set_new(top, "verified",
	    json_boolean(ro->unreachable == 0));
	json_object_set_new(top, "ca", ca_json(&ro->cur));
	json_object_set_new(top, "next", ca_json(&ro->next));
	json_object_set_new(top, "prev", ca_json(&ro->prev));
	for (i = 0; i < ro->n; i++) {
		const struct rleaf	*l = &ro->l[i];

		bundle_word(ro, l, b, sizeof(b));
		if (l->member)
			e = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, "
			    "s:o}", "name", l->t->name, "bundle", b, "leaf",
			    jword(iss_word(ro, l->leaf_iss)), "served_client",
			    jword(iss_word(ro, l->served_client)),
			    "served_peer", jword(iss_word(ro, l->served_peer)),
			    "trusts_new", jbool(trusts_new(ro, l)),
			    "trusts_old", jbool(trusts_old(ro, l)), "error",
			    l->connected == 0 ? json_string(l->error) :
			    json_null());
		else
			e = json_pack("{s:s, s:s, s:o}", "name", l->t->name,
			    "bundle", b, "leaf", jword(iss_word(ro,
			    l->leaf_iss)));
		if (e == NULL || json_array_append_new(l->member ? mem : cli,
		    e) != 0)
			goto oom;
	}
	json_object_set_new(top, "members", mem);
	json_object_set_new(top, "clients", cli);
	mem = cli = NULL;
	if ((text = json_dumps(top, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) ==
	    NULL)
		goto oom;
	printf("%s\n", text);
	free(text);
	json_decref(top);
	return 0;
 oom:
	log_err("out of memory");
	json_decref(top);
	json_decref(mem);
	json_decref(cli);
	return -1;
}

static void
status_text(const struct rot *ro, enum phase ph)
{
	const struct rca	*cas[3];
	char			 b[64], na[32];
	const char		*w;
	size_t			 i;
	int			 k;

	printf("phase: %s%s\n", phase_names[ph], ro->unreachable > 0 ?
	    " (unverified: computed from the files only for unreachable "
	    "members)" : "");
	cas[0] = &ro->cur;
	cas[1] = &ro->next;
	cas[2] = &ro->prev;
	for (k = 0; k < 3; k++) {
		if (!cas[k]->present)
			continue;
		status_date(cas[k]->f.not_after, na, sizeof(na));
		printf("%-8s %s: serial %s, not after %s\n", k == 0 ? "ca" :
		    k == 1 ? "ca-next" : "ca-prev", cas[k]->path,
		    cas[k]->f.serial, na);
	}
	printf("\n%-16s %-14s %-6s %-13s %-11s %-10s %s\n", "MEMBER", "BUNDLE",
	    "LEAF", "SERVED-CLIENT", "SERVED-PEER", "TRUSTS-NEW",
	    "TRUSTS-OLD");
	for (i = 0; i < ro->n; i++) {
		const struct rleaf	*l = &ro->l[i];

		if (!l->member)
			continue;
		bundle_word(ro, l, b, sizeof(b));
		w = iss_word(ro, l->leaf_iss);
		printf("%-16s %-14s %-6s ", l->t->name, b, w != NULL ? w :
		    "missing");
		w = iss_word(ro, l->served_client);
		printf("%-13s ", w != NULL ? w : "?");
		w = iss_word(ro, l->served_peer);
		printf("%-11s %-10s %s\n", w != NULL ? w : "?",
		    yesno(trusts_new(ro, l)), yesno(trusts_old(ro, l)));
	}
	printf("\n%-16s %-14s %s\n", "CLIENT", "BUNDLE", "LEAF");
	for (i = 0; i < ro->n; i++) {
		const struct rleaf	*l = &ro->l[i];

		if (l->member)
			continue;
		bundle_word(ro, l, b, sizeof(b));
		w = iss_word(ro, l->leaf_iss);
		printf("%-16s %-14s %s\n", l->t->name, b, w != NULL ? w :
		    "missing");
	}
}

static int
cmd_ca_status_exec(struct opts *o)
{
	struct rot	 ro;
	const char	*v = opts_str(o, OPT_O);
	enum phase	 ph;
	size_t		 i;
	int		 json = 0, ret;

	if (v != NULL) {
		if (strcmp(v, "json") == 0)
			json = 1;
		else if (strcmp(v, "text") != 0) {
			log_err("-o: %s: expected text or json", v);
			return CMD_RETURN_USAGE;
		}
	}
	if ((ret = rot_init(&ro, o, 0)) != CMD_RETURN_NORMAL)
		goto out;
	/* A switch interrupted before ca-next was removed. */
	if (ro.next.present && strcmp(ro.next.canon, ro.cur.canon) == 0)
		rca_clear(&ro.next);
	probe_all(&ro);
	for (i = 0; i < ro.n; i++)
		if (ro.l[i].connected == 0)
			log_err("%s: cannot probe: %s", ro.l[i].t->label,
			    ro.l[i].error);
	ph = phase_of(&ro);
	if (json) {
		if (status_json(&ro, ph) != 0) {
			ret = CMD_RETURN_ERROR;
			goto out;
		}
	} else
		status_text(&ro, ph);
	ret = ro.unreachable > 0 ? CMD_RETURN_ERROR : CMD_RETURN_NORMAL;
 out:
	rot_free(&ro);
	return ret;
}

const struct cmd_entry cmd_ca_rotate_entry = {
	"ca rotate",
	"replace the cluster's CA: add-trust, reissue, drop-old",
	"        PROG ca rotate -phase add-trust|reissue|drop-old -cluster DESC\n"
	"            [-member NAME] [-restart rolling|none] [flags] DIR\n"
	"\n"
	"Replaces DIR/ca.pem by a new CA in three phases, each run once for\n"
	"the cluster and rerun to resume: add-trust makes DIR/ca-next.pem and\n"
	"adds it to every member's and client's bundle DIR/LEAF/ca.pem;\n"
	"reissue makes it the signing CA (the old one kept as ca-prev.pem)\n"
	"and re-signs every leaf with its key; drop-old leaves only the new\n"
	"CA in the bundles and retires the old one as\n"
	"ca-retired-SERIAL.pem.  Members are restarted one at a time\n"
	"(-restart rolling, the default) or not (-restart none: files only).\n"
	"Exit status: 0 the phase was complete, 10 something changed, 3 not\n"
	"this phase yet (the message says what is missing), 75 the lock is\n"
	"held, 4/5 a restart was rolled back (or that failed), 1 error.",
	ca_rotate_opts,
	cmd_ca_rotate_exec,
	1,
	0
};

const struct cmd_entry cmd_ca_status_entry = {
	"ca status",
	"show the phase of a CA rotation, per member and client",
	"        PROG ca status -cluster DESC [-o text|json] [-timeout DURATION]"
	" DIR\n"
	"\n"
	"Prints the rotation's phase (idle, add-trust, reissue, drop-old)\n"
	"and, per member, its bundle (old, old+new, new), the issuer of its\n"
	"leaf on disk and as served on its client and peer ports, and\n"
	"whether it accepts client certificates of the new and the old CA\n"
	"(TLS probes with certificates minted in memory); per client, its\n"
	"bundle and leaf.  Exit status 0, or 1 when a member could not be\n"
	"probed (the phase is then computed from the files for it).",
	ca_status_opts,
	cmd_ca_status_exec,
	1,
	0
};
