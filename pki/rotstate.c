/*
 * rotstate.c: the state of a CA rotation (rollover.md 8.9), derived from
 * the files in DIR (ca.pem, ca-next.pem, ca-prev.pem and each leaf's
 * ca.pem bundle) and TLS probes of the members, never from a progress
 * file, so a rerun resumes where a run stopped; and the model "ca
 * status" prints.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rotation.h"

#define PROBE_TIMEOUT_MS	5000

static const char *const phase_names[] = {
	"idle", "add-trust", "reissue", "drop-old", "invalid"
};

const char *
pki_rot_phase_name(int phase)
{
	if (phase < PKI_ROT_IDLE || phase > PKI_ROT_INVALID)
		return "invalid";
	return phase_names[phase];
}

/* ---- the CAs --------------------------------------------------------- */

void
pki_rot_ca_clear(struct rca *c)
{
	pki_ca_free(c->ca);
	pki_cert_free(c->probe);
	pki_key_free(c->probekey);
	c->ca = NULL;
	c->probe = NULL;
	c->probekey = NULL;
}

int
pki_rot_ca_load(struct pki_rotation *ro, struct rca *c, int need_key)
{
	struct pki_error	err;
	int			r;

	memset(&err, 0, sizeof(err));
	pki_rot_ca_clear(c);
	if (c->path == NULL && ((r = pki_cldir_ca_path(NULL, ro->dir,
	    c->which, 0, &c->path, &err)) != PKI_OK ||
	    (r = pki_cldir_ca_path(NULL, ro->dir, c->which, 1, &c->keypath,
	    &err)) != PKI_OK)) {
		pki_note_err(&ro->nt, NULL, &err, r);
		return -1;
	}
	if ((r = pki_ca_load(c->path, c->keypath, PKI_CA_ABSENT_OK |
	    (need_key ? 0 : PKI_CA_KEY_OPTIONAL), ro->ts->password, &ro->nt,
	    &c->ca,
	    &err)) != PKI_OK) {
		pki_note_err(&ro->nt, NULL, &err, r);
		return -1;
	}
	return 0;
}

int
pki_rot_mint_probe(struct pki_rotation *ro, struct rca *c)
{
	struct pki_error	err;
	int			r;

	memset(&err, 0, sizeof(err));
	if (!RCA_HAS(c) || c->ca->key == NULL)
		return 0;
	if ((r = pki_probe_cert_new(c->ca->cert, c->ca->key, &c->probe,
	    &c->probekey, &err)) != PKI_OK) {
		pki_note_err(&ro->nt, NULL, &err, r);
		return -1;
	}
	return 0;
}

/* Which of DIR's CAs issued cert (signature and validity at now). */
static int
issuer_of(const struct pki_rotation *ro, const struct pki_cert *cert)
{
	const struct rca	*cas[3];
	size_t			 i;

	cas[ISS_CUR] = &ro->cur;
	cas[ISS_NEXT] = &ro->next;
	cas[ISS_PREV] = &ro->prev;
	for (i = 0; i < 3; i++)
		if (RCA_HAS(cas[i]) && pki_cert_verify_bundle(cert,
		    cas[i]->ca->canon, cas[i]->ca->canonlen, cas[i]->path,
		    ro->now, NULL) == 0)
			return (int)i;
	return ISS_OTHER;
}

/* ---- the leaves ----------------------------------------------------- */

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

	if (!RCA_HAS(c))
		return 0;
	for (i = 0; i < l->ncerts; i++)
		if (strcmp(l->certs[i], c->ca->canon) == 0)
			return 1;
	return 0;
}

/* Which CAs l's bundle holds (no bundle: DIR/ca.pem is trusted). */
static void
bundle_state(const struct pki_rotation *ro, struct rleaf *l)
{
	size_t	i;

	l->b_other = 0;
	if (l->nobundle) {
		l->b_cur = 1;
		l->b_next = l->b_prev = 0;
		return;
	}
	l->b_cur = in_bundle(l, &ro->cur);
	l->b_next = in_bundle(l, &ro->next);
	l->b_prev = in_bundle(l, &ro->prev);
	for (i = 0; i < l->ncerts; i++)
		if (strcmp(l->certs[i], ro->cur.ca->canon) != 0 &&
		    (!RCA_HAS(&ro->next) ||
		    strcmp(l->certs[i], ro->next.ca->canon) != 0) &&
		    (!RCA_HAS(&ro->prev) ||
		    strcmp(l->certs[i], ro->prev.ca->canon) != 0))
			l->b_other = 1;
}

