/*
 * renew.c: renewal of what is due (pki_renew_run): examined, signed
 * anew and verified before it is activated, with an atomic generation
 * switch (or a fixed-path replacement), the caller's hooks, and the
 * rolling restart for members.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"

/* What renew learns about one set and what it does with it. */
struct job {
	struct pki_cert		*cert;
	struct pki_cert_facts	 f;
	struct pki_key		*key;
	int64_t			 renew_at;
	int			 due;
	int			 status;	/* PKI_RUN_* */
	char			 new_serial[64];
	char			 new_serial_hex[48];
	char			*gen;
};

struct renew {
	const struct pki_renew_opts	*o;
	const struct pki_notify		*nt;
	struct pki_targets		*ts;
	struct job			*jobs;
};

/* What one renewal writes: the new files and where they go. */
struct change {
	struct pki_reissued	 rs;
	struct pki_set_update	 u;
	char			*keypem;	/* rekey: the new key */
	size_t			 keylen;
	const struct pki_key	*key;		/* the key of the new set */
	char			 na[32];	/* its not after */
	char			 note[512];	/* why the new key is not the
						   old key's owner's */
	struct pki_owner	 owner;		/* -owner and -mode, then the
						   description's */
	char			*kept;		/* the kept key, rewritten for
						   owner */
	size_t			 keptlen;
};

/* ---- examining ---------------------------------------------------------- */

/* Loads t's certificate into j; 0, or -1 with j->status set. */
static int
load_cert(struct renew *rn, struct pki_target *t, struct job *j)
{
	struct pki_error	 err;
	char			*buf = NULL;
	size_t			 len = 0;
	int			 r;

	memset(&err, 0, sizeof(err));
	if ((r = pki_target_read(t, PKI_SET_CERT, &buf, &len, rn->nt)) != 0) {
		if (r == 1)
			pki_note(rn->nt, PKI_NOTE_ERROR, t->label, "%s: "
			    "missing: nothing to renew (issue it first: "
			    "gencert -o or cluster issue)",
			    pki_set_path(t->set, PKI_SET_CERT));
		j->status = r == 1 ? PKI_RUN_REFUSED : PKI_RUN_FAILED;
		return -1;
	}
	r = pki_cert_load(buf, len, pki_set_path(t->set, PKI_SET_CERT),
	    &j->cert, &err);
	free(buf);
	if (r != 0 || (r = pki_cert_facts(j->cert, &j->f, &err)) != 0) {
		pki_note_err(rn->nt, NULL, &err, r);
		j->status = PKI_RUN_FAILED;
		return -1;
	}
	return 0;
}

/* Loads t's key into j and checks it against the certificate. */
static int
load_key(struct renew *rn, struct pki_target *t, struct job *j)
{
	struct pki_error	 err;
	char			*buf = NULL;
	size_t			 len = 0;
	int			 r;

	memset(&err, 0, sizeof(err));
	if ((r = pki_target_read(t, PKI_SET_KEY, &buf, &len, rn->nt)) != 0) {
		if (r == 1)
			pki_note(rn->nt, PKI_NOTE_ERROR, t->label, "%s: "
			    "missing", pki_set_path(t->set, PKI_SET_KEY));
		return -1;
	}
	r = pki_key_load(buf, len, pki_set_path(t->set, PKI_SET_KEY), NULL,
	    &j->key, &err);
	pki_secret_free(buf, len + 1);
	if (r != 0) {
		pki_note_err(rn->nt, NULL, &err, r);
		return -1;
	}
	/* A key planted beside a certificate is never renewed silently. */
	if (!pki_cert_matches_key(j->cert, j->key) && !rn->o->replace_key) {
		pki_note(rn->nt, PKI_NOTE_ERROR, t->label, "%s does not match "
		    "%s: restore a complete set (etcd-pki rollback), or renew "
		    "with -rekey -replace-key if this key is to be replaced",
		    pki_set_path(t->set, PKI_SET_KEY),
		    pki_set_path(t->set, PKI_SET_CERT));
		return -1;
	}
	return 0;
}

