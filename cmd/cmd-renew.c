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

#define HOOK_TIMEOUT	300

static const int renew_opts[] = {
	OPT_CLUSTER, OPT_MEMBER, OPT_CA, OPT_CA_KEY, OPT_CONFIG, OPT_PROFILE,
	OPT_CSR_JSON, OPT_RENEW_BEFORE, OPT_STAGGER, OPT_FORCE,
	OPT_ALLOW_SAN_CHANGE, OPT_REKEY, OPT_KEEP, OPT_LAYOUT, OPT_RESTART,
	OPT_RESTART_CMD, OPT_STOP_CMD, OPT_START_CMD, OPT_PRE_HOOK,
	OPT_DEPLOY_HOOK, OPT_POST_HOOK, OPT_DRY_RUN, OPT_QUIET,
	OPT_METRICS_FILE, OPT_NO_SYNC, OPT_STRICT, OPT_LOGLEVEL, OPT_END
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
};

/* ---- checks ---------------------------------------------------------- */

/* "+DNS:x -IP:y subject" into buf. */
static void
drift_text(const struct pki_drift *d, char *buf, size_t len)
{
	size_t	i, l = 0;

	buf[0] = '\0';
	for (i = 0; i < d->nadd && l < len; i++)
		l += (size_t)snprintf(buf + l, len - l, "%s+%s", l ? " " : "",
		    d->add[i]);
	for (i = 0; i < d->nremove && l < len; i++)
		l += (size_t)snprintf(buf + l, len - l, "%s-%s", l ? " " : "",
		    d->remove[i]);
	if (d->subject && l < len)
		snprintf(buf + l, len - l, "%ssubject %s", l ? " " : "",
		    d->want_subject != NULL ? d->want_subject : "");
}

/* Reads file which of t's set; 1 if it is missing. */
static int
read_set(const struct target *t, int which, char **buf, size_t *len)
{
	struct pki_error	err;
	int			r;

	memset(&err, 0, sizeof(err));
	*buf = NULL;
	*len = 0;
	if ((r = pki_set_read(t->set, which, buf, len, &err)) == 0)
		return 0;
	if (r == PKI_ERR_IO && err.sys_errno == ENOENT)
		return 1;
	log_pki(&err, r);
	return -1;
}

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
	if ((r = read_set(t, PKI_SET_CERT, &buf, &len)) != 0) {
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
	if ((r = read_set(t, PKI_SET_KEY, &buf, &len)) != 0) {
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
		drift_text(&d, dt, sizeof(dt));
		log_err("%s: the CSR JSON differs from the certificate: %s; "
		    "renew with -allow-san-change to reissue from the CSR "
		    "JSON", t->label, dt);
		pki_drift_clear(&d);
		return;
	}
	pki_drift_clear(&d);
	j->status = 0;
}

/* Every EKU of the current certificate is in the new one. */
static const char *
eku_lost(const struct pki_cert_facts *old, const struct pki_cert_facts *nf)
{
	size_t	i, k;

	for (i = 0; i < old->nekus; i++) {
		for (k = 0; k < nf->nekus; k++)
			if (strcmp(old->ekus[i], nf->ekus[k]) == 0)
				break;
		if (k == nf->nekus)
			return old->ekus[i];
	}
	return NULL;
}

/*
 * The checks before activation: the pair matches, the chain verifies
 * against the trust bundle the member loads, the SANs and subject are
 * the CSR JSON's, no extended key usage is lost, the validity is current
 * and ends later than the current certificate's.
 */
static int
verify_new(struct renew *rn, struct target *t, struct job *j,
    const struct pki_cert *nc, const struct pki_key *key,
    struct pki_cert_facts *nf)
{
	struct pki_error	 err;
	struct pki_drift	 d;
	char			*bundle = NULL, dt[1024];
	const char		*src, *lost;
	size_t			 blen = 0;
	int			 r, ret = -1;