/*
 * Reads dir/name as it is configured (through current/ for generations;
 * ca status reads without the locks, so the set is not opened): 0, 1
 * when it is missing, -1 after a note.  *path is malloc'ed.
 */
static int
read_leaf_file(struct pki_rotation *ro, const char *dir, const char *name,
    char **path, char **buf, size_t *len)
{
	struct pki_error	err;
	struct stat		st;
	int			r;

	memset(&err, 0, sizeof(err));
	*buf = NULL;
	*len = 0;
	if ((*path = pki_path_join(dir, name)) == NULL) {
		pki_note(&ro->nt, PKI_NOTE_ERROR, NULL, "out of memory");
		return -1;
	}
	if (stat(*path, &st) == -1 && errno == ENOENT)
		return 1;
	if ((r = pki_input_read(*path, 0, PKI_MAX_INPUT, buf, len, &err)) !=
	    PKI_OK) {
		pki_note_err(&ro->nt, NULL, &err, r);
		return -1;
	}
	return 0;
}

int
pki_rot_leaf_load(struct pki_rotation *ro, struct rleaf *l)
{
	struct pki_error	 err;
	struct pki_target	*t = l->t;
	char			*buf = NULL, *p = NULL, name[NAME_MAX + 1];
	size_t			 len = 0;
	int			 r, ret = -1;

	memset(&err, 0, sizeof(err));
	leaf_clear(l);
	l->leaf_iss = ISS_UNKNOWN;
	if ((r = read_leaf_file(ro, t->dir, PKI_CLDIR_BUNDLE, &p, &buf,
	    &len)) < 0)
		goto out;
	l->nobundle = r == 1;
	if (r == 0 && (r = pki_bundle_split(buf, len, p, &l->certs,
	    &l->ncerts, &err)) != PKI_OK) {
		pki_note_err(&ro->nt, NULL, &err, r);
		goto out;
	}
	free(buf);
	free(p);
	buf = p = NULL;
	bundle_state(ro, l);
	snprintf(name, sizeof(name), "%s.pem", t->name);
	if ((r = read_leaf_file(ro, t->dir, name, &p, &buf, &len)) < 0)
		goto out;
	if (r == 0) {
		if ((r = pki_cert_load(buf, len, p, &l->leaf, &err)) != 0 ||
		    (r = pki_cert_facts(l->leaf, &l->lf, &err)) != 0) {
			pki_note_err(&ro->nt, NULL, &err, r);
			goto out;
		}
		l->leaf_iss = issuer_of(ro, l->leaf);
	}
	ret = 0;
 out:
	free(buf);
	free(p);
	return ret;
}

/* ---- probes ----------------------------------------------------------- */

/* One probe of u with ca's client certificate: *accepted, *served. */
static int
probe_with(struct pki_rotation *ro, struct rleaf *l, const struct pki_url *u,
    const struct rca *ca, int *accepted, int *served)
{
	struct pki_error	 err;
	struct pki_cert		*sc = NULL;
	int			 r, acc = 0, ret = -1;

	memset(&err, 0, sizeof(err));
	if (ca == NULL)
		r = ro->ops->peer_cert(ro->ops_arg, u->host, u->port,
		    ro->timeout_ms, &sc, &err);
	else
		r = ro->ops->tls_probe(ro->ops_arg, u->host, u->port,
		    ca->probe, ca->probekey, ro->timeout_ms, &sc, &acc, &err);
	if (r != 0)
		snprintf(l->error, sizeof(l->error), "%s", err.text);
	else {
		if (accepted != NULL)
			*accepted = acc;
		if (served != NULL && sc != NULL)
			*served = issuer_of(ro, sc);
		ret = 0;
	}
	pki_cert_free(sc);
	return ret;
}