/* The CSR JSON asks for what the certificate has (or -allow-san-change). */
static int
check_drift(struct renew *rn, struct pki_target *t, struct job *j)
{
	struct pki_error	 err;
	struct pki_drift	 d;
	char			 dt[1024];
	int			 r;

	memset(&err, 0, sizeof(err));
	memset(&d, 0, sizeof(d));
	if (t->csr == NULL) {
		pki_note(rn->nt, PKI_NOTE_ERROR, t->label, "no CSR JSON to "
		    "renew from (%s is missing): pass -csr-json FILE",
		    t->csr_path);
		return -1;
	}
	if ((r = pki_cert_drift(j->cert, t->csr, &d, &err)) != 0) {
		pki_note_err(rn->nt, NULL, &err, r);
		j->status = PKI_RUN_FAILED;
		return -1;
	}
	r = 0;
	if (pki_drift_any(&d) && !rn->o->allow_san_change) {
		pki_drift_text(&d, 1, dt, sizeof(dt));
		pki_note(rn->nt, PKI_NOTE_ERROR, t->label, "the CSR JSON "
		    "differs from the certificate: %s; renew with "
		    "-allow-san-change to reissue from the CSR JSON", dt);
		r = -1;
	}
	pki_drift_clear(&d);
	return r;
}

/*
 * Phase one: is t due, and can it be renewed?  j->status becomes
 * PKI_RUN_OK (not due, or ready), PKI_RUN_REFUSED or PKI_RUN_FAILED.
 */
static void
examine(struct renew *rn, struct pki_target *t, struct job *j)
{
	struct pki_error	 err;
	char			 at[32], left[32];
	int64_t			 now = (int64_t)rn->o->now;

	memset(&err, 0, sizeof(err));
	j->status = PKI_RUN_REFUSED;
	if (load_cert(rn, t, j) != 0)
		return;
	if (pki_renew_at(j->f.not_before, j->f.not_after, t->name,
	    &rn->o->policy, &j->renew_at, &err) != 0) {
		pki_note(rn->nt, PKI_NOTE_ERROR, t->label, "%s", err.text);
		return;
	}
	j->due = rn->o->force || now >= j->renew_at;
	if (!j->due) {
		pki_time_format(j->renew_at, at, sizeof(at));
		pki_time_left(j->renew_at - now, left, sizeof(left));
		pki_note(rn->nt, PKI_NOTE_INFO, t->label, "not due: renews at "
		    "%s (in %s)", at, left);
		j->status = PKI_RUN_OK;
		return;
	}
	if (load_key(rn, t, j) != 0 || check_drift(rn, t, j) != 0)
		return;
	j->status = PKI_RUN_OK;
}

/* ---- -dry-run ------------------------------------------------------------ */

/*
 * -dry-run: writes the new files of c into a scratch directory and reads
 * them back (pki_file_write_trial).
 */
static int
dry_write(const struct pki_target *t, const struct change *c,
    const struct pki_notify *nt)
{
	struct pki_error	 err;
	struct pki_file		 files[PKI_SET__COUNT];
	char			 n0[512], n1[512], n2[512];
	size_t			 nf = 0;
	int			 r;

	memset(&err, 0, sizeof(err));
	snprintf(n0, sizeof(n0), "%s.pem", t->name);
	snprintf(n1, sizeof(n1), "%s.csr", t->name);
	snprintf(n2, sizeof(n2), "%s-key.pem", t->name);
	files[nf++] = (struct pki_file){ n0, c->rs.certpem, c->rs.certlen,
	    0644 };
	files[nf++] = (struct pki_file){ n1, c->rs.csrpem, c->rs.csrlen,
	    0644 };
	if (c->keypem != NULL)
		files[nf++] = (struct pki_file){ n2, c->keypem, c->keylen,
		    0600 };
	if ((r = pki_file_write_trial(files, nf, &err)) != PKI_OK) {
		pki_note_err(nt, r == PKI_ERR_MISMATCH ? t->label : NULL, &err,
		    r);
		return -1;
	}
	return 0;
}

/* ---- renewing ------------------------------------------------------------ */

/*
 * A rolling restart for a member's staged generation j->gen: the cluster
 * lock and the gates, the switch inside the restart, and the rollback.
 * Returns PKI_RUN_CHANGED or the outcome; the generation is discarded
 * unless it became current.
 */
