/*
 * cmd-renew.c: "etcd-pki renew", renewal of what is due, verified before
 * it is activated, with an atomic generation switch (or a fixed-path
 * replacement), hooks, and exit codes a timer can act on.
 */
#include <sys/stat.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"
#include "renew.h"
#include "metrics.h"
#include "status.h"
#include "run.h"
#include "rolling.h"

#define HOOK_TIMEOUT	300

static const int renew_opts[] = {
	OPT_CLUSTER, OPT_MEMBER, OPT_CA, OPT_CA_KEY, OPT_CONFIG, OPT_PROFILE,
	OPT_CSR_JSON, OPT_RENEW_BEFORE, OPT_STAGGER, OPT_FORCE,
	OPT_ALLOW_SAN_CHANGE, OPT_REKEY, OPT_KEEP, OPT_LAYOUT, OPT_RESTART,
	OPT_RESTART_CMD, OPT_STOP_CMD, OPT_START_CMD, OPT_PRE_HOOK,
	OPT_DEPLOY_HOOK, OPT_POST_HOOK, OPT_DRY_RUN, OPT_QUIET,
	OPT_METRICS_FILE, OPT_NO_SYNC, OPT_GATE_TIMEOUT, OPT_SETTLE,
	OPT_LOCK_TTL, OPT_MAX_LAG, OPT_RECORD, OPT_STRICT, OPT_LOGLEVEL,
	OPT_END
};

/* What renew learns about one set and what it does with it. */
struct job {
	struct pki_cert		*cert;
	struct pki_cert_facts	 f;
	struct pki_key		*key;
	int64_t			 renew_at;
	int			 due;
	int			 status;	/* 0, 10, 3 or 1 */
	char			 new_serial[64];
	char			 new_serial_hex[48];
	char			*gen;
};

struct renew {
	const struct opts	*o;
	struct targets		 ts;
	struct job		*jobs;
	struct pki_renew_policy	 pol;
	time_t			 now;
	int			 force, allow, rekey, dry, quiet, no_sync;
	int			 layout;	/* -1: as found, else PKI_LAYOUT_* */
	long			 keep;
	struct run_cmd		 pre, deploy, post, restart, stop, start;
	int			 rolling;	/* -restart rolling */
	struct rolling		 rl;
};

/* ---- checks ---------------------------------------------------------- */