	memset(&err, 0, sizeof(err));
	memset(&d, 0, sizeof(d));
	if (!pki_cert_matches_key(nc, key)) {
		log_err("%s: verification: the new certificate does not match "
		    "its key", t->label);
		goto out;
	}
	if ((r = read_set(t, PKI_SET_CA, &bundle, &blen)) < 0)
		goto out;
	src = pki_set_path(t->set, PKI_SET_CA);
	if (r == 1) {
		src = "the signing CA";
		if ((bundle = strdup(rn->ts.capem)) == NULL) {
			log_err("out of memory");
			goto out;
		}
		blen = rn->ts.capemlen;
	}
	if ((r = pki_cert_verify_bundle(nc, bundle, blen, src, rn->now,
	    &err)) != 0) {
		log_err("%s: verification: the new certificate does not verify "
		    "against %s, which the member trusts: %s", t->label, src,
		    err.text);
		goto out;
	}
	if ((r = pki_cert_drift(nc, t->csr, &d, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	if (pki_drift_any(&d)) {
		drift_text(&d, dt, sizeof(dt));
		log_err("%s: verification: the new certificate differs from "
		    "the CSR JSON: %s", t->label, dt);
		goto out;
	}
	if ((lost = eku_lost(&j->f, nf)) != NULL) {
		log_err("%s: verification: the profile drops the extended key "
		    "usage \"%s\" of the current certificate", t->label, lost);
		goto out;
	}
	if (nf->not_before > (int64_t)rn->now + 300 ||
	    nf->not_after <= (int64_t)rn->now) {
		log_err("%s: verification: the new certificate is not valid "
		    "now", t->label);
		goto out;
	}
	if (nf->not_after < j->f.not_after && !rn->force) {
		char	a[32], b[32];

		status_date(nf->not_after, a, sizeof(a));
		status_date(j->f.not_after, b, sizeof(b));
		log_err("%s: verification: the new certificate would expire "
		    "%s, earlier than the current one (%s): check the "
		    "profile's expiry, or pass -force", t->label, a, b);
		goto out;
	}
	ret = 0;
 out:
	pki_drift_clear(&d);
	free(bundle);
	return ret;
}

static char *
hex(const unsigned char *p, size_t n)
{
	char	*s;
	size_t	 i;

	if ((s = malloc(n * 2 + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		snprintf(s + i * 2, 3, "%02x", p[i]);
	return s;
}

/* meta.json of a new generation. */
static char *
meta_json(const struct renew *rn, const struct target *t,
    const struct job *j, const struct pki_cert_facts *nf)
{
	json_t	*m = NULL, *sans = NULL;
	char	 nb[32], na[32], now[32], *fp = NULL, *s = NULL;
	size_t	 i;

	status_date(nf->not_before, nb, sizeof(nb));
	status_date(nf->not_after, na, sizeof(na));
	status_date((int64_t)rn->now, now, sizeof(now));
	if ((fp = hex(nf->spki_sha256, sizeof(nf->spki_sha256))) == NULL ||
	    (sans = json_array()) == NULL)
		goto out;
	for (i = 0; i < nf->nsans; i++)
		if (json_array_append_new(sans, json_string(nf->sans[i])) != 0)
			goto out;
	m = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:O, s:s, s:s, s:b, "
	    "s:s, s:s}", "version", 1, "name", t->name, "serial",
	    nf->serial, "serial_hex", nf->serial_hex, "not_before", nb,
	    "not_after", na, "sans", sans, "key_sha256", fp,
	    "previous_serial", j->f.serial, "rekeyed", rn->rekey, "created",
	    now, "etcd_pki", PACKAGE_VERSION);
	if (m != NULL && (s = json_dumps(m, JSON_INDENT(2) |
	    JSON_PRESERVE_ORDER)) != NULL) {
		char	*nl;

		if (asprintf(&nl, "%s\n", s) == -1)
			nl = NULL;
		free(s);
		s = nl;
	}
 out:
	json_decref(m);
	json_decref(sans);
	free(fp);
	return s;
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

/* The staged generation holds what was written, and a matching pair. */
static int
check_staged(const struct target *t, const char *gen, const char *cert,
    size_t certlen, const struct pki_key *key)
{
	struct pki_error	 err;
	struct pki_cert		*c = NULL;
	struct pki_key		*k = NULL;
	char			*buf = NULL;
	size_t			 len = 0;
	int			 r, ret = -1;

	memset(&err, 0, sizeof(err));
	if ((r = pki_set_read_gen(t->set, gen, PKI_SET_CERT, &buf, &len,
	    &err)) != 0)
		goto fail;
	if (len != certlen || memcmp(buf, cert, len) != 0) {
		log_err("%s: %s: the staged certificate differs from the one "
		    "written", t->label, gen);
		goto out;
	}
	if ((r = pki_cert_load(buf, len, gen, &c, &err)) != 0)
		goto fail;
	free(buf);
	buf = NULL;
	if ((r = pki_set_read_gen(t->set, gen, PKI_SET_KEY, &buf, &len,
	    &err)) != 0)
		goto fail;
	r = pki_key_load(buf, len, gen, NULL, &k, &err);
	pki_secret_free(buf, len + 1);
	buf = NULL;
	if (r != 0)
		goto fail;
	if (!pki_cert_matches_key(c, k) || !pki_cert_matches_key(c, key)) {
		log_err("%s: %s: the staged key does not match the staged "
		    "certificate", t->label, gen);
		goto out;
	}
	ret = 0;
	goto out;
 fail:
	log_pki(&err, r);
 out:
	free(buf);
	pki_cert_free(c);
	pki_key_free(k);
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

/* Phase two: renews t (due, examined). */
static void
renew_one(struct renew *rn, struct target *t, struct job *j)
{
	struct pki_error	 err;
	struct pki_sign_request	 sr;
	struct pki_set_update	 u;
	struct pki_cert_facts	 nf;
	struct pki_file		 files[PKI_SET__COUNT + 1];
	struct pki_key		*newkey = NULL;
	const struct pki_key	*key = j->key;
	struct pki_req		*req = NULL;
	struct pki_cert		*nc = NULL;
	char			*certpem = NULL, *csrpem = NULL, *keypem = NULL;
	char			*meta = NULL, na[32];
	size_t			 certlen = 0, csrlen = 0, keylen = 0, nf_ = 0;
	size_t			 pruned = 0;
	int			 r, layout;

	memset(&err, 0, sizeof(err));
	memset(&sr, 0, sizeof(sr));
	memset(&u, 0, sizeof(u));
	memset(&nf, 0, sizeof(nf));
	j->status = CMD_RETURN_ERROR;
	if (rn->rekey) {
		if ((r = pki_key_generate(t->csr, &newkey, &err)) != 0 ||
		    (r = pki_key_encode(newkey, PKI_KEY_FMT_CFSSL, &keypem,
		    &keylen, &err)) != 0)
			goto fail;
		key = newkey;
	}
	sr.req = NULL;
	if ((r = pki_req_new(t->csr, key, &req, &err)) != 0)
		goto fail;
	sr.req = req;
	sr.profile = t->profile;
	sr.now_sec = rn->now;
	if ((r = pki_cert_sign(&sr, rn->ts.ca, rn->ts.cakey, &nc, &err)) !=
	    0 || (r = pki_cert_encode(nc, &certpem, &certlen, &err)) != 0 ||
	    (r = pki_req_encode(req, &csrpem, &csrlen, &err)) != 0 ||
	    (r = pki_cert_facts(nc, &nf, &err)) != 0)
		goto fail;
	if (verify_new(rn, t, j, nc, key, &nf) != 0) {
		j->status = RENEW_EXIT_PRECOND;
		goto out;
	}
	snprintf(j->new_serial, sizeof(j->new_serial), "%s", nf.serial);
	if ((meta = meta_json(rn, t, j, &nf)) == NULL) {
		log_err("out of memory");
		goto out;
	}
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
	u.serial_hex = nf.serial_hex;
	u.now = rn->now;
	u.no_sync = rn->no_sync;
	status_date(nf.not_after, na, sizeof(na));

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
		    nf.serial, na, rn->rekey ? ", new key" : "");
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
		if (check_staged(t, j->gen, certpem, certlen, key) != 0) {
			if (pki_set_discard(t->set, j->gen, &err) != 0)
				log_pki(&err, PKI_ERR_IO);
			j->status = RENEW_EXIT_PRECOND;
			goto out;
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
	printf("%s: renewed: serial %s -> %s, not after %s%s, %s\n", t->label,
	    j->f.serial, nf.serial, na, rn->rekey ? ", new key" : "",
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
	pki_cert_facts_clear(&nf);
	pki_key_free(newkey);
	pki_req_free(req);
	pki_cert_free(nc);
	free(certpem);
	free(csrpem);
	if (keypem != NULL)
		pki_secret_free(keypem, keylen);
	free(meta);
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
	if ((v = opts_str(o, OPT_RESTART)) != NULL) {
		if (strcmp(v, "none") != 0) {
			log_err("-restart: \"%s\": the only mode is none (use "
			    "-restart-cmd CMD to restart the member)", v);
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
	if ((rn->stop.argv == NULL) != (rn->start.argv == NULL)) {
		log_err("-stop-cmd and -start-cmd go together");
		return -1;
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
		    (j->status != 1 && j->status != RENEW_EXIT_PRECOND) :
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
	for (i = 0; i < rn.ts.n; i++) {
		r = rn.jobs[i].status;
		if (r == CMD_RETURN_ERROR)
			worst = CMD_RETURN_ERROR;
		else if (r == RENEW_EXIT_PRECOND && worst != CMD_RETURN_ERROR)
			worst = RENEW_EXIT_PRECOND;
		else if (r == RENEW_EXIT_RENEWED && worst == 0)
			worst = RENEW_EXIT_RENEWED;
	}
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
	"with a .bak copy).  Exit status: 0 nothing due, 10 renewed, 75\n"
	"another run holds the lock, 3 a precondition failed, 1 error, 2\n"
	"usage.",
	renew_opts,
	cmd_renew_exec,
	1,
	0
};
