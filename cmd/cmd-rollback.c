/*
 * cmd-rollback.c: "etcd-pki rollback", back to the previous generation
 * (or the .bak files of the fixed layout), checked before the switch.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "cmd.h"
#include "log.h"
#include "renew.h"
#include "status.h"
#include "run.h"

static const int rollback_opts[] = {
	OPT_CLUSTER, OPT_MEMBER, OPT_TO, OPT_FORCE, OPT_RESTART_CMD,
	OPT_NO_SYNC, OPT_STRICT, OPT_LOGLEVEL, OPT_END
};

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

/* Loads a pair from PEM buffers (the key buffer is wiped). */
static int
pair_load(struct pair *p, const char *what, char *cert, size_t certlen,
    char *key, size_t keylen)
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
		log_pki(&err, r);
		return -1;
	}
	snprintf(p->serial, sizeof(p->serial), "%s", dec);
	free(dec);
	if (!pki_cert_matches_key(p->cert, p->key)) {
		log_err("%s: the key does not match the certificate", what);
		return -1;
	}
	return 0;
}

static int
read_gen_pair(const struct target *t, const char *gen, struct pair *p)
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
		log_pki(&err, r);
	else
		ret = pair_load(p, gen != NULL ? gen : t->dir, c, cl, k, kl);
	free(c);
	if (k != NULL)
		pki_secret_free(k, kl + 1);
	return ret;
}

/* The generation to go back to: -to, or the one before current. */
static char *
pick_gen(const struct target *t, const char *to)
{
	struct pki_error	 err;
	const char		*cur = pki_set_current(t->set);
	char			**g = NULL, *want = NULL, *pick = NULL;
	size_t			 n = 0, i;
	int			 r;

	memset(&err, 0, sizeof(err));
	if ((r = pki_set_generations(t->set, &g, &n, &err)) != 0) {
		log_pki(&err, r);
		return NULL;
	}
	if (to != NULL) {
		if (asprintf(&want, "%s%s", strncmp(to, "gen/", 4) == 0 ? "" :
		    "gen/", to) == -1)
			want = NULL;
		for (i = 0; want != NULL && i < n; i++)
			if (strcmp(g[i], want) == 0)
				pick = strdup(g[i]);
		if (want != NULL && pick == NULL)
			log_err("%s: -to %s: no such generation in %s/gen",
			    t->label, to, t->dir);
		else if (pick != NULL && cur != NULL && strcmp(pick, cur) == 0) {
			log_err("%s: %s is already current", t->label, pick);
			free(pick);
			pick = NULL;
		}
	} else {
		for (i = 0; i < n && cur != NULL && strcmp(g[i], cur) < 0; i++)
			;
		if (i == 0)
			log_err("%s: no generation before %s to roll back to",
			    t->label, cur != NULL ? cur : "current");
		else
			pick = strdup(g[i - 1]);
	}
	free(want);
	pki_strv_free(g, n);
	return pick;
}

static int
rollback_gen(const struct target *t, const char *to, int force, int restart,
    int no_sync)
{
	struct pki_error	 err;
	struct pair		 cur, old;
	char			*gen = NULL, curgen[NAME_MAX + 8];
	int			 r, ret = RENEW_EXIT_PRECOND;

	memset(&err, 0, sizeof(err));
	memset(&cur, 0, sizeof(cur));
	memset(&old, 0, sizeof(old));
	/* pki_set_activate() changes what pki_set_current() returns. */
	snprintf(curgen, sizeof(curgen), "%s", pki_set_current(t->set) !=
	    NULL ? pki_set_current(t->set) : "current");
	if ((gen = pick_gen(t, to)) == NULL)
		goto out;
	if (read_gen_pair(t, gen, &old) != 0) {
		log_err("%s: %s is not a complete set: not switching to it",
		    t->label, gen);
		goto out;
	}
	if (read_gen_pair(t, NULL, &cur) == 0 &&
	    !pki_cert_matches_key(old.cert, cur.key) && !restart && !force) {
		log_err("%s: %s has another key than %s: etcd could read one "
		    "generation's certificate with the other's key; give "
		    "-restart-cmd (or -force)", t->label, gen, curgen);
		goto out;
	}
	if ((r = pki_set_activate(t->set, gen, no_sync, &err)) != 0) {
		log_pki(&err, r);
		ret = CMD_RETURN_ERROR;
		goto out;
	}
	printf("%s: rolled back: %s (serial %s) -> %s (serial %s)\n",
	    t->label, curgen, cur.serial[0] ?
	    cur.serial : "?", gen, old.serial);
	ret = 0;
 out:
	pair_clear(&cur);
	pair_clear(&old);
	free(gen);
	return ret;
}

static int
read_path(const char *path, char **buf, size_t *len, int *missing)
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
		log_pki(&err, r);
	return -1;
}