static int
rolling_one(struct renew *rn, struct pki_target *t, struct job *j)
{
	struct pki_roll		*s = NULL;
	struct pki_roll_expect	 want, old;
	const char		*cur;
	int			 r;

	memset(&want, 0, sizeof(want));
	memset(&old, 0, sizeof(old));
	if ((r = rn->ts->cl == NULL ? pki_roll_begin_node(rn->o->rolling,
	    rn->o->node, t->label, j->f.subject_cn, rn->nt, &s) :
	    pki_roll_begin(rn->o->rolling, rn->ts->cl, rn->ts->topdir,
	    t->name, rn->nt, &s)) == PKI_RUN_OK) {
		want.serial_hex = j->new_serial_hex;
		old.serial_hex = j->f.serial_hex;
		r = pki_roll_switch(s, t->set, j->gen, &want, &old);
		if (pki_roll_end(s) != 0 && r == PKI_RUN_OK)
			pki_note(rn->nt, PKI_NOTE_ERROR, t->label, "the "
			    "cluster lock was lost or not released");
	}
	if (r == PKI_RUN_OK)
		return PKI_RUN_CHANGED;
	if ((cur = pki_set_current(t->set)) == NULL || strcmp(cur, j->gen) !=
	    0) {
		struct pki_error	err;

		memset(&err, 0, sizeof(err));
		if (pki_set_discard(t->set, j->gen, &err) != 0)
			pki_note_err(rn->nt, NULL, &err, PKI_ERR_IO);
		else if (r == PKI_RUN_ROLLED_BACK)
			pki_note(rn->nt, PKI_NOTE_OUT, t->label, "%s removed: "
			    "it failed the gates", j->gen);
	}
	return r;
}

/* The new set of t: signed, verified, its files described in c->u. */
static int
prepare(struct renew *rn, struct pki_target *t, struct job *j,
    struct change *c, struct pki_key **newkey)
{
	const struct pki_renew_opts	*o = rn->o;
	struct pki_error		 err;
	int				 r;

	memset(&err, 0, sizeof(err));
	c->key = j->key;
	if (o->rekey) {
		/* The description's format, else the current key's. */
		if ((r = pki_key_generate(t->csr, newkey, &err)) != 0 ||
		    (r = pki_key_encode(*newkey, t->key_format >= 0 ?
		    t->key_format : pki_key_format(j->key), &c->keypem,
		    &c->keylen, &err)) != 0) {
			pki_note_err(rn->nt, NULL, &err, r);
			return PKI_RUN_FAILED;
		}
		c->key = *newkey;
	}
	if ((r = pki_reissue(rn->ts, t, &j->f, c->key, o->now, o->rekey,
	    o->force, o->sign_policy, rn->nt, &c->rs)) != PKI_RUN_OK)
		return r;
	snprintf(j->new_serial, sizeof(j->new_serial), "%s", c->rs.f.serial);
	snprintf(j->new_serial_hex, sizeof(j->new_serial_hex), "%s",
	    c->rs.f.serial_hex);
	c->u.data[PKI_SET_CERT] = c->rs.certpem;
	c->u.len[PKI_SET_CERT] = c->rs.certlen;
	c->u.data[PKI_SET_CSR] = c->rs.csrpem;
	c->u.len[PKI_SET_CSR] = c->rs.csrlen;
	c->u.data[PKI_SET_KEY] = c->keypem;
	c->u.len[PKI_SET_KEY] = c->keylen;
	c->u.meta = c->rs.meta;
	c->u.metalen = strlen(c->rs.meta);
	c->u.serial_hex = c->rs.f.serial_hex;
	c->u.now = o->now;
	c->u.no_sync = o->no_sync;
	c->u.key_owner_ok = pki_cert_matches_key(j->cert, j->key) ?
	    PKI_KEYOWN_PAIR : PKI_KEYOWN_NO;
	c->u.note = c->note;
	c->u.notelen = sizeof(c->note);
	c->owner = o->owner;
	pki_owner_merge(&c->owner, t->owner);
	c->u.owner = pki_owner_set(&c->owner) ? &c->owner : NULL;
	/* A kept key set to an owner is written anew (same bytes). */
	if (c->u.owner != NULL && c->keypem == NULL) {
		if (pki_target_read(t, PKI_SET_KEY, &c->kept,
		    &c->keptlen, rn->nt) != 0)
			return PKI_RUN_FAILED;
		c->u.data[PKI_SET_KEY] = c->kept;
		c->u.len[PKI_SET_KEY] = c->keptlen;
	}
	pki_time_format(c->rs.f.not_after, c->na, sizeof(c->na));
	return PKI_RUN_OK;
}