/* Phase one: is t due, and can it be renewed? */
static void
examine(struct renew *rn, struct target *t, struct job *j)
{
	struct pki_error	 err;
	struct pki_drift	 d;
	char			*buf = NULL, at[32], left[32], dt[1024];
	size_t			 len = 0;
	int			 r;

	memset(&err, 0, sizeof(err));
	memset(&d, 0, sizeof(d));
	j->status = RENEW_EXIT_PRECOND;
	if ((r = reissue_read_set(t, PKI_SET_CERT, &buf, &len)) != 0) {
		if (r == 1)
			log_err("%s: %s: missing: nothing to renew (issue it "
			    "first: gencert -o or cluster issue)", t->label,
			    pki_set_path(t->set, PKI_SET_CERT));
		j->status = r == 1 ? RENEW_EXIT_PRECOND : CMD_RETURN_ERROR;
		return;
	}
	r = pki_cert_load(buf, len, pki_set_path(t->set, PKI_SET_CERT),
	    &j->cert, &err);
	free(buf);
	buf = NULL;
	if (r != 0 || (r = pki_cert_facts(j->cert, &j->f, &err)) != 0) {
		log_pki(&err, r);
		j->status = CMD_RETURN_ERROR;
		return;
	}
	if ((r = pki_renew_at(j->f.not_before, j->f.not_after, t->name,
	    &rn->pol, &j->renew_at, &err)) != 0) {
		log_err("%s: %s", t->label, err.text);
		return;
	}
	j->due = rn->force || (int64_t)rn->now >= j->renew_at;
	status_date(j->renew_at, at, sizeof(at));
	if (!j->due) {
		status_left(j->renew_at - (int64_t)rn->now, left, sizeof(left));
		if (!rn->quiet)
			printf("%s: not due: renews at %s (in %s)\n", t->label,
			    at, left);
		j->status = 0;
		return;
	}
	if ((r = reissue_read_set(t, PKI_SET_KEY, &buf, &len)) != 0) {
		if (r == 1)
			log_err("%s: %s: missing", t->label,
			    pki_set_path(t->set, PKI_SET_KEY));
		return;
	}
	r = pki_key_load(buf, len, pki_set_path(t->set, PKI_SET_KEY), NULL,
	    &j->key, &err);
	pki_secret_free(buf, len + 1);
	if (r != 0) {
		log_pki(&err, r);
		return;
	}
	if (!pki_cert_matches_key(j->cert, j->key) && !rn->rekey) {
		log_err("%s: %s does not match %s: restore a complete set "
		    "(etcd-pki rollback) or renew with -rekey", t->label,
		    pki_set_path(t->set, PKI_SET_KEY),
		    pki_set_path(t->set, PKI_SET_CERT));
		return;
	}
	if (t->csr == NULL) {
		log_err("%s: no CSR JSON to renew from (%s is missing): pass "
		    "-csr-json FILE", t->label, t->csr_path);
		return;
	}
	if ((r = pki_cert_drift(j->cert, t->csr, &d, &err)) != 0) {
		log_pki(&err, r);
		j->status = CMD_RETURN_ERROR;
		return;
	}
	if (pki_drift_any(&d) && !rn->allow) {
		reissue_drift_text(&d, dt, sizeof(dt));
		log_err("%s: the CSR JSON differs from the certificate: %s; "
		    "renew with -allow-san-change to reissue from the CSR "
		    "JSON", t->label, dt);
		pki_drift_clear(&d);
		return;
	}
	pki_drift_clear(&d);
	j->status = 0;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* -dry-run: writes the new files into a scratch directory and reads them
 * back, then removes it. */
static int
dry_write(const struct target *t, const struct pki_file *files, size_t n)
{
	struct pki_error	 err;
	struct pki_file		 f[PKI_SET__COUNT + 1];
	char			 tmpl[4096], *paths[PKI_SET__COUNT + 1];
	const char		*tmp = getenv("TMPDIR");
	size_t			 i;
	int			 r, ret = -1;

	memset(&err, 0, sizeof(err));
	memset(paths, 0, sizeof(paths));
	snprintf(tmpl, sizeof(tmpl), "%s/etcd-pki-dry-run.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(tmpl) == NULL) {
		log_err("%s: %s", tmpl, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char	*b = strrchr(files[i].path, '/');

		f[i] = files[i];
		if (asprintf(&paths[i], "%s/%s", tmpl, b != NULL ? b + 1 :
		    files[i].path) == -1) {
			paths[i] = NULL;
			log_err("out of memory");
			goto out;
		}
		f[i].path = paths[i];
	}
	if ((r = pki_file_write_set(f, n, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	for (i = 0; i < n; i++) {
		char	*buf = NULL;
		size_t	 len = 0;

		if ((r = pki_input_read(paths[i], 0, PKI_MAX_INPUT, &buf, &len,
		    &err)) != 0) {
			log_pki(&err, r);
			goto out;
		}
		r = len == f[i].len && memcmp(buf, f[i].data, len) == 0;
		pki_secret_free(buf, len + 1);
		if (!r) {
			log_err("%s: %s: read back differs", t->label, paths[i]);
			goto out;
		}
	}
	ret = 0;
 out:
	nftw(tmpl, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	for (i = 0; i < n; i++)
		free(paths[i]);
	return ret;
}

/* Runs an optional command; 0 when it is unset or exits 0. */
static int
run_opt(const struct run_cmd *rc, char *const *env)
{
	int	st;

	if (rc->argv == NULL)
		return 0;
	if ((st = run_exec(rc, env, HOOK_TIMEOUT)) == 0)
		return 0;
	if (st > 0)
		log_err("%s: \"%s\" exited with status %d", rc->flag, rc->text,
		    st);
	return -1;
}

static void
deploy_hook(struct renew *rn, const struct target *t, const struct job *j)
{
	char	*env[8];
	int	 i, n = 0;

	if (rn->deploy.argv == NULL)
		return;
	memset(env, 0, sizeof(env));
	if (asprintf(&env[n++], "ETCD_PKI_MEMBER=%s", t->name) == -1 ||
	    asprintf(&env[n++], "ETCD_PKI_CERT=%s",
	    pki_set_path(t->set, PKI_SET_CERT)) == -1 ||
	    asprintf(&env[n++], "ETCD_PKI_DIR=%s", t->dir) == -1 ||
	    asprintf(&env[n++], "ETCD_PKI_GENERATION=%s", j->gen != NULL ?
	    j->gen : "") == -1 ||
	    asprintf(&env[n++], "ETCD_PKI_OLD_SERIAL=%s", j->f.serial) == -1 ||
	    asprintf(&env[n++], "ETCD_PKI_NEW_SERIAL=%s", j->new_serial) ==
	    -1 || asprintf(&env[n++], "ETCD_PKI_REKEYED=%d", rn->rekey) == -1) {
		env[n - 1] = NULL;
		log_err("out of memory");
		j = NULL;
	}
	if (j != NULL && run_opt(&rn->deploy, env) != 0)
		log_err("%s: the certificate is renewed and active, but the "
		    "deploy hook failed", t->label);
	for (i = 0; i < n; i++)
		free(env[i]);
}

/*
 * -restart rolling for a member's staged generation j->gen: the cluster
 * lock and the gates, the switch inside the restart, and the rollback.
 * Returns RENEW_EXIT_RENEWED, or the status (75, 3, 4, 5, 1) after
 * printing why; the generation is discarded unless it became current.
 */
static int
rolling_one(struct renew *rn, struct target *t, struct job *j)
{
	struct rolling_session	*s = NULL;
	struct pki_roll_expect	 want, old;
	struct pki_error	 err;
	const char		*cur;
	int			 r;

	memset(&want, 0, sizeof(want));
	memset(&old, 0, sizeof(old));
	memset(&err, 0, sizeof(err));
	if ((r = rolling_begin(&rn->rl, &rn->ts, t, &s)) == CMD_RETURN_NORMAL) {
		want.serial_hex = j->new_serial_hex;
		old.serial_hex = j->f.serial_hex;
		r = rolling_switch(s, t->set, j->gen, &want, &old);
		if (rolling_end(s) != 0 && r == CMD_RETURN_NORMAL)
			log_err("%s: the cluster lock was lost or not "
			    "released", t->label);
	}
	if (r == CMD_RETURN_NORMAL)
		return RENEW_EXIT_RENEWED;
	if ((cur = pki_set_current(t->set)) == NULL || strcmp(cur, j->gen) !=
	    0) {
		if (pki_set_discard(t->set, j->gen, &err) != 0)
			log_pki(&err, PKI_ERR_IO);
		else if (r == RENEW_EXIT_ROLLED_BACK)
			printf("%s: %s removed: it failed the gates\n",
			    t->label, j->gen);
	}
	return r;
}

/* Phase two: renews t (due, examined). */
static void
renew_one(struct renew *rn, struct target *t, struct job *j)
{
	struct pki_error	 err;
	struct pki_set_update	 u;
	struct reissued		 rs;
	struct pki_file		 files[PKI_SET__COUNT + 1];
	struct pki_key		*newkey = NULL;
	const struct pki_key	*key = j->key;
	char			*certpem, *csrpem, *keypem = NULL;
	char			*meta, na[32];
	size_t			 certlen, csrlen, keylen = 0, nf_ = 0;
	size_t			 pruned = 0;
	int			 r, layout;

	memset(&err, 0, sizeof(err));
	memset(&u, 0, sizeof(u));
	memset(&rs, 0, sizeof(rs));
	j->status = CMD_RETURN_ERROR;
	if (rn->rekey) {
		if ((r = pki_key_generate(t->csr, &newkey, &err)) != 0 ||
		    (r = pki_key_encode(newkey, PKI_KEY_FMT_CFSSL, &keypem,
		    &keylen, &err)) != 0)
			goto fail;
		key = newkey;
	}
	if ((r = reissue_sign(&rn->ts, t, &j->f, key, rn->now, rn->rekey,
	    rn->force, &rs)) != CMD_RETURN_NORMAL) {
		j->status = r;
		goto out;
	}
	certpem = rs.certpem;
	certlen = rs.certlen;
	csrpem = rs.csrpem;
	csrlen = rs.csrlen;
	meta = rs.meta;
	snprintf(j->new_serial, sizeof(j->new_serial), "%s", rs.f.serial);
	snprintf(j->new_serial_hex, sizeof(j->new_serial_hex), "%s",
	    rs.f.serial_hex);
	u.data[PKI_SET_CERT] = certpem;
	u.len[PKI_SET_CERT] = certlen;
	u.data[PKI_SET_CSR] = csrpem;
	u.len[PKI_SET_CSR] = csrlen;
	if (keypem != NULL) {
		u.data[PKI_SET_KEY] = keypem;
		u.len[PKI_SET_KEY] = keylen;
	}
	u.meta = meta;
	u.metalen = strlen(meta);
	u.serial_hex = rs.f.serial_hex;
	u.now = rn->now;
	u.no_sync = rn->no_sync;
	status_date(rs.f.not_after, na, sizeof(na));

	if (rn->dry) {
		char	n0[512], n1[512], n2[512];

		snprintf(n0, sizeof(n0), "%s.pem", t->name);
		snprintf(n1, sizeof(n1), "%s.csr", t->name);
		snprintf(n2, sizeof(n2), "%s-key.pem", t->name);
		files[nf_++] = (struct pki_file){ n0, certpem, certlen, 0644 };
		files[nf_++] = (struct pki_file){ n1, csrpem, csrlen, 0644 };
		if (keypem != NULL)
			files[nf_++] = (struct pki_file){ n2, keypem, keylen,
			    0600 };
		if (dry_write(t, files, nf_) != 0)
			goto out;
		printf("%s: would renew: serial %s -> %s, not after %s%s "
		    "(dry run: nothing changed)\n", t->label, j->f.serial,
		    rs.f.serial, na, rn->rekey ? ", new key" : "");
		j->status = RENEW_EXIT_RENEWED;
		goto out;
	}

	layout = pki_set_layout(t->set);
	if (rn->layout == PKI_LAYOUT_FIXED && layout != PKI_LAYOUT_FIXED) {
		log_err("%s: %s uses generations (%s/current): -layout fixed "
		    "cannot go back", t->label, t->dir, t->dir);
		j->status = RENEW_EXIT_PRECOND;
		goto out;
	}
	/*
	 * Converts a fixed set, and finishes a conversion a killed run left
	 * half done (a no-op on a complete generations set).
	 */
	if (rn->layout != PKI_LAYOUT_FIXED) {
		if ((r = pki_set_convert(t->set, (time_t)j->f.not_before,
		    j->f.serial_hex, rn->no_sync, &err)) != 0)
			goto fail;
		if (layout == PKI_LAYOUT_FIXED)
			printf("%s: %s now uses generations: %s is a link to "
			    "current/%s.pem\n", t->label, t->dir,
			    pki_set_path(t->set, PKI_SET_CERT), t->name);
		layout = PKI_LAYOUT_GENERATIONS;
	}
	if (layout == PKI_LAYOUT_GENERATIONS) {
		if ((r = pki_set_stage(t->set, &u, &j->gen, &err)) != 0)
			goto fail;
		if (reissue_check_staged(t, j->gen, certpem, certlen, key) != 0) {
			if (pki_set_discard(t->set, j->gen, &err) != 0)
				log_pki(&err, PKI_ERR_IO);
			j->status = RENEW_EXIT_PRECOND;
			goto out;
		}
		if (rn->rolling && t->member) {
			if ((j->status = rolling_one(rn, t, j)) !=
			    RENEW_EXIT_RENEWED)
				goto out;
			goto activated;
		}
		if (keypem != NULL && run_opt(&rn->stop, NULL) != 0) {
			log_err("%s: -stop-cmd failed: %s not activated",
			    t->label, j->gen);
			if (pki_set_discard(t->set, j->gen, &err) != 0)
				log_pki(&err, PKI_ERR_IO);
			goto out;
		}
		r = pki_set_activate(t->set, j->gen, rn->no_sync, &err);
		if (keypem != NULL && run_opt(&rn->start, NULL) != 0)
			log_err("%s: -start-cmd failed after the switch", t->label);
		if (r != 0) {
			struct pki_error	 derr;
			const char		*cur = pki_set_current(t->set);

			/* Not activated: the staged generation goes. */
			memset(&derr, 0, sizeof(derr));
			if ((cur == NULL || strcmp(cur, j->gen) != 0) &&
			    pki_set_discard(t->set, j->gen, &derr) != 0)
				log_pki(&derr, PKI_ERR_IO);
			goto fail;
		}
	} else {
		if (keypem != NULL && run_opt(&rn->stop, NULL) != 0) {
			log_err("%s: -stop-cmd failed: nothing replaced",
			    t->label);
			goto out;
		}
		r = pki_set_replace_fixed(t->set, &u, &err);
		if (keypem != NULL && run_opt(&rn->start, NULL) != 0)
			log_err("%s: -start-cmd failed after the swap", t->label);
		if (r != 0)
			goto fail;
	}
 activated:
	printf("%s: renewed: serial %s -> %s, not after %s%s, %s\n", t->label,
	    j->f.serial, rs.f.serial, na, rn->rekey ? ", new key" : "",
	    j->gen != NULL ? j->gen : "previous files in *.bak");
	j->status = RENEW_EXIT_RENEWED;
	if (layout == PKI_LAYOUT_GENERATIONS) {
		if ((r = pki_set_prune(t->set, (int)rn->keep, &pruned,
		    &err)) != 0)
			log_pki(&err, r);
		else if (pruned > 0 && !rn->quiet)
			printf("%s: removed %zu old generation%s (-keep %ld)\n",
			    t->label, pruned, pruned == 1 ? "" : "s", rn->keep);
	}
	deploy_hook(rn, t, j);
	goto out;
 fail:
	log_pki(&err, r);
 out:
	reissued_free(&rs);
	pki_key_free(newkey);
	if (keypem != NULL)
		pki_secret_free(keypem, keylen);
}

/* ---- the command ------------------------------------------------------ */

static int
parse_cmd(const struct opts *o, enum opt_id id, struct run_cmd *rc)
{
	const char	*v = opts_str(o, id);

	if (v == NULL)
		return 0;
	return run_parse(rc, id == OPT_PRE_HOOK ? "-pre-hook" :
	    id == OPT_DEPLOY_HOOK ? "-deploy-hook" : id == OPT_POST_HOOK ?
	    "-post-hook" : id == OPT_RESTART_CMD ? "-restart-cmd" :
	    id == OPT_STOP_CMD ? "-stop-cmd" : "-start-cmd", v);
}

static int
parse_flags(struct renew *rn)
{
	const struct opts	*o = rn->o;
	struct pki_error	 err;
	const char		*v;
	int			 r;

	memset(&err, 0, sizeof(err));
	pki_renew_policy_default(&rn->pol);
	rn->force = o->b[OPT_FORCE];
	rn->allow = o->b[OPT_ALLOW_SAN_CHANGE];
	rn->rekey = o->b[OPT_REKEY];
	rn->dry = o->b[OPT_DRY_RUN];
	rn->quiet = o->b[OPT_QUIET];
	rn->no_sync = o->b[OPT_NO_SYNC];
	rn->keep = o->set[OPT_KEEP] ? o->i[OPT_KEEP] : 3;
	rn->layout = -1;
	if (rn->keep < 0) {
		log_err("-keep: %ld: must be 0 or more", rn->keep);
		return -1;
	}
	if ((v = opts_str(o, OPT_RENEW_BEFORE)) != NULL &&
	    (r = pki_renew_before_parse(v, "-renew-before", &rn->pol,
	    &err)) != 0) {
		log_pki(&err, r);
		return -1;
	}
	if ((v = opts_str(o, OPT_STAGGER)) != NULL &&
	    (r = pki_renew_stagger_parse(v, "-stagger", &rn->pol, &err)) != 0) {
		log_pki(&err, r);
		return -1;
	}
	if ((v = opts_str(o, OPT_LAYOUT)) != NULL) {
		if (strcmp(v, "generations") == 0)
			rn->layout = PKI_LAYOUT_GENERATIONS;
		else if (strcmp(v, "fixed") == 0)
			rn->layout = PKI_LAYOUT_FIXED;
		else {
			log_err("-layout: \"%s\": must be generations or fixed",
			    v);
			return -1;
		}
	}
	if (parse_cmd(o, OPT_PRE_HOOK, &rn->pre) != 0 ||
	    parse_cmd(o, OPT_DEPLOY_HOOK, &rn->deploy) != 0 ||
	    parse_cmd(o, OPT_POST_HOOK, &rn->post) != 0 ||
	    parse_cmd(o, OPT_RESTART_CMD, &rn->restart) != 0 ||
	    parse_cmd(o, OPT_STOP_CMD, &rn->stop) != 0 ||
	    parse_cmd(o, OPT_START_CMD, &rn->start) != 0)
		return -1;
	if ((v = opts_str(o, OPT_RESTART)) != NULL &&
	    strcmp(v, "rolling") == 0) {
		if (!o->set[OPT_CLUSTER]) {
			log_err("-restart rolling needs -cluster DESC: the "
			    "members' client URLs and the local member come "
			    "from the cluster description");
			return -1;
		}
		if (rn->layout == PKI_LAYOUT_FIXED) {
			log_err("-restart rolling keeps the previous "
			    "generation to roll back to: it does not work "
			    "with -layout fixed");
			return -1;
		}
		rn->rolling = 1;
	} else if (v != NULL) {
		if (strcmp(v, "none") != 0) {
			log_err("-restart: \"%s\": must be none or rolling",
			    v);
			return -1;
		}
		if (rn->restart.argv != NULL) {
			log_err("-restart none and -restart-cmd contradict each "
			    "other");
			return -1;
		}
		if (rn->rekey) {
			log_err("-restart none needs the key to be kept: with "
			    "-rekey a handshake could read the new certificate "
			    "with the old key; restart the member instead");
			return -1;
		}
	}
	if (!rn->rolling && (o->set[OPT_GATE_TIMEOUT] ||
	    o->set[OPT_SETTLE] || o->set[OPT_LOCK_TTL] ||
	    o->set[OPT_MAX_LAG] || o->set[OPT_RECORD])) {
		log_err("-gate-timeout, -settle, -lock-ttl, -max-lag and "
		    "-record are for -restart rolling");
		return -1;
	}
	if ((rn->stop.argv == NULL) != (rn->start.argv == NULL)) {
		log_err("-stop-cmd and -start-cmd go together");
		return -1;
	}
	if (rn->rolling) {
		/* The restart commands move into the rolling session. */
		rn->rl.restart = rn->restart;
		rn->rl.stop = rn->stop;
		rn->rl.start = rn->start;
		memset(&rn->restart, 0, sizeof(rn->restart));
		memset(&rn->stop, 0, sizeof(rn->stop));
		memset(&rn->start, 0, sizeof(rn->start));
		rn->rl.quiet = rn->quiet;
		return rolling_flags(o, &rn->rl);
	}
	if (rn->stop.argv != NULL && !rn->rekey) {
		log_err("-stop-cmd and -start-cmd are for -rekey (a kept key "
		    "is swapped while the member runs)");
		return -1;
	}
	if (rn->rekey && rn->layout == PKI_LAYOUT_FIXED &&
	    rn->stop.argv == NULL) {
		log_err("-rekey with -layout fixed replaces the certificate "
		    "and the key one after the other: give -stop-cmd and "
		    "-start-cmd so that happens while the member is stopped");
		return -1;
	}
	if (rn->rekey && rn->stop.argv == NULL && rn->restart.argv == NULL) {
		log_err("-rekey needs -restart-cmd (or -stop-cmd and "
		    "-start-cmd): etcd reads the certificate and the key "
		    "separately, so a new key is only safe with a restart");
		return -1;
	}
	return 0;
}

/*
 * "a b c": the names of the jobs about to be renewed (st < 0), that failed
 * (st == 1: status 1 or 3), or that have status st.
 */
static char *
names(const struct renew *rn, int st)
{
	char	*s = NULL, *ns;
	size_t	 i;

	if ((s = strdup("")) == NULL)
		return NULL;
	for (i = 0; i < rn->ts.n; i++) {
		const struct job	*j = &rn->jobs[i];

		if (st < 0 ? !(j->due && j->status == 0) : st == 1 ?
		    (j->status != 1 && j->status != RENEW_EXIT_PRECOND &&
		    j->status != RENEW_EXIT_ROLLED_BACK &&
		    j->status != RENEW_EXIT_ROLLBACK_FAILED) :
		    j->status != st)
			continue;
		if (asprintf(&ns, "%s%s%s", s, *s ? " " : "",
		    rn->ts.t[i].name) == -1) {
			free(s);
			return NULL;
		}
		free(s);
		s = ns;
	}
	return s;
}

static void
post_hook(struct renew *rn, int exit_code)
{
	char	*env[4], *ok, *bad;

	memset(env, 0, sizeof(env));
	ok = names(rn, RENEW_EXIT_RENEWED);
	bad = names(rn, 1);
	if (ok == NULL || bad == NULL ||
	    asprintf(&env[0], "ETCD_PKI_RENEWED=%s", ok) == -1 ||
	    asprintf(&env[1], "ETCD_PKI_FAILED=%s", bad) == -1 ||
	    asprintf(&env[2], "ETCD_PKI_EXIT=%d", exit_code) == -1)
		log_err("out of memory");
	else if (run_opt(&rn->post, env) != 0)
		log_err("the post hook failed");
	free(ok);
	free(bad);
	free(env[0]);
	free(env[1]);
	free(env[2]);
}

/*
 * -metrics-file: the status of every set after the run (as status
 * computes it, with this run's policy) and the run's exit status.
 */
static int
write_metrics(struct renew *rn, int exit_code)
{
	struct status_set	 ss;
	size_t			 i;
	int			 r = 0;

	status_init(&ss, time(NULL), &rn->pol);
	if (rn->ts.cl != NULL)
		r = status_add_cluster(&ss, rn->ts.cl, rn->ts.topdir,
		    opts_str(rn->o, OPT_MEMBER));
	else
		for (i = 0; i < rn->ts.n && r == 0; i++)
			r = status_add_path(&ss, rn->o->args[i]);
	if (r == 0) {
		status_link(&ss);
		r = metrics_write(opts_str(rn->o, OPT_METRICS_FILE), "renew",
		    ss.rows, ss.n, exit_code, ss.now);
	}
	status_free(&ss);
	return r;
}

/* The exit status of a run is its jobs' worst, in this order. */
static int
rank(int st)
{
	static const int order[] = { 0, RENEW_EXIT_RENEWED, RENEW_EXIT_BUSY,
	    RENEW_EXIT_PRECOND, CMD_RETURN_ERROR, RENEW_EXIT_ROLLED_BACK,
	    RENEW_EXIT_ROLLBACK_FAILED };
	size_t	i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (order[i] == st)
			return (int)i;
	return 4;
}

static int
cmd_renew_exec(struct opts *o)
{
	struct renew	 rn;
	size_t		 i, ndue = 0, nready = 0, nrenewed = 0;
	int		 ret, r, worst = 0;

	memset(&rn, 0, sizeof(rn));
	rn.o = o;
	rn.now = time(NULL);
	if (parse_flags(&rn) != 0) {
		ret = CMD_RETURN_USAGE;
		goto out;
	}
	if ((ret = targets_load(o, 1, &rn.ts)) != CMD_RETURN_NORMAL)
		goto out;
	if ((ret = targets_lock_open(&rn.ts)) != CMD_RETURN_NORMAL)
		goto out;
	if ((rn.jobs = calloc(rn.ts.n, sizeof(*rn.jobs))) == NULL) {
		log_err("out of memory");
		ret = CMD_RETURN_ERROR;
		goto out;
	}
	for (i = 0; i < rn.ts.n; i++) {
		examine(&rn, &rn.ts.t[i], &rn.jobs[i]);
		if (rn.jobs[i].due)
			ndue++;
		if (rn.jobs[i].due && rn.jobs[i].status == 0)
			nready++;
	}
	/* The pre hook only when a renewal will be attempted. */
	if (nready > 0 && !rn.dry && rn.pre.argv != NULL) {
		char	*due = names(&rn, -1), *env[2] = { NULL, NULL };

		if (due == NULL || asprintf(&env[0], "ETCD_PKI_DUE=%s", due) ==
		    -1)
			env[0] = NULL;
		r = env[0] != NULL ? run_opt(&rn.pre, env) : -1;
		free(env[0]);
		free(due);
		if (r != 0) {
			log_err("the pre hook failed: nothing renewed");
			for (i = 0; i < rn.ts.n; i++)
				if (rn.jobs[i].due && rn.jobs[i].status == 0)
					rn.jobs[i].status = RENEW_EXIT_PRECOND;
			ndue = 0;
		}
	}
	for (i = 0; i < rn.ts.n && ndue > 0; i++)
		if (rn.jobs[i].due && rn.jobs[i].status == 0) {
			renew_one(&rn, &rn.ts.t[i], &rn.jobs[i]);
			if (rn.jobs[i].status == RENEW_EXIT_RENEWED)
				nrenewed++;
		}
	for (i = 0; i < rn.ts.n; i++)
		if (rank(rn.jobs[i].status) > rank(worst))
			worst = rn.jobs[i].status;
	if (nrenewed > 0 && !rn.dry && rn.restart.argv != NULL &&
	    run_opt(&rn.restart, NULL) != 0) {
		log_err("-restart-cmd failed: the new certificates are active "
		    "on disk but the member may not have loaded them");
		worst = CMD_RETURN_ERROR;
	}
	ret = worst;
	if (!rn.dry && (ndue > 0 || worst == RENEW_EXIT_PRECOND ||
	    worst == CMD_RETURN_ERROR))
		post_hook(&rn, ret);
 out:
	if (opts_str(o, OPT_METRICS_FILE) != NULL && ret != CMD_RETURN_USAGE &&
	    write_metrics(&rn, ret) != 0 && (ret == 0 ||
	    ret == RENEW_EXIT_RENEWED))
		ret = CMD_RETURN_ERROR;
	for (i = 0; rn.jobs != NULL && i < rn.ts.n; i++) {
		pki_cert_free(rn.jobs[i].cert);
		pki_key_free(rn.jobs[i].key);
		pki_cert_facts_clear(&rn.jobs[i].f);
		free(rn.jobs[i].gen);
	}
	free(rn.jobs);
	targets_free(&rn.ts);
	run_free(&rn.pre);
	run_free(&rn.deploy);
	run_free(&rn.post);
	run_free(&rn.restart);
	run_free(&rn.stop);
	run_free(&rn.start);
	rolling_free(&rn.rl);
	return ret;
}

const struct cmd_entry cmd_renew_entry = {
	"renew",
	"renew certificates that are due, verified and switched atomically",
	"        PROG renew [flags] -ca CERT -ca-key KEY [-config FILE "
	"-profile NAME] CERT...\n"
	"        PROG renew [flags] -cluster DESC [-member NAME] DIR\n"
	"\n"
	"Renews each certificate set (CERT = DIR/NAME.pem, with NAME-key.pem,\n"
	"NAME.csr and NAME-csr.json next to it) when 1/3 of its lifetime is\n"
	"left (-renew-before), earlier by a fixed per-member offset\n"
	"(-stagger), keeping the key unless -rekey.  The new set is verified,\n"
	"written as a new generation DIR/gen/TIME-SERIAL/ and activated by\n"
	"switching the link DIR/current; DIR/NAME.pem and the others become\n"
	"links through current/ (or, with -layout fixed, replaced in place\n"
	"with a .bak copy).  -restart rolling (with -cluster) restarts each\n"
	"member on its new generation one at a time through etcd's lock\n"
	"\"etcd-pki-rollover\", with health gates before and after, and rolls\n"
	"back when the gates after the restart fail.  Exit status: 0 nothing\n"
	"due, 10 renewed, 75 another run holds the lock, 3 a precondition or\n"
	"gate failed, 4 rolled back, 5 the rollback failed too, 1 error, 2\n"
	"usage.",
	renew_opts,
	cmd_renew_exec,
	1,
	0
};
