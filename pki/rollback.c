/*
 * rollback.c: back to the previous generation (or the .bak files of the
 * fixed layout), checked before the switch (pki_rollback_run).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* A certificate and key pair read from files or a generation. */
struct pair {
	struct pki_cert		*cert;
	struct pki_key		*key;
	char			 serial[64];
};

static void
pair_clear(struct pair *p)
{
	pki_cert_free(p->cert);
	pki_key_free(p->key);
	memset(p, 0, sizeof(*p));
}

/* Loads a pair from PEM buffers. */
static int
pair_load(struct pair *p, const char *what, const char *cert,
    size_t certlen, const char *key, size_t keylen,
    const struct pki_notify *nt)
{
	struct pki_error	 err;
	char			*dec = NULL;
	int			 r;

	memset(&err, 0, sizeof(err));
	r = pki_cert_load(cert, certlen, what, &p->cert, &err);
	if (r == 0)
		r = pki_key_load(key, keylen, what, NULL, &p->key, &err);
	if (r == 0)
		r = pki_cert_serial(p->cert, &dec, &err);
	if (r != 0) {
		pki_note_err(nt, NULL, &err, r);
		return -1;
	}
	snprintf(p->serial, sizeof(p->serial), "%s", dec);
	free(dec);
	if (!pki_cert_matches_key(p->cert, p->key)) {
		pki_note(nt, PKI_NOTE_ERROR, what, "the key does not match the "
		    "certificate");
		return -1;
	}
	return 0;
}

/* The pair of generation gen, or of the active set (gen NULL). */
static int
read_gen_pair(const struct pki_target *t, const char *gen, struct pair *p,
    const struct pki_notify *nt)
{
	struct pki_error	 err;
	char			*c = NULL, *k = NULL;
	size_t			 cl = 0, kl = 0;
	int			 r, ret = -1;

	memset(&err, 0, sizeof(err));
	if (gen != NULL) {
		r = pki_set_read_gen(t->set, gen, PKI_SET_CERT, &c, &cl, &err);
		if (r == 0)
			r = pki_set_read_gen(t->set, gen, PKI_SET_KEY, &k, &kl,
			    &err);
	} else {
		r = pki_set_read(t->set, PKI_SET_CERT, &c, &cl, &err);
		if (r == 0)
			r = pki_set_read(t->set, PKI_SET_KEY, &k, &kl, &err);
	}
	if (r != 0)
		pki_note_err(nt, NULL, &err, r);
	else
		ret = pair_load(p, gen != NULL ? gen : t->dir, c, cl, k, kl,
		    nt);
	free(c);
	if (k != NULL)
		pki_secret_free(k, kl + 1);
	return ret;
}

/* -to: the generation named to ("gen/X" or "X"), if it is not current. */
static char *
pick_to(const struct pki_target *t, const char *to, char **g, size_t n,
    const struct pki_notify *nt)
{
	const char	*cur = pki_set_current(t->set);
	char		*want = NULL, *pick = NULL;
	size_t		 i;

	if (asprintf(&want, "%s%s", strncmp(to, "gen/", 4) == 0 ? "" :
	    "gen/", to) == -1)
		return NULL;
	for (i = 0; i < n; i++)
		if (strcmp(g[i], want) == 0)
			pick = strdup(g[i]);
	if (pick == NULL)
		pki_note(nt, PKI_NOTE_ERROR, t->label, "-to %s: no such "
		    "generation in %s/gen", to, t->dir);
	else if (cur != NULL && strcmp(pick, cur) == 0) {
		pki_note(nt, PKI_NOTE_ERROR, t->label, "%s is already current",
		    pick);
		free(pick);
		pick = NULL;
	}
	free(want);
	return pick;
}