/* Runs a stop or start hook when the key changes; 0 when it succeeded
 * (or there is none). */
static int
key_hook(const struct renew *rn, const struct change *c,
    int (*hook)(void *))
{
	if (c->keypem == NULL || hook == NULL)
		return 0;
	return hook(rn->o->hooks.arg) == 0 ? 0 : -1;
}

/*
 * The layout the set is renewed in: generations unless -layout fixed
 * (a fixed set, or a conversion a killed run left half done, is
 * converted first).  Returns the layout, or -1 with j->status set.
 */
static int
renew_layout(struct renew *rn, struct pki_target *t, struct job *j)
{
	struct pki_error	err;
	int			r, layout = pki_set_layout(t->set);

	memset(&err, 0, sizeof(err));
	if (rn->o->layout == PKI_LAYOUT_FIXED) {
		if (layout == PKI_LAYOUT_FIXED)
			return layout;
		pki_note(rn->nt, PKI_NOTE_ERROR, t->label, "%s uses "
		    "generations (%s/current): -layout fixed cannot go back",
		    t->dir, t->dir);
		j->status = PKI_RUN_REFUSED;
		return -1;
	}
	if ((r = pki_set_convert(t->set, (time_t)j->f.not_before,
	    j->f.serial_hex, rn->o->no_sync, &err)) != 0) {
		pki_note_err(rn->nt, NULL, &err, r);
		return -1;
	}
	if (layout == PKI_LAYOUT_FIXED)
		pki_note(rn->nt, PKI_NOTE_OUT, t->label, "%s now uses "
		    "generations: %s is a link to %s%s.pem", t->dir,
		    pki_set_path(t->set, PKI_SET_CERT),
		    pki_set_links_to(t->set), t->name);
	return PKI_LAYOUT_GENERATIONS;
}

/* Generations: stages, checks and activates c; PKI_RUN_*. */
static int
switch_gen(struct renew *rn, struct pki_target *t, struct job *j,
    const struct change *c)
{
	struct pki_error	err;
	int			r;

	memset(&err, 0, sizeof(err));
	if ((r = pki_reissue_stage(t, &c->u, c->key, &j->gen, rn->nt)) !=
	    PKI_RUN_OK)
		return r;
	if (rn->o->rolling != NULL && (t->member || (rn->ts->cl == NULL &&
	    rn->o->node != NULL)))
		return rolling_one(rn, t, j);
	if (key_hook(rn, c, rn->o->hooks.stop) != 0) {
		pki_note(rn->nt, PKI_NOTE_ERROR, t->label, "-stop-cmd failed: "
		    "%s not activated", j->gen);
		pki_reissue_discard(t, j->gen, rn->nt);
		return PKI_RUN_FAILED;
	}
	r = pki_set_activate(t->set, j->gen, rn->o->no_sync, &err);
	if (key_hook(rn, c, rn->o->hooks.start) != 0)
		pki_note(rn->nt, PKI_NOTE_ERROR, t->label, "-start-cmd failed "
		    "after the switch");
	if (r != 0) {
		/* Not activated: the staged generation goes. */
		pki_reissue_discard(t, j->gen, rn->nt);
		pki_note_err(rn->nt, NULL, &err, r);
		return PKI_RUN_FAILED;
	}
	return PKI_RUN_CHANGED;
}

/* Fixed layout: replaces the files, keeping *.bak; PKI_RUN_*. */
static int
switch_fixed(struct renew *rn, struct pki_target *t, const struct change *c)
{
	struct pki_error	err;
	int			r;

	memset(&err, 0, sizeof(err));
	if (key_hook(rn, c, rn->o->hooks.stop) != 0) {
		pki_note(rn->nt, PKI_NOTE_ERROR, t->label, "-stop-cmd failed: "
		    "nothing replaced");
		return PKI_RUN_FAILED;
	}
	r = pki_set_replace_fixed(t->set, &c->u, &err);
	if (key_hook(rn, c, rn->o->hooks.start) != 0)
		pki_note(rn->nt, PKI_NOTE_ERROR, t->label, "-start-cmd failed "
		    "after the swap");
	if (r != 0) {
		pki_note_err(rn->nt, NULL, &err, r);
		return PKI_RUN_FAILED;
	}
	return PKI_RUN_CHANGED;
}

