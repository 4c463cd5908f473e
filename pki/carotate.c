/*
 * carotate.c: the three phases of a CA rotation (pki_rot_run) on the
 * state rotstate.c derives: add-trust, reissue (with the switch to the
 * new CA) and drop-old (with the retirement of the old one), each
 * restarting members in rolling sessions or listing them.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster.h"
#include "rotation.h"

/* ---- small helpers ------------------------------------------------------ */

/* The bundle text: the PEMs of extra, then of cas, once each. */
static char *
bundle_text(const struct rca *const *cas, size_t n, char *const *extra,
    size_t nextra)
{
	struct pki_buf	 b;
	const char	*pem, *prev;
	size_t		 i, k;

	memset(&b, 0, sizeof(b));
	pki_buf_add(&b, "");
	for (i = 0; i < nextra + n; i++) {
		pem = i < nextra ? extra[i] : cas[i - nextra]->ca->canon;
		for (k = 0; k < i; k++) {
			prev = k < nextra ? extra[k] :
			    cas[k - nextra]->ca->canon;
			if (strcmp(prev, pem) == 0)
				break;
		}
		if (k == i)
			pki_buf_add(&b, pem);
	}
	if (b.oom) {
		free(b.b);
		return NULL;
	}
	return b.b;
}

/* Discards l's staged generation, if any. */
static void
discard(struct pki_rotation *ro, struct rleaf *l)
{
	pki_reissue_discard(l->t, l->gen, &ro->nt);
	free(l->gen);
	l->gen = NULL;
}

/* Activates l's staged generation (discarded when that fails). */
static int
activate(struct pki_rotation *ro, struct rleaf *l)
{
	struct pki_error	err;
	int			r;

	memset(&err, 0, sizeof(err));
	if (l->gen == NULL)
		return 0;
	if ((r = pki_set_activate(l->t->set, l->gen, 0, &err)) != 0) {
		pki_note_err(&ro->nt, NULL, &err, r);
		discard(ro, l);
		return -1;
	}
	free(l->gen);
	l->gen = NULL;
	return 0;
}

/*
 * Converts l's set to the generations layout as renew does (a no-op when
 * it already is).  Returns 0 or -1 after a note.
 */