/* The generation to go back to: to, or the one before current. */
static char *
pick_gen(const struct pki_target *t, const char *to,
    const struct pki_notify *nt)
{
	struct pki_error	 err;
	const char		*cur = pki_set_current(t->set);
	char			**g = NULL, *pick = NULL;
	size_t			 n = 0, i;
	int			 r;

	memset(&err, 0, sizeof(err));
	if ((r = pki_set_generations(t->set, &g, &n, &err)) != 0) {
		pki_note_err(nt, NULL, &err, r);
		return NULL;
	}
	if (to != NULL)
		pick = pick_to(t, to, g, n, nt);
	else {
		for (i = 0; i < n && cur != NULL && strcmp(g[i], cur) < 0; i++)
			;
		if (i == 0)
			pki_note(nt, PKI_NOTE_ERROR, t->label, "no generation "
			    "before %s to roll back to", cur != NULL ? cur :
			    "current");
		else
			pick = strdup(g[i - 1]);
	}
	pki_strv_free(g, n);
	return pick;
}

static int
rollback_gen(const struct pki_target *t, const struct pki_rollback_opts *o)
{
	struct pki_error	 err;
	struct pair		 cur, old;
	char			*gen = NULL, curgen[NAME_MAX + 8];
	int			 r, ret = PKI_RUN_REFUSED;

	memset(&err, 0, sizeof(err));
	memset(&cur, 0, sizeof(cur));
	memset(&old, 0, sizeof(old));
	/* pki_set_activate() changes what pki_set_current() returns. */
	snprintf(curgen, sizeof(curgen), "%s", pki_set_current(t->set) !=
	    NULL ? pki_set_current(t->set) : "current");
	if ((gen = pick_gen(t, o->to, &o->nt)) == NULL)
		goto out;
	if (read_gen_pair(t, gen, &old, &o->nt) != 0) {
		pki_note(&o->nt, PKI_NOTE_ERROR, t->label, "%s is not a "
		    "complete set: not switching to it", gen);
		goto out;
	}
	if (read_gen_pair(t, NULL, &cur, &o->nt) == 0 &&
	    !pki_cert_matches_key(old.cert, cur.key) && o->restart == NULL &&
	    !o->force) {
		pki_note(&o->nt, PKI_NOTE_ERROR, t->label, "%s has another key "
		    "than %s: etcd could read one generation's certificate "
		    "with the other's key; give -restart-cmd (or -force)", gen,
		    curgen);
		goto out;
	}
	if ((r = pki_set_activate(t->set, gen, o->no_sync, &err)) != 0) {
		pki_note_err(&o->nt, NULL, &err, r);
		ret = PKI_RUN_FAILED;
		goto out;
	}
	pki_note(&o->nt, PKI_NOTE_OUT, t->label, "rolled back: %s (serial %s) "
	    "-> %s (serial %s)", curgen, cur.serial[0] ? cur.serial : "?", gen,
	    old.serial);
	ret = PKI_RUN_OK;
 out:
	pair_clear(&cur);
	pair_clear(&old);
	free(gen);
	return ret;
}

/* Reads path; *missing is set when it does not exist (no note then). */
static int
read_path(const char *path, char **buf, size_t *len, int *missing,
    const struct pki_notify *nt)
{
	struct pki_error	err;
	int			r;

	memset(&err, 0, sizeof(err));
	*missing = 0;
	if ((r = pki_input_read(path, 0, PKI_MAX_INPUT, buf, len, &err)) ==
	    0)
		return 0;
	if (r == PKI_ERR_IO && err.sys_errno == ENOENT)
		*missing = 1;
	else
		pki_note_err(nt, NULL, &err, r);
	return -1;
}

/*
 * The pair the fixed layout's *.bak files restore: NAME.pem.bak and
 * NAME-key.pem.bak, or the current key when the renewal kept it
 * (*newkey 0).  Returns 0, or -1 after a note.
 */
static int
read_bak(const struct pki_target *t, const char *cb, const char *kb,
    struct pair *old, int *newkey, const struct pki_notify *nt)
{
	char	*c = NULL, *k = NULL;
	size_t	 cl = 0, kl = 0;
	int	 missing, ret = -1;