/* Probes member l: what it serves and which CAs' clients it accepts. */
static void
leaf_probe(struct pki_rotation *ro, struct rleaf *l)
{
	l->connected = -1;
	l->served_client = l->served_peer = ISS_UNKNOWN;
	l->trusts_cur = l->trusts_next = l->trusts_prev = -1;
	l->error[0] = '\0';
	if (!l->member || l->cu == NULL)
		return;
	l->connected = 0;
	if (probe_with(ro, l, l->cu, &ro->cur, &l->trusts_cur,
	    &l->served_client) != 0)
		goto unreachable;
	if (RCA_HAS(&ro->next) && ro->next.probe != NULL && probe_with(ro, l,
	    l->cu, &ro->next, &l->trusts_next, NULL) != 0)
		goto unreachable;
	if (RCA_HAS(&ro->prev) && ro->prev.probe != NULL && probe_with(ro, l,
	    l->cu, &ro->prev, &l->trusts_prev, NULL) != 0)
		goto unreachable;
	if (l->pu != NULL && probe_with(ro, l, l->pu, NULL, NULL,
	    &l->served_peer) != 0)
		goto unreachable;
	l->connected = 1;
	return;
 unreachable:
	ro->unreachable++;
	l->served_client = l->served_peer = ISS_UNKNOWN;
	l->trusts_cur = l->trusts_next = l->trusts_prev = -1;
}

void
pki_rot_probe_all(struct pki_rotation *ro)
{
	size_t	i;

	ro->unreachable = 0;
	for (i = 0; i < ro->n; i++)
		leaf_probe(ro, &ro->l[i]);
}

int
pki_rot_state_load(struct pki_rotation *ro)
{
	size_t	i;

	if (pki_rot_ca_load(ro, &ro->cur, 1) != 0 ||
	    pki_rot_ca_load(ro, &ro->next, 1) != 0 ||
	    pki_rot_ca_load(ro, &ro->prev, 0) != 0)
		return -1;
	if (!RCA_HAS(&ro->cur)) {
		pki_note(&ro->nt, PKI_NOTE_ERROR, NULL, "%s: missing: issue "
		    "the cluster first (cluster issue)", ro->cur.path);
		return -1;
	}
	if (pki_rot_mint_probe(ro, &ro->cur) != 0 ||
	    pki_rot_mint_probe(ro, &ro->next) != 0 ||
	    pki_rot_mint_probe(ro, &ro->prev) != 0)
		return -1;
	for (i = 0; i < ro->n; i++)
		if (pki_rot_leaf_load(ro, &ro->l[i]) != 0)
			return -1;
	return 0;
}

/* ---- the phase --------------------------------------------------------- */

int
pki_rot_trust_complete(const struct pki_rotation *ro)
{
	size_t	i;

	for (i = 0; i < ro->n; i++) {
		const struct rleaf	*l = &ro->l[i];

		if (!l->b_next || (l->connected == 1 && l->trusts_next == 0))
			return 0;
	}
	return 1;
}

int
pki_rot_issued_complete(const struct pki_rotation *ro)
{
	size_t	i;

	for (i = 0; i < ro->n; i++) {
		const struct rleaf	*l = &ro->l[i];

		if (l->leaf_iss != ISS_CUR)
			return 0;
		if (l->connected == 1 && (l->served_client != ISS_CUR ||
		    (l->peer_url != NULL && l->served_peer != ISS_CUR)))
			return 0;
	}
	return 1;
}

int
pki_rot_phase(const struct pki_rotation *ro)
{
	if (!RCA_HAS(&ro->next) && !RCA_HAS(&ro->prev))
		return PKI_ROT_IDLE;
	if (RCA_HAS(&ro->next) && RCA_HAS(&ro->prev))
		return PKI_ROT_INVALID;
	if (RCA_HAS(&ro->next))
		return pki_rot_trust_complete(ro) ? PKI_ROT_REISSUE :
		    PKI_ROT_ADD_TRUST;
	if (!pki_rot_issued_complete(ro))
		return PKI_ROT_REISSUE;
	return PKI_ROT_DROP_OLD;
}

/* ---- opening --------------------------------------------------------- */

void
pki_rot_free(struct pki_rotation *ro)
{
	size_t	i;

	if (ro == NULL)
		return;
	for (i = 0; ro->l != NULL && i < ro->n; i++)
		leaf_clear(&ro->l[i]);
	free(ro->l);
	pki_rot_ca_clear(&ro->cur);
	pki_rot_ca_clear(&ro->next);
	pki_rot_ca_clear(&ro->prev);
	free(ro->cur.path);
	free(ro->cur.keypath);
	free(ro->next.path);
	free(ro->next.keypath);
	free(ro->prev.path);
	free(ro->prev.keypath);
	pki_targets_free(ro->ts);
	free(ro->dir);
	free(ro);
}