/* After the switch: the report, pruning, the deploy hook. */
static void
renewed(struct renew *rn, struct pki_target *t, struct job *j,
    const struct change *c, int layout)
{
	const struct pki_renew_opts	*o = rn->o;
	struct pki_renewed		 d;
	struct pki_error		 err;
	size_t				 pruned = 0;
	int				 r;

	memset(&err, 0, sizeof(err));
	pki_note(rn->nt, PKI_NOTE_OUT, t->label, "renewed: serial %s -> %s, "
	    "not after %s%s, %s", j->f.serial, c->rs.f.serial, c->na, o->rekey ?
	    ", new key" : "", j->gen != NULL ? j->gen :
	    "previous files in *.bak");
	if (layout == PKI_LAYOUT_GENERATIONS) {
		if ((r = pki_set_prune(t->set, (int)o->keep, &pruned,
		    &err)) != 0)
			pki_note_err(rn->nt, NULL, &err, r);
		else if (pruned > 0)
			pki_note(rn->nt, PKI_NOTE_INFO, t->label, "removed %zu "
			    "old generation%s (-keep %ld)", pruned, pruned ==
			    1 ? "" : "s", o->keep);
	}
	if (o->hooks.deploy == NULL)
		return;
	memset(&d, 0, sizeof(d));
	d.name = t->name;
	d.label = t->label;
	d.cert = pki_set_path(t->set, PKI_SET_CERT);
	d.dir = t->dir;
	d.generation = j->gen != NULL ? j->gen : "";
	d.old_serial = j->f.serial;
	d.new_serial = j->new_serial;
	d.rekeyed = o->rekey;
	o->hooks.deploy(o->hooks.arg, &d);
}

/* Phase two: renews t (due, examined); j->status is the outcome. */
static void
renew_one(struct renew *rn, struct pki_target *t, struct job *j)
{
	struct change	 c;
	struct pki_key	*newkey = NULL;
	int		 layout;

	memset(&c, 0, sizeof(c));
	if ((j->status = prepare(rn, t, j, &c, &newkey)) != PKI_RUN_OK)
		goto out;
	if (rn->o->dry_run) {
		j->status = PKI_RUN_FAILED;
		if (dry_write(t, &c, rn->nt) != 0)
			goto out;
		pki_note(rn->nt, PKI_NOTE_OUT, t->label, "would renew: serial "
		    "%s -> %s, not after %s%s (dry run: nothing changed)",
		    j->f.serial, c.rs.f.serial, c.na, rn->o->rekey ?
		    ", new key" : "");
		j->status = PKI_RUN_CHANGED;
		goto out;
	}
	j->status = PKI_RUN_FAILED;
	if (rn->ts->cl != NULL && pki_engine_record(rn->ts->topdir, t->member ?
	    PKI_INV_MEMBER : PKI_INV_CLIENT, t->name, t->label, c.rs.certpem,
	    c.rs.certlen, "renew", rn->o->no_sync, rn->nt) != 0)
		goto out;
	if ((layout = renew_layout(rn, t, j)) < 0)
		goto out;
	j->status = layout == PKI_LAYOUT_GENERATIONS ? switch_gen(rn, t, j,
	    &c) : switch_fixed(rn, t, &c);
	if (c.note[0] != '\0')
		pki_note(rn->nt, PKI_NOTE_WARNING, t->label, "%s", c.note);
	if (j->status == PKI_RUN_CHANGED)
		renewed(rn, t, j, &c, layout);
 out:
	pki_reissued_clear(&c.rs);
	pki_key_free(newkey);
	if (c.keypem != NULL)
		pki_secret_free(c.keypem, c.keylen);
	if (c.kept != NULL)
		pki_secret_free(c.kept, c.keptlen + 1);
}