	*newkey = 0;
	if (read_path(cb, &c, &cl, &missing, nt) != 0) {
		if (missing)
			pki_note(nt, PKI_NOTE_ERROR, t->label, "%s: missing: "
			    "nothing to roll back to", cb);
		goto out;
	}
	if (read_path(kb, &k, &kl, &missing, nt) == 0)
		*newkey = 1;
	else if (!missing || read_path(pki_set_path(t->set, PKI_SET_KEY), &k,
	    &kl, &missing, nt) != 0)
		goto out;
	if (pair_load(old, cb, c, cl, k, kl, nt) != 0) {
		pki_note(nt, PKI_NOTE_ERROR, t->label, "%s does not form a "
		    "complete set: not restoring it", cb);
		goto out;
	}
	ret = 0;
 out:
	free(c);
	if (k != NULL)
		pki_secret_free(k, kl + 1);
	return ret;
}

static int
rollback_fixed(const struct pki_target *t, const struct pki_rollback_opts *o)
{
	struct pki_error	 err;
	struct pair		 cur, old;
	char			 cb[4096], kb[4096];
	int			 r, newkey = 0, ret = PKI_RUN_REFUSED;

	memset(&err, 0, sizeof(err));
	memset(&cur, 0, sizeof(cur));
	memset(&old, 0, sizeof(old));
	snprintf(cb, sizeof(cb), "%s.bak", pki_set_path(t->set, PKI_SET_CERT));
	snprintf(kb, sizeof(kb), "%s.bak", pki_set_path(t->set, PKI_SET_KEY));
	if (read_bak(t, cb, kb, &old, &newkey, &o->nt) != 0)
		goto out;
	if (newkey && read_gen_pair(t, NULL, &cur, &o->nt) == 0 &&
	    !pki_cert_matches_key(old.cert, cur.key) && o->restart == NULL &&
	    !o->force) {
		pki_note(&o->nt, PKI_NOTE_ERROR, t->label, "%s holds another "
		    "key: restoring it while the member runs could pair a "
		    "certificate with the wrong key; give -restart-cmd (or "
		    "-force)", kb);
		goto out;
	}
	if ((r = pki_set_restore_fixed(t->set, o->no_sync, &err)) != 0) {
		pki_note_err(&o->nt, NULL, &err, r);
		ret = PKI_RUN_FAILED;
		goto out;
	}
	pki_note(&o->nt, PKI_NOTE_OUT, t->label, "rolled back: restored %s "
	    "(serial %s) from *.bak", pki_set_path(t->set, PKI_SET_CERT),
	    old.serial);
	ret = PKI_RUN_OK;
 out:
	pair_clear(&cur);
	pair_clear(&old);
	return ret;
}

int
pki_rollback_check(const struct pki_targets *ts, const char *to,
    struct pki_error *err)
{
	size_t	i;

	for (i = 0; to != NULL && i < ts->n; i++)
		if (pki_set_layout(ts->t[i].set) != PKI_LAYOUT_GENERATIONS)
			return pki_err(err, PKI_ERR_ARG, "%s: -to: %s uses the "
			    "fixed layout (no generations)", ts->t[i].label,
			    ts->t[i].dir);
	return PKI_OK;
}

int
pki_rollback_run(struct pki_targets *ts, const struct pki_rollback_opts *o)
{
	size_t	i, done = 0;
	int	r, worst = PKI_RUN_OK;

	for (i = 0; i < ts->n; i++) {
		if (pki_set_layout(ts->t[i].set) == PKI_LAYOUT_GENERATIONS)
			r = rollback_gen(&ts->t[i], o);
		else
			r = rollback_fixed(&ts->t[i], o);
		if (r == PKI_RUN_OK)
			done++;
		if (r > worst)
			worst = r;
	}
	if (done > 0 && o->restart != NULL && o->restart(o->arg) != 0)
		worst = PKI_RUN_FAILED;
	return worst;
}