/* Sets up ro->l from the targets (every leaf of the description). */
static int
leaves_init(struct pki_rotation *ro, const char *member, const char *desc)
{
	struct pki_cldir_leaf	*v = NULL;
	struct pki_error	 err;
	size_t			 i, nv = 0, found = 0;

	memset(&err, 0, sizeof(err));
	if ((ro->l = calloc(ro->ts->n + 1, sizeof(*ro->l))) == NULL ||
	    pki_cldir_leaves(ro->cl, ro->dir, NULL, &v, &nv, &err) != 0) {
		pki_note(&ro->nt, PKI_NOTE_ERROR, NULL, "out of memory");
		return PKI_ERR_ALLOC;
	}
	ro->n = ro->ts->n;
	for (i = 0; i < ro->n; i++) {
		struct rleaf	*l = &ro->l[i];

		l->t = &ro->ts->t[i];
		l->connected = -1;
		l->leaf_iss = ISS_UNKNOWN;
		l->member = v[i].member;
		l->client_url = v[i].client_url;
		l->peer_url = v[i].peer_url;
		l->cu = v[i].client_url_parts;
		l->pu = v[i].peer_url_parts;
		l->selected = member == NULL || strcmp(member,
		    l->t->name) == 0;
		found += l->selected;
	}
	pki_cldir_leaves_free(v, nv);
	if (found == 0) {
		pki_note(&ro->nt, PKI_NOTE_ERROR, NULL, "-member %s: no such "
		    "member or client in %s", member, desc);
		return PKI_ERR_ARG;
	}
	return PKI_OK;
}

/* Every leaf of the description (the phase depends on all of them), its
 * CA refused when it is not kept in DIR. */
static int
rot_targets(struct pki_rotation *ro, const char *desc, struct pki_error *err)
{
	int	r;

	if ((r = pki_targets_new(&ro->ts, err)) != PKI_OK ||
	    (ro->pw != NULL && (r = pki_targets_ca_password(ro->ts, ro->pw,
	    ro->pwlen, err)) != PKI_OK) ||
	    (r = pki_targets_add_cluster(ro->ts, ro->cl, desc, ro->dir, NULL,
	    1, &ro->nt, err)) != PKI_OK)
		return r;
	if (pki_cluster_ca_cert_file(ro->cl) != NULL)
		return pki_err(err, PKI_ERR_ARG, "%s: the description names an "
		    "external CA (ca.cert_file %s): ca rotate replaces only a "
		    "CA kept in DIR/ca.pem", desc,
		    pki_cluster_ca_cert_file(ro->cl));
	return PKI_OK;
}

int
pki_rot_open(const struct pki_cluster *cl, const char *desc, const char *dir,
    const struct pki_rot_opts *o, struct pki_rotation **out)
{
	struct pki_rotation	*ro;
	struct pki_error	 err;
	int			 r;

	*out = NULL;
	memset(&err, 0, sizeof(err));
	if ((*out = ro = calloc(1, sizeof(*ro))) == NULL ||
	    (ro->dir = strdup(dir)) == NULL) {
		pki_note(&o->nt, PKI_NOTE_ERROR, NULL, "out of memory");
		pki_rot_free(ro);
		*out = NULL;
		return PKI_ERR_ALLOC;
	}
	ro->cl = cl;
	ro->nt = o->nt;
	ro->progress = o->progress;
	ro->sign_policy = o->sign_policy;
	ro->pw = o->ca_key_password;
	ro->pwlen = o->ca_key_passwordlen;
	ro->now = o->now != 0 ? o->now : time(NULL);
	ro->timeout_ms = o->probe_timeout_ms > 0 ? o->probe_timeout_ms :
	    PROBE_TIMEOUT_MS;
	ro->ops = o->ops != NULL ? o->ops : pki_etcd_ops_default();
	ro->ops_arg = o->ops_arg;
	ro->cur.which = PKI_CA_CUR;
	ro->next.which = PKI_CA_NEXT;
	ro->prev.which = PKI_CA_PREV;
	if ((r = rot_targets(ro, desc, &err)) != PKI_OK ||
	    (r = leaves_init(ro, o->member, desc)) != PKI_OK ||
	    (o->lock && (r = pki_targets_lock(ro->ts, &err)) != PKI_OK)) {
		if (err.code != 0)
			pki_note_err(&ro->nt, NULL, &err, r);
		goto fail;
	}
	if (pki_rot_state_load(ro) != 0) {
		r = PKI_ERR_IO;
		goto fail;
	}
	return PKI_OK;
 fail:
	pki_rot_free(ro);
	*out = NULL;
	return r;
}