/* ---- the run ------------------------------------------------------------- */

/*
 * "a b c": the NAMEs of the jobs about to be renewed (st < 0), that
 * failed (st == PKI_RUN_FAILED: refused, failed, rolled back), or whose
 * status is st.
 */
static char *
names(const struct renew *rn, int st)
{
	struct pki_buf	b;
	size_t		i;
	int		s;

	memset(&b, 0, sizeof(b));
	pki_buf_add(&b, "");
	for (i = 0; i < rn->ts->n; i++) {
		s = rn->jobs[i].status;
		if (st < 0 ? !(rn->jobs[i].due && s == PKI_RUN_OK) :
		    st == PKI_RUN_FAILED ? (s != PKI_RUN_FAILED &&
		    s != PKI_RUN_REFUSED && s != PKI_RUN_ROLLED_BACK &&
		    s != PKI_RUN_ROLLBACK_FAILED) : s != st)
			continue;
		if (b.len > 0)
			pki_buf_add(&b, " ");
		pki_buf_add(&b, rn->ts->t[i].name);
	}
	if (b.oom) {
		free(b.b);
		return NULL;
	}
	return b.b;
}

/* The pre hook, when a renewal will be attempted: 0, or -1 when it
 * failed (every ready set is then refused). */
static int
pre_hook(struct renew *rn)
{
	const struct pki_renew_hooks	*h = &rn->o->hooks;
	char				*due;
	size_t				 i;
	int				 r;

	if ((due = names(rn, -1)) == NULL) {
		pki_note(rn->nt, PKI_NOTE_ERROR, NULL, "out of memory");
		r = -1;
	} else
		r = h->pre(h->arg, due);
	free(due);
	if (r == 0)
		return 0;
	pki_note(rn->nt, PKI_NOTE_ERROR, NULL, "the pre hook failed: nothing "
	    "renewed");
	for (i = 0; i < rn->ts->n; i++)
		if (rn->jobs[i].due && rn->jobs[i].status == PKI_RUN_OK)
			rn->jobs[i].status = PKI_RUN_REFUSED;
	return -1;
}

static void
post_hook(struct renew *rn, int outcome)
{
	const struct pki_renew_hooks	*h = &rn->o->hooks;
	char				*ok, *bad;

	ok = names(rn, PKI_RUN_CHANGED);
	bad = names(rn, PKI_RUN_FAILED);
	if (ok == NULL || bad == NULL)
		pki_note(rn->nt, PKI_NOTE_ERROR, NULL, "out of memory");
	else
		h->post(h->arg, ok, bad, outcome);
	free(ok);
	free(bad);
}

/* Examines every set; *ndue and *nready count the due and the ready. */
static void
examine_all(struct renew *rn, size_t *ndue, size_t *nready)
{
	size_t	i;

	*ndue = *nready = 0;
	for (i = 0; i < rn->ts->n; i++) {
		examine(rn, &rn->ts->t[i], &rn->jobs[i]);
		if (rn->jobs[i].due)
			(*ndue)++;
		if (rn->jobs[i].due && rn->jobs[i].status == PKI_RUN_OK)
			(*nready)++;
	}
}

/*
 * Cluster mode: the cluster's CRL is renewed like a certificate (when a
 * third of its lifetime is left, by the run's policy), and signed anew
 * whenever it no longer lists exactly what the inventory records as
 * revoked (cfssl revoke -db-config, say).  PKI_RUN_*.
 */
static int
crl_refresh(struct renew *rn)
{
	struct pki_crl_opts	co;

	if (rn->ts->cl == NULL || rn->ts->ca == NULL)
		return PKI_RUN_OK;
	memset(&co, 0, sizeof(co));
	co.now = rn->o->now;
	co.dry_run = rn->o->dry_run;
	co.no_sync = rn->o->no_sync;
	co.policy = &rn->o->policy;
	co.nt = *rn->nt;
	return pki_cluster_crl_publish(rn->ts->cl, rn->ts->topdir, rn->ts->ca,
	    rn->ts->cakey, &co);
}

/* Reports how far the renewals are (the caller's progress line). */
static void
progress(const struct renew *rn, size_t done, size_t total)
{
	if (rn->o->progress != NULL && total > 0)
		rn->o->progress(rn->o->result_arg, done, total);
}