static int
rollback_fixed(const struct target *t, int force, int restart, int no_sync)
{
	struct pki_error	 err;
	struct pair		 cur, old;
	char			 cb[4096], kb[4096];
	char			*c = NULL, *k = NULL;
	size_t			 cl = 0, kl = 0;
	int			 r, missing, newkey = 0, ret = RENEW_EXIT_PRECOND;

	memset(&err, 0, sizeof(err));
	memset(&cur, 0, sizeof(cur));
	memset(&old, 0, sizeof(old));
	snprintf(cb, sizeof(cb), "%s.bak", pki_set_path(t->set, PKI_SET_CERT));
	snprintf(kb, sizeof(kb), "%s.bak", pki_set_path(t->set, PKI_SET_KEY));
	if (read_path(cb, &c, &cl, &missing) != 0) {
		if (missing)
			log_err("%s: %s: missing: nothing to roll back to",
			    t->label, cb);
		goto out;
	}
	if (read_path(kb, &k, &kl, &missing) == 0)
		newkey = 1;
	else if (!missing || read_path(pki_set_path(t->set, PKI_SET_KEY), &k,
	    &kl, &missing) != 0)
		goto out;
	if (pair_load(&old, cb, c, cl, k, kl) != 0) {
		log_err("%s: %s does not form a complete set: not restoring it",
		    t->label, cb);
		goto out;
	}
	if (newkey && read_gen_pair(t, NULL, &cur) == 0 &&
	    !pki_cert_matches_key(old.cert, cur.key) && !restart && !force) {
		log_err("%s: %s holds another key: restoring it while the "
		    "member runs could pair a certificate with the wrong key; "
		    "give -restart-cmd (or -force)", t->label, kb);
		goto out;
	}
	if ((r = pki_set_restore_fixed(t->set, no_sync, &err)) != 0) {
		log_pki(&err, r);
		ret = CMD_RETURN_ERROR;
		goto out;
	}
	printf("%s: rolled back: restored %s (serial %s) from *.bak\n",
	    t->label, pki_set_path(t->set, PKI_SET_CERT), old.serial);
	ret = 0;
 out:
	free(c);
	if (k != NULL)
		pki_secret_free(k, kl + 1);
	pair_clear(&cur);
	pair_clear(&old);
	return ret;
}

static int
cmd_rollback_exec(struct opts *o)
{
	struct targets	 ts;
	struct run_cmd	 restart;
	size_t		 i, done = 0;
	int		 ret, r, worst = 0, rs;
	const char	*to = opts_str(o, OPT_TO);

	memset(&ts, 0, sizeof(ts));
	memset(&restart, 0, sizeof(restart));
	if (opts_str(o, OPT_RESTART_CMD) != NULL && run_parse(&restart,
	    "-restart-cmd", opts_str(o, OPT_RESTART_CMD)) != 0)
		return CMD_RETURN_USAGE;
	rs = restart.argv != NULL;
	if ((ret = targets_load(o, 0, &ts)) != CMD_RETURN_NORMAL)
		goto out;
	if (to != NULL && ts.n != 1) {
		log_err("-to names a generation of one set; %zu are given "
		    "(use -member)", ts.n);
		ret = CMD_RETURN_USAGE;
		goto out;
	}
	if ((ret = targets_lock_open(&ts)) != CMD_RETURN_NORMAL)
		goto out;
	for (i = 0; i < ts.n; i++) {
		const struct target	*t = &ts.t[i];

		if (pki_set_layout(t->set) == PKI_LAYOUT_GENERATIONS) {
			r = rollback_gen(t, to, o->b[OPT_FORCE], rs,
			    o->b[OPT_NO_SYNC]);
		} else if (to != NULL) {
			log_err("%s: -to: %s uses the fixed layout (no "
			    "generations)", t->label, t->dir);
			r = CMD_RETURN_USAGE;
		} else
			r = rollback_fixed(t, o->b[OPT_FORCE], rs,
			    o->b[OPT_NO_SYNC]);
		if (r == 0)
			done++;
		if (r > worst && worst != CMD_RETURN_ERROR)
			worst = r;
		if (r == CMD_RETURN_ERROR)
			worst = r;
	}
	if (done > 0 && rs && run_exec(&restart, NULL, 300) != 0) {
		log_err("-restart-cmd failed after the rollback");
		worst = CMD_RETURN_ERROR;
	}
	ret = worst;
 out:
	targets_free(&ts);
	run_free(&restart);
	return ret;
}

const struct cmd_entry cmd_rollback_entry = {
	"rollback",
	"switch a renewed set back to the previous generation",
	"        PROG rollback [flags] CERT...\n"
	"        PROG rollback [flags] -cluster DESC [-member NAME] DIR\n"
	"\n"
	"Points DIR/current back at the generation before it (or -to GEN),\n"
	"after checking that its key matches its certificate; in the fixed\n"
	"layout, puts the *.bak files of the last renewal back.  A generation\n"
	"with another key than the current one needs -restart-cmd (or\n"
	"-force).  Exit status: 0 rolled back, 3 nothing to roll back to or\n"
	"a check failed, 75 another run holds the lock, 1 error, 2 usage.",
	rollback_opts,
	cmd_rollback_exec,
	1,
	0
};