static int
leaf_convert(struct pki_rotation *ro, struct rleaf *l)
{
	struct pki_error	 err;
	struct pki_target	*t = l->t;
	int			 r, layout = pki_set_layout(t->set);

	memset(&err, 0, sizeof(err));
	if (l->leaf == NULL) {
		pki_note(&ro->nt, PKI_NOTE_ERROR, t->label, "%s.pem: missing: "
		    "issue it first (cluster issue)", t->name);
		return -1;
	}
	if ((r = pki_set_convert(t->set, (time_t)l->lf.not_before,
	    l->lf.serial_hex, 0, &err)) != 0) {
		pki_note_err(&ro->nt, NULL, &err, r);
		return -1;
	}
	if (layout == PKI_LAYOUT_FIXED)
		pki_note(&ro->nt, PKI_NOTE_OUT, t->label, "%s now uses "
		    "generations: %s is a link to current/%s.pem", t->dir,
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
write_bundle(struct pki_rotation *ro, struct rleaf *l, const char *text,
    int keep_staged)
{
	struct pki_error	 err;
	struct pki_set_update	 u;
	struct pki_file		 f;
	struct pki_target	*t = l->t;
	int			 r;

	memset(&err, 0, sizeof(err));
	memset(&u, 0, sizeof(u));
	if (!l->member && pki_set_layout(t->set) == PKI_LAYOUT_FIXED) {
		f.path = pki_set_path(t->set, PKI_SET_CA);
		f.data = text;
		f.len = strlen(text);
		f.mode = 0644;
		if ((r = pki_file_write_set(&f, 1, &err)) != 0) {
			pki_note_err(&ro->nt, NULL, &err, r);
			return -1;
		}
		return 0;
	}
	if (leaf_convert(ro, l) != 0)
		return -1;
	u.data[PKI_SET_CA] = text;
	u.len[PKI_SET_CA] = strlen(text);
	u.serial_hex = l->lf.serial_hex;
	u.now = time(NULL);
	free(l->gen);
	l->gen = NULL;
	if ((r = pki_set_stage(t->set, &u, &l->gen, &err)) != 0) {
		pki_note_err(&ro->nt, NULL, &err, r);
		return -1;
	}
	if (keep_staged)
		return 0;
	return activate(ro, l);
}

/*
 * The rolling restart of member l: its staged generation (or none: a
 * restart only) switched inside a restart coordinated through etcd, with
 * want checked after it and old after a rollback.  Returns PKI_RUN_OK or
 * the outcome to end with.
 */
static int
roll(struct pki_rotation *ro, struct rleaf *l,
    const struct pki_roll_expect *want, const struct pki_roll_expect *old)
{
	struct pki_roll	*s = NULL;
	int		 r;

	if ((r = pki_roll_begin(ro->rolling, ro->cl, ro->dir, l->t->name,
	    &ro->nt, &s)) != PKI_RUN_OK) {
		discard(ro, l);
		return r;
	}
	r = pki_roll_switch(s, l->t->set, l->gen, want, old);
	if (r == PKI_RUN_FAILED)
		discard(ro, l);
	free(l->gen);
	l->gen = NULL;
	if (pki_roll_end(s) != 0 && r == PKI_RUN_OK)
		pki_note(&ro->nt, PKI_NOTE_WARNING, l->t->label, "the "
		    "cluster-wide lock could not be released: it expires with "
		    "its lease");
	if (r == PKI_RUN_OK)
		l->restart = 0;
	return r;
}

/*
 * Restarts every member marked, one at a time, expecting want (and, with
 * own_serial, the serial of the member's leaf on disk); done names the
 * change.
 */
static int
roll_marked(struct pki_rotation *ro, const struct pki_roll_expect *want,
    const struct pki_roll_expect *old, int own_serial, const char *done,
    int *changed)
{
	struct pki_roll_expect	 w;
	size_t			 i, n = 0, ndone = 0;
	int			 r;

	for (i = 0; i < ro->n; i++)
		n += ro->l[i].restart != 0;
	pki_roll_progress(ro->rolling, 0, n);
	for (i = 0; i < ro->n; i++) {
		struct rleaf	*l = &ro->l[i];

		if (!l->restart)
			continue;
		w = *want;
		if (own_serial)
			w.serial_hex = l->lf.serial_hex;
		if ((r = roll(ro, l, &w, old)) != PKI_RUN_OK)
			return r;
		pki_note(&ro->nt, PKI_NOTE_OUT, l->t->label, "restarted: %s",
		    done);
		pki_roll_progress(ro->rolling, ++ndone, n);
		*changed = 1;
	}
	return PKI_RUN_OK;
}

/* Lists the members still to restart by hand (-restart none). */
static void
restart_advice(const struct pki_rotation *ro, const char *why)
{
	struct pki_buf	b;
	size_t		i;

	memset(&b, 0, sizeof(b));
	for (i = 0; i < ro->n; i++) {
		if (!ro->l[i].restart)
			continue;
		pki_buf_add(&b, " ");
		pki_buf_add(&b, ro->l[i].t->name);
	}
	if (b.len > 0 && !b.oom)
		pki_note(&ro->nt, PKI_NOTE_OUT, NULL, "restart by hand, one at "
		    "a time (%s):%s", why, b.b);
	free(b.b);
}

/* Warns about members that could not be probed. */
static void
warn_unreachable(const struct pki_rotation *ro)
{
	size_t	i;

	for (i = 0; i < ro->n; i++)
		if (ro->l[i].connected == 0)
			pki_note(&ro->nt, PKI_NOTE_WARNING, ro->l[i].t->label,
			    "unverified (no probe): %s", ro->l[i].error);
}

/* Discards every staged generation left (returns ret). */
static int
finish(struct pki_rotation *ro, int ret)
{
	size_t	i;

	for (i = 0; i < ro->n; i++)
		discard(ro, &ro->l[i]);
	return ret;
}

/* The end of a phase that ran: "what path" when nothing was left to do. */
static int
phase_end(struct pki_rotation *ro, int changed, const char *what,
    const char *path)
{
	if (!changed)
		pki_note(&ro->nt, PKI_NOTE_OUT, NULL, "%s %s", what, path);
	return finish(ro, changed ? PKI_RUN_CHANGED : PKI_RUN_OK);
}

/* ---- add-trust ----------------------------------------------------------- */

/*
 * Makes DIR/ca-next.pem and its key: a new CA as the description's "key"
 * and ca.expiry ask (pki_ca_issue), with the current one's subject.
 */
static int
new_next(struct pki_rotation *ro)
{
	struct pki_error	 err;
	struct pki_ca_request	 cr;
	struct pki_issued	 ca;
	struct pki_csr		*subject = NULL;
	struct pki_file		 f[2];
	int64_t			 validity = 0;
	size_t			 i;
	int			 r, ret = -1;

	memset(&err, 0, sizeof(err));
	memset(&cr, 0, sizeof(cr));
	memset(&ca, 0, sizeof(ca));
	if ((r = pki_cert_to_csr(ro->cur.ca->cert, 1, &subject, &validity,
	    &err)) != 0)
		goto fail;
	cr.csr = ro->cl->ca_csr;
	cr.subject = subject;
	/* The new CA's key as the current one: its format, its password. */
	cr.key_format = pki_key_format(ro->cur.ca->key);
	if (pki_key_encrypted(ro->cur.ca->key)) {
		cr.key_password = ro->ts->password;
		cr.key_passwordlen = ro->ts->passwordlen;
	}
	cr.policy = ro->sign_policy;
	if ((r = pki_ca_issue(&cr, &ca, &err)) != 0)
		goto fail;
	if (pki_engine_record(ro->dir, PKI_INV_CA, "ca", "", ca.cert,
	    ca.certlen, "ca rotate", 0, &ro->nt) != 0)
		goto out;
	f[0] = (struct pki_file){ ro->next.path, ca.cert, ca.certlen, 0644 };
	f[1] = (struct pki_file){ ro->next.keypath, ca.key, ca.keylen, 0600 };
	if ((r = pki_file_write_set(f, 2, &err)) != 0)
		goto fail;
	if (pki_rot_ca_load(ro, &ro->next, 1) != 0 ||
	    pki_rot_mint_probe(ro, &ro->next) != 0)
		goto out;
	pki_note(&ro->nt, PKI_NOTE_OUT, ro->next.path, "new CA: serial %s, %s "
	    "(same subject as %s)", ro->next.ca->f.serial,
	    ro->next.ca->f.subject, ro->cur.path);
	for (i = 0; i < ro->n; i++)
		if (pki_rot_leaf_load(ro, &ro->l[i]) != 0)
			goto out;
	ret = 0;
	goto out;
 fail:
	pki_note_err(&ro->nt, NULL, &err, r);
 out:
	pki_issued_clear(&ca);
	pki_csr_free(subject);
	return ret;
}

/* Bundles := their certificates + ca-next. */
static int
add_next(struct pki_rotation *ro, int *changed)
{
	const struct rca	*cas[2];
	char			*text;
	size_t			 i;

	for (i = 0; i < ro->n; i++) {
		struct rleaf	*l = &ro->l[i];

		if (!l->selected || l->b_next)
			continue;
		cas[0] = &ro->cur;
		cas[1] = &ro->next;
		if (l->nobundle)
			text = bundle_text(cas, 2, NULL, 0);
		else
			text = bundle_text(cas + 1, 1, l->certs, l->ncerts);
		if (text == NULL) {
			pki_note(&ro->nt, PKI_NOTE_ERROR, NULL,
			    "out of memory");
			return -1;
		}
		if (write_bundle(ro, l, text, ro->rolling != NULL &&
		    l->member) != 0) {
			free(text);
			return -1;
		}
		free(text);
		pki_note(&ro->nt, PKI_NOTE_OUT, l->t->label, "%s/ca.pem: "
		    "trusts %s and the new CA %s", l->t->dir, l->nobundle ?
		    "ca.pem" : "its CAs", ro->next.ca->f.serial);
		*changed = 1;
		l->b_next = 1;
		if (l->member)
			l->restart = 1;
	}
	return 0;
}

static int
phase_add_trust(struct pki_rotation *ro)
{
	struct pki_roll_expect	 want, old;
	size_t			 i;
	int			 r, changed = 0;

	if (RCA_HAS(&ro->prev)) {
		pki_note(&ro->nt, PKI_NOTE_ERROR, NULL, "%s exists: the "
		    "previous rotation is not finished (phase %s): run ca "
		    "rotate -phase %s first", ro->prev.path,
		    pki_rot_phase_name(pki_rot_phase(ro)), pki_rot_phase(ro) ==
		    PKI_ROT_REISSUE ? "reissue" : "drop-old");
		return PKI_RUN_REFUSED;
	}
	if (!RCA_HAS(&ro->next)) {
		if (new_next(ro) != 0)
			return finish(ro, PKI_RUN_FAILED);
		changed = 1;
	}
	if (add_next(ro, &changed) != 0)
		return finish(ro, PKI_RUN_FAILED);
	/* Members running with a bundle without ca-next. */
	pki_rot_probe_all(ro);
	for (i = 0; i < ro->n; i++) {
		struct rleaf	*l = &ro->l[i];

		if (l->selected && l->member && l->connected == 1 &&
		    l->trusts_next == 0)
			l->restart = 1;
	}
	if (ro->rolling != NULL) {
		memset(&want, 0, sizeof(want));
		memset(&old, 0, sizeof(old));
		want.trust_ca = ro->next.ca->cert;
		want.trust_key = ro->next.ca->key;
		old.trust_ca = ro->cur.ca->cert;
		old.trust_key = ro->cur.ca->key;
		if ((r = roll_marked(ro, &want, &old, 0, "it accepts client "
		    "certificates of the new CA", &changed)) != PKI_RUN_OK)
			return finish(ro, r);
	} else {
		warn_unreachable(ro);
		for (i = 0; i < ro->n; i++)
			if (ro->l[i].restart && ro->l[i].connected == 0)
				ro->l[i].restart = 0;	/* down */
		restart_advice(ro, "etcd loads trusted CAs only at start; "
		    "ca rotate -phase reissue waits for every member to "
		    "accept the new CA");
		for (i = 0; i < ro->n && !changed; i++)
			if (ro->l[i].restart)
				return finish(ro, PKI_RUN_REFUSED);
	}
	return phase_end(ro, changed, "add-trust: complete: every bundle "
	    "holds", ro->next.path);
}

/* ---- reissue ---------------------------------------------------------- */

/*
 * The switch: ca-prev := ca, ca := ca-next in one set of files, then
 * ca-next removed.  The targets sign with the new CA afterwards.
 */
static int
switch_ca(struct pki_rotation *ro)
{
	struct pki_crl_opts	 co;
	struct pki_error	 err;
	struct pki_file		 f[4];
	struct pki_ca		*signer = NULL;
	const char		*next[2];
	int			 r;

	memset(&err, 0, sizeof(err));
	f[0] = (struct pki_file){ ro->cur.path, ro->next.ca->pem,
	    ro->next.ca->len, 0644 };
	f[1] = (struct pki_file){ ro->cur.keypath, ro->next.ca->keypem,
	    ro->next.ca->keylen, 0600 };
	f[2] = (struct pki_file){ ro->prev.path, ro->cur.ca->pem,
	    ro->cur.ca->len, 0644 };
	f[3] = (struct pki_file){ ro->prev.keypath, ro->cur.ca->keypem,
	    ro->cur.ca->keylen, 0600 };
	if ((r = pki_file_write_set(f, 4, &err)) != 0) {
		pki_note_err(&ro->nt, NULL, &err, r);
		return -1;
	}
	next[0] = ro->next.keypath;
	next[1] = ro->next.path;
	if (pki_file_remove(next, 2, &err) != 0) {
		pki_note(&ro->nt, PKI_NOTE_ERROR, NULL, "%s: %s", ro->next.path,
		    strerror(err.sys_errno));
		return -1;
	}
	pki_note(&ro->nt, PKI_NOTE_OUT, ro->cur.path, "the new CA signs from "
	    "now on (serial %s); the old one is %s", ro->next.ca->f.serial,
	    ro->prev.path);
	/* Reload: the targets sign with the new CA. */
	if (pki_rot_state_load(ro) != 0)
		return -1;
	if ((r = pki_ca_parse(ro->cur.ca->pem, ro->cur.ca->len, ro->cur.path,
	    ro->cur.ca->keypem, ro->cur.ca->keylen, ro->cur.keypath, 0,
	    ro->ts->password, &signer, &err)) != 0) {
		pki_note_err(&ro->nt, NULL, &err, r);
		return -1;
	}
	pki_targets_own_ca(ro->ts, signer);
	if ((ro->ts->capem = strdup(ro->cur.ca->canon)) == NULL) {
		pki_note(&ro->nt, PKI_NOTE_ERROR, NULL, "out of memory");
		return -1;
	}
	ro->ts->capemlen = ro->cur.ca->canonlen;
	/* The CRL, signed by the old CA, is signed anew by the new one. */
	memset(&co, 0, sizeof(co));
	co.nt = ro->nt;
	co.now = ro->now;
	if (pki_cluster_crl_publish(ro->cl, ro->dir, ro->cur.ca->cert,
	    ro->cur.ca->key, &co) == PKI_RUN_FAILED)
		return -1;
	return 0;
}

/* The current key of l's set, matching its leaf. */
static struct pki_key *
leaf_key(struct pki_rotation *ro, struct rleaf *l)
{
	struct pki_error	 err;
	struct pki_target	*t = l->t;
	struct pki_key		*key = NULL;
	char			*buf = NULL;
	size_t			 len = 0;
	int			 r;

	memset(&err, 0, sizeof(err));
	if ((r = pki_target_read(t, PKI_SET_KEY, &buf, &len, &ro->nt)) != 0) {
		if (r == 1)
			pki_note(&ro->nt, PKI_NOTE_ERROR, t->label,
			    "%s: missing", pki_set_path(t->set, PKI_SET_KEY));
		return NULL;
	}
	r = pki_key_load(buf, len, pki_set_path(t->set, PKI_SET_KEY), NULL,
	    &key, &err);
	pki_secret_free(buf, len + 1);
	if (r != 0) {
		pki_note_err(&ro->nt, NULL, &err, r);
		return NULL;
	}
	if (!pki_cert_matches_key(l->leaf, key)) {
		pki_note(&ro->nt, PKI_NOTE_ERROR, t->label, "%s does not match "
		    "%s: restore a complete set (etcd-pki rollback) first",
		    pki_set_path(t->set, PKI_SET_KEY),
		    pki_set_path(t->set, PKI_SET_CERT));
		pki_key_free(key);
		return NULL;
	}
	return key;
}

/* Switches l to its staged generation: rolling, or at once. */
static int
reissue_switch(struct pki_rotation *ro, struct rleaf *l,
    const struct pki_reissued *rs)
{
	struct pki_roll_expect	 want, old;
	char			 oldserial[48];

	if (ro->rolling == NULL || !l->member)
		return activate(ro, l) == 0 ? PKI_RUN_OK : PKI_RUN_FAILED;
	snprintf(oldserial, sizeof(oldserial), "%s", l->lf.serial_hex);
	memset(&want, 0, sizeof(want));
	memset(&old, 0, sizeof(old));
	want.serial_hex = rs->f.serial_hex;
	want.trust_ca = ro->cur.ca->cert;
	want.trust_key = ro->cur.ca->key;
	old.serial_hex = oldserial;
	return roll(ro, l, &want, &old);
}

/* Re-signs l's leaf from ca.pem (same key, CSR JSON and profile). */
static int
reissue_leaf(struct pki_rotation *ro, struct rleaf *l)
{
	struct pki_set_update	 u;
	struct pki_reissued	 rs;
	struct pki_target	*t = l->t;
	struct pki_key		*key = NULL;
	int			 ret = PKI_RUN_FAILED;

	memset(&u, 0, sizeof(u));
	memset(&rs, 0, sizeof(rs));
	if (t->csr == NULL) {
		pki_note(&ro->nt, PKI_NOTE_ERROR, t->label, "no CSR JSON in "
		    "the description");
		return PKI_RUN_FAILED;
	}
	if (leaf_convert(ro, l) != 0 || (key = leaf_key(ro, l)) == NULL)
		return PKI_RUN_FAILED;
	if ((ret = pki_reissue(ro->ts, t, &l->lf, key, ro->now, 0, 1,
	    ro->sign_policy, &ro->nt, &rs)) != PKI_RUN_OK)
		goto out;
	if (pki_engine_record(ro->dir, l->member ? PKI_INV_MEMBER :
	    PKI_INV_CLIENT, t->name, t->label, rs.certpem, rs.certlen,
	    "ca rotate", 0, &ro->nt) != 0) {
		ret = PKI_RUN_FAILED;
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
	if ((ret = pki_reissue_stage(t, &u, key, &l->gen, &ro->nt)) !=
	    PKI_RUN_OK || (ret = reissue_switch(ro, l, &rs)) != PKI_RUN_OK)
		goto out;
	pki_note(&ro->nt, PKI_NOTE_OUT, t->label, "reissued by the new CA: "
	    "serial %s -> %s%s", l->lf.serial, rs.f.serial, ro->rolling !=
	    NULL && l->member ? ", restarted" : "");
	if (l->member && ro->rolling == NULL)
		l->restart = 1;
	ret = PKI_RUN_CHANGED;
 out:
	pki_reissued_clear(&rs);
	pki_key_free(key);
	return ret;
}

/* Before the switch: every member and client trusts the new CA. */
static int
trust_ready(struct pki_rotation *ro)
{
	size_t	i;

	for (i = 0; i < ro->n; i++) {
		const struct rleaf	*l = &ro->l[i];

		if (!l->b_next)
			pki_note(&ro->nt, PKI_NOTE_ERROR, l->t->label,
			    "%s/ca.pem does not hold the new CA yet",
			    l->t->dir);
		else if (l->connected == 1 && l->trusts_next == 0)
			pki_note(&ro->nt, PKI_NOTE_ERROR, l->t->label, "does "
			    "not accept client certificates of the new CA: "
			    "restart it (its bundle changed)");
	}
	if (pki_rot_trust_complete(ro))
		return 1;
	pki_note(&ro->nt, PKI_NOTE_ERROR, NULL, "add-trust is not complete: "
	    "run ca rotate -phase add-trust (and restart the members)");
	return 0;
}

static int
phase_reissue(struct pki_rotation *ro)
{
	struct pki_roll_expect	 want, old;
	size_t			 i, ntodo = 0, ndone = 0;
	int			 r, changed = 0;

	if (!RCA_HAS(&ro->next) && !RCA_HAS(&ro->prev)) {
		pki_note(&ro->nt, PKI_NOTE_ERROR, NULL, "no rotation in "
		    "progress (no %s, no %s): run ca rotate -phase add-trust "
		    "first", ro->next.path, ro->prev.path);
		return PKI_RUN_REFUSED;
	}
	if (RCA_HAS(&ro->next) && RCA_HAS(&ro->prev)) {
		pki_note(&ro->nt, PKI_NOTE_ERROR, NULL, "%s and %s both exist: "
		    "finish the previous rotation (-phase drop-old) before "
		    "starting a new one", ro->next.path, ro->prev.path);
		return PKI_RUN_REFUSED;
	}
	pki_rot_probe_all(ro);
	warn_unreachable(ro);
	if (RCA_HAS(&ro->next)) {
		if (!trust_ready(ro))
			return PKI_RUN_REFUSED;
		if (switch_ca(ro) != 0)
			return PKI_RUN_FAILED;
		changed = 1;
		pki_rot_probe_all(ro);
	}
	for (i = 0; i < ro->n; i++)
		if (ro->l[i].selected && ro->l[i].leaf_iss != ISS_CUR)
			ntodo++;
	if (ro->progress != NULL && ntodo > 0)
		ro->progress(ro->nt.arg, 0, ntodo);
	for (i = 0; i < ro->n; i++) {
		struct rleaf	*l = &ro->l[i];

		if (!l->selected)
			continue;
		if (l->leaf_iss != ISS_CUR) {
			if ((r = reissue_leaf(ro, l)) != PKI_RUN_CHANGED)
				return finish(ro, r);
			if (ro->progress != NULL)
				ro->progress(ro->nt.arg, ++ndone, ntodo);
			changed = 1;
			continue;
		}
		if (l->member && l->connected == 1 &&
		    (l->served_client != ISS_CUR || (l->peer_url != NULL &&
		    l->served_peer != ISS_CUR)))
			l->restart = 1;
	}
	if (ro->rolling != NULL) {
		memset(&want, 0, sizeof(want));
		memset(&old, 0, sizeof(old));
		if ((r = roll_marked(ro, &want, &old, 1, "it serves its "
		    "certificate of the new CA", &changed)) != PKI_RUN_OK)
			return finish(ro, r);
	} else
		restart_advice(ro, "etcd re-reads leaf certificates on each "
		    "new connection, but open peer connections keep the old "
		    "one; ca rotate -phase drop-old checks what each member "
		    "serves");
	return phase_end(ro, changed, "reissue: complete: every leaf is "
	    "issued by", ro->cur.path);
}

/* ---- drop-old ---------------------------------------------------------- */

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
		found = strncmp(de->d_name, PKI_CLDIR_RETIRED,
		    strlen(PKI_CLDIR_RETIRED)) == 0;
	(void)closedir(d);
	return found;
}

/* ca-prev.* become ca-retired-<serial hex>.* (the key first). */
static int
retire(struct pki_rotation *ro)
{
	struct pki_error	 err;
	char			*c = NULL, *k = NULL;
	const char		*hex = ro->prev.ca->f.serial_hex;
	int			 ret = -1;

	memset(&err, 0, sizeof(err));
	if (pki_cldir_retired_path(ro->dir, hex, 0, &c, &err) != 0 ||
	    pki_cldir_retired_path(ro->dir, hex, 1, &k, &err) != 0) {
		pki_note_err(&ro->nt, NULL, &err, PKI_ERR_ALLOC);
		goto out;
	}
	if (ro->prev.ca->keypem != NULL &&
	    pki_file_rename(ro->prev.keypath, k, &err) != 0) {
		pki_note(&ro->nt, PKI_NOTE_ERROR, NULL, "%s: %s",
		    ro->prev.keypath, strerror(err.sys_errno));
		goto out;
	}
	if (pki_file_rename(ro->prev.path, c, &err) != 0) {
		pki_note(&ro->nt, PKI_NOTE_ERROR, NULL, "%s: %s", ro->prev.path,
		    strerror(err.sys_errno));
		goto out;
	}
	pki_note(&ro->nt, PKI_NOTE_OUT, c, "the old CA is retired (serial %s); "
	    "the rotation is complete", ro->prev.ca->f.serial);
	ret = 0;
 out:
	free(c);
	free(k);
	return ret;
}

/* Every leaf is issued by ca.pem and serves it (else notes why). */
static int
issued_ready(struct pki_rotation *ro)
{
	size_t	i;

	for (i = 0; i < ro->n; i++) {
		const struct rleaf	*l = &ro->l[i];

		if (l->leaf_iss != ISS_CUR)
			pki_note(&ro->nt, PKI_NOTE_ERROR, l->t->label, "%s.pem "
			    "is not issued by %s", l->t->name, ro->cur.path);
		else if (l->connected == 1 && l->served_client != ISS_CUR)
			pki_note(&ro->nt, PKI_NOTE_ERROR, l->t->label, "%s "
			    "serves a certificate not issued by %s: restart it",
			    l->client_url, ro->cur.path);
		else if (l->connected == 1 && l->peer_url != NULL &&
		    l->served_peer != ISS_CUR)
			pki_note(&ro->nt, PKI_NOTE_ERROR, l->t->label, "%s "
			    "serves a certificate not issued by %s: restart it",
			    l->peer_url, ro->cur.path);
	}
	if (pki_rot_issued_complete(ro))
		return 1;
	pki_note(&ro->nt, PKI_NOTE_ERROR, NULL, "reissue is not complete: run "
	    "ca rotate -phase reissue first");
	return 0;
}

/* Bundles := ca.pem only; members trusting the old CA marked. */
static int
drop_prev(struct pki_rotation *ro, int *changed)
{
	const struct rca	*cas[1] = { &ro->cur };
	char			*text;
	size_t			 i;

	if ((text = bundle_text(cas, 1, NULL, 0)) == NULL) {
		pki_note(&ro->nt, PKI_NOTE_ERROR, NULL, "out of memory");
		return -1;
	}
	for (i = 0; i < ro->n; i++) {
		struct rleaf	*l = &ro->l[i];

		if (!l->selected)
			continue;
		if (!l->nobundle && (l->ncerts != 1 || !l->b_cur)) {
			if (write_bundle(ro, l, text, ro->rolling != NULL &&
			    l->member) != 0) {
				free(text);
				return -1;
			}
			pki_note(&ro->nt, PKI_NOTE_OUT, l->t->label,
			    "%s/ca.pem: trusts only %s", l->t->dir,
			    ro->cur.path);
			*changed = 1;
			l->b_prev = 0;
			if (l->member)
				l->restart = 1;
		}
		if (l->member && l->connected == 1 && l->trusts_prev == 1)
			l->restart = 1;
	}
	free(text);
	return 0;
}

/* Does a bundle or a reachable member still trust the old CA? */
static int
old_trusted(struct pki_rotation *ro)
{
	size_t	i;
	int	waiting = 0;

	for (i = 0; i < ro->n; i++) {
		struct rleaf	*l = &ro->l[i];

		if (l->b_prev) {
			waiting = 1;
			if (!l->selected)
				pki_note(&ro->nt, PKI_NOTE_OUT, l->t->label,
				    "%s/ca.pem still trusts the old CA (not "
				    "selected by -member)", l->t->dir);
		} else if (l->connected == 1 && l->trusts_prev == 1) {
			waiting = 1;
			l->restart = 1;
		} else
			l->restart = 0;
	}
	return waiting;
}

/* The old CA's files are there: drop it from bundles and members. */
static int
drop_old(struct pki_rotation *ro)
{
	struct pki_roll_expect	 want, old;
	size_t			 i;
	int			 r, changed = 0;

	pki_rot_probe_all(ro);
	warn_unreachable(ro);
	if (!issued_ready(ro))
		return PKI_RUN_REFUSED;
	if (drop_prev(ro, &changed) != 0)
		return PKI_RUN_FAILED;
	if (ro->rolling != NULL) {
		memset(&want, 0, sizeof(want));
		memset(&old, 0, sizeof(old));
		want.trust_ca = ro->cur.ca->cert;
		want.trust_key = ro->cur.ca->key;
		want.distrust_ca = ro->prev.ca->cert;
		want.distrust_key = ro->prev.ca->key;
		old.trust_ca = ro->cur.ca->cert;
		old.trust_key = ro->cur.ca->key;
		if ((r = roll_marked(ro, &want, &old, 0, "it refuses client "
		    "certificates of the old CA", &changed)) != PKI_RUN_OK)
			return r;
	}
	/* Retire when no bundle and no reachable member trusts it. */
	for (i = 0; i < ro->n; i++)
		if (pki_rot_leaf_load(ro, &ro->l[i]) != 0)
			return PKI_RUN_FAILED;
	pki_rot_probe_all(ro);
	if (old_trusted(ro)) {
		restart_advice(ro, "etcd loads trusted CAs only at start; run "
		    "ca rotate -phase drop-old again afterwards to retire the "
		    "old CA");
		if (!changed)
			pki_note(&ro->nt, PKI_NOTE_ERROR, NULL, "drop-old: "
			    "waiting: the old CA is still trusted (see above)");
		return changed ? PKI_RUN_CHANGED : PKI_RUN_REFUSED;
	}
	return retire(ro) == 0 ? PKI_RUN_CHANGED : PKI_RUN_FAILED;
}

static int
phase_drop_old(struct pki_rotation *ro)
{
	if (RCA_HAS(&ro->next)) {
		pki_note(&ro->nt, PKI_NOTE_ERROR, NULL, "%s exists: the "
		    "rotation is in phase %s: run ca rotate -phase %s first",
		    ro->next.path, pki_rot_phase_name(pki_rot_phase(ro)),
		    pki_rot_phase(ro) == PKI_ROT_ADD_TRUST ? "add-trust" :
		    "reissue");
		return PKI_RUN_REFUSED;
	}
	if (!RCA_HAS(&ro->prev)) {
		if (has_retired(ro->dir)) {
			pki_note(&ro->nt, PKI_NOTE_OUT, NULL, "drop-old: "
			    "complete: no old CA left (%s is missing)",
			    ro->prev.path);
			return PKI_RUN_OK;
		}
		pki_note(&ro->nt, PKI_NOTE_ERROR, NULL, "no rotation in "
		    "progress (no %s): run ca rotate -phase add-trust first",
		    ro->prev.path);
		return PKI_RUN_REFUSED;
	}
	return finish(ro, drop_old(ro));
}

/* ---- the run ----------------------------------------------------------- */

/* A switch interrupted after the set was written: finish it. */
static int
finish_switch(struct pki_rotation *ro)
{
	struct pki_error	 err;
	const char		*next[2];

	memset(&err, 0, sizeof(err));
	if (!RCA_HAS(&ro->next) || !RCA_HAS(&ro->prev) ||
	    strcmp(ro->next.ca->canon, ro->cur.ca->canon) != 0)
		return 0;
	next[0] = ro->next.keypath;
	next[1] = ro->next.path;
	if (pki_file_remove(next, 2, &err) != 0) {
		pki_note(&ro->nt, PKI_NOTE_ERROR, NULL, "%s: %s", ro->next.path,
		    strerror(err.sys_errno));
		return -1;
	}
	pki_note(&ro->nt, PKI_NOTE_OUT, ro->next.path, "removed (the switch to "
	    "the new CA had not finished)");
	return pki_rot_state_load(ro);
}

int
pki_rot_run(struct pki_rotation *ro, int phase,
    const struct pki_roll_conf *rolling)
{
	ro->rolling = rolling;
	if (finish_switch(ro) != 0)
		return PKI_RUN_FAILED;
	switch (phase) {
	case PKI_ROT_ADD_TRUST:
		return phase_add_trust(ro);
	case PKI_ROT_REISSUE:
		return phase_reissue(ro);
	case PKI_ROT_DROP_OLD:
		return phase_drop_old(ro);
	default:
		pki_note(&ro->nt, PKI_NOTE_ERROR, NULL, "phase %d: not a phase "
		    "to run", phase);
		return PKI_RUN_FAILED;
	}
}