/* Reports what became of set t (job j) to the caller. */
static void
result(const struct renew *rn, const struct pki_target *t,
    const struct job *j)
{
	struct pki_renew_result	res;

	memset(&res, 0, sizeof(res));
	res.name = t->name;
	res.label = t->label;
	res.cert = t->set != NULL ? pki_set_path(t->set, PKI_SET_CERT) : NULL;
	res.status = j->status;
	res.due = j->due;
	res.examined = j->cert != NULL;
	res.renew_at = j->renew_at;
	res.not_after = j->cert != NULL ? j->f.not_after : 0;
	res.serial = j->cert != NULL ? j->f.serial : "";
	/* What was signed but not put in place is not reported. */
	res.new_serial = j->status == PKI_RUN_CHANGED ? j->new_serial : "";
	res.generation = j->status == PKI_RUN_CHANGED && j->gen != NULL ?
	    j->gen : "";
	res.dry_run = rn->o->dry_run;
	rn->o->result(rn->o->result_arg, &res);
}

/* How many members renew_one will restart one at a time (rolling). */
static size_t
rolls(const struct renew *rn, size_t ndue)
{
	size_t	i, n = 0;

	if (rn->o->rolling == NULL || rn->o->dry_run || ndue == 0)
		return 0;
	for (i = 0; i < rn->ts->n; i++)
		if (rn->jobs[i].due && rn->jobs[i].status == PKI_RUN_OK &&
		    rn->ts->t[i].member)
			n++;
	return n;
}

int
pki_renew_run(struct pki_targets *ts, const struct pki_renew_opts *o)
{
	struct renew	 rn;
	size_t		 i, ndue, nready, ndone, nrenewed = 0, nroll, nrolled;
	int		 worst = PKI_RUN_OK, crl;

	memset(&rn, 0, sizeof(rn));
	rn.o = o;
	rn.nt = &o->nt;
	rn.ts = ts;
	if ((rn.jobs = calloc(ts->n + 1, sizeof(*rn.jobs))) == NULL) {
		pki_note(rn.nt, PKI_NOTE_ERROR, NULL, "out of memory");
		return PKI_RUN_FAILED;
	}
	examine_all(&rn, &ndue, &nready);
	if (nready > 0 && !o->dry_run && o->hooks.pre != NULL &&
	    pre_hook(&rn) != 0)
		ndue = 0;
	progress(&rn, 0, nready);
	nroll = rolls(&rn, ndue);
	pki_roll_progress(o->rolling, 0, nroll);
	for (i = 0, ndone = 0, nrolled = 0; i < ts->n && ndue > 0; i++)
		if (rn.jobs[i].due && rn.jobs[i].status == PKI_RUN_OK) {
			renew_one(&rn, &ts->t[i], &rn.jobs[i]);
			if (rn.jobs[i].status == PKI_RUN_CHANGED)
				nrenewed++;
			progress(&rn, ++ndone, nready);
			if (nroll > 0 && ts->t[i].member)
				pki_roll_progress(o->rolling, ++nrolled,
				    nroll);
		}
	for (i = 0; i < ts->n; i++)
		if (rn.jobs[i].status > worst)
			worst = rn.jobs[i].status;
	if ((crl = crl_refresh(&rn)) > worst)
		worst = crl;
	if (nrenewed > 0 && !o->dry_run && o->hooks.restart != NULL &&
	    o->hooks.restart(o->hooks.arg) != 0)
		worst = PKI_RUN_FAILED;
	if (!o->dry_run && o->hooks.post != NULL && (ndue > 0 ||
	    worst == PKI_RUN_REFUSED || worst == PKI_RUN_FAILED))
		post_hook(&rn, worst);
	for (i = 0; i < ts->n && o->result != NULL; i++)
		result(&rn, &ts->t[i], &rn.jobs[i]);
	for (i = 0; i < ts->n; i++) {
		pki_cert_free(rn.jobs[i].cert);
		pki_key_free(rn.jobs[i].key);
		pki_cert_facts_clear(&rn.jobs[i].f);
		free(rn.jobs[i].gen);
	}
	free(rn.jobs);
	return worst;
}