/* ---- the model of ca status ---------------------------------------------- */

/* What an ISS_* is called in the phase: ca, old, new or other. */
static const char *
iss_word(const struct pki_rotation *ro, int iss)
{
	if (iss == ISS_UNKNOWN)
		return NULL;
	if (!RCA_HAS(&ro->next) && !RCA_HAS(&ro->prev))
		return iss == ISS_CUR ? "ca" : "other";
	switch (iss) {
	case ISS_CUR:
		return RCA_HAS(&ro->next) ? "old" : "new";
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
bundle_word(const struct pki_rotation *ro, const struct rleaf *l, char *buf,
    size_t len)
{
	int	has_old, has_new;

	if (!RCA_HAS(&ro->next) && !RCA_HAS(&ro->prev)) {
		snprintf(buf, len, "%s%s", l->b_cur ? "ca" : "none",
		    l->b_other ? "+other" : "");
		return;
	}
	has_old = RCA_HAS(&ro->next) ? l->b_cur : l->b_prev;
	has_new = RCA_HAS(&ro->next) ? l->b_next : l->b_cur;
	snprintf(buf, len, "%s%s%s", has_old && has_new ? "old+new" :
	    has_old ? "old" : has_new ? "new" : "none", l->b_other ? "+other" :
	    "", l->nobundle ? " (DIR/ca.pem)" : "");
}

static void
ca_status(const struct rca *c, struct pki_rot_ca_status *cs)
{
	memset(cs, 0, sizeof(*cs));
	cs->path = c->path;
	if (!RCA_HAS(c))
		return;
	cs->present = 1;
	cs->serial = c->ca->f.serial;
	cs->subject = c->ca->f.subject;
	cs->not_after = c->ca->f.not_after;
	cs->has_key = c->ca->key != NULL;
}

int
pki_rot_status(struct pki_rotation *ro, struct pki_rot_status *st)
{
	size_t	i;

	memset(st, 0, sizeof(*st));
	/* A switch interrupted before ca-next was removed. */
	if (RCA_HAS(&ro->next) && strcmp(ro->next.ca->canon,
	    ro->cur.ca->canon) == 0)
		pki_rot_ca_clear(&ro->next);
	pki_rot_probe_all(ro);
	if ((st->leaves = calloc(ro->n + 1, sizeof(*st->leaves))) == NULL)
		return PKI_ERR_ALLOC;
	st->n = ro->n;
	st->phase = pki_rot_phase(ro);
	st->verified = ro->unreachable == 0;
	st->now = ro->now;
	ca_status(&ro->cur, &st->ca[PKI_CA_CUR]);
	ca_status(&ro->next, &st->ca[PKI_CA_NEXT]);
	ca_status(&ro->prev, &st->ca[PKI_CA_PREV]);
	for (i = 0; i < ro->n; i++) {
		const struct rleaf		*l = &ro->l[i];
		struct pki_rot_leaf_status	*ls = &st->leaves[i];

		ls->name = l->t->name;
		ls->label = l->t->label;
		ls->member = l->member;
		bundle_word(ro, l, ls->bundle, sizeof(ls->bundle));
		ls->leaf = iss_word(ro, l->leaf_iss);
		ls->served_client = iss_word(ro, l->served_client);
		ls->served_peer = iss_word(ro, l->served_peer);
		ls->trusts_new = RCA_HAS(&ro->next) ? l->trusts_next :
		    l->trusts_cur;
		ls->trusts_old = RCA_HAS(&ro->next) ? l->trusts_cur :
		    RCA_HAS(&ro->prev) ? l->trusts_prev : l->trusts_cur;
		ls->error = l->connected == 0 ? l->error : NULL;
	}
	return PKI_OK;
}

void
pki_rot_status_clear(struct pki_rot_status *st)
{
	free(st->leaves);
	memset(st, 0, sizeof(*st));
}
