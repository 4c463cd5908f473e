/*
 * targets.c: the certificate sets renew, rollback and ca rotate act on,
 * from certificate paths or a cluster directory, and their locks.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"

int
pki_targets_new(struct pki_targets **out, struct pki_error *err)
{
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	return PKI_OK;
}

void
pki_targets_free(struct pki_targets *ts)
{
	size_t	i;

	if (ts == NULL)
		return;
	for (i = 0; i < ts->n; i++) {
		free(ts->t[i].dir);
		free(ts->t[i].name);
		free(ts->t[i].label);
		free(ts->t[i].csr_path);
		pki_csr_free(ts->t[i].csr_own);
		pki_set_free(ts->t[i].set);
	}
	free(ts->t);
	for (i = 0; i < ts->nlocks; i++)
		(void)close(ts->locks[i]);
	free(ts->locks);
	free(ts->topdir);
	pki_ca_free(ts->own_ca);
	free(ts->capem);
	pki_secret_free(ts->password, ts->passwordlen);
	free(ts->rprofile);
	free(ts->rlabel);
	free(ts->rkeycred);
	pki_cert_free(ts->pin);
	free(ts);
}

int
pki_targets_ca_password(struct pki_targets *ts, const char *pw, size_t len,
    struct pki_error *err)
{
	pki_secret_free(ts->password, ts->passwordlen);
	ts->passwordlen = 0;
	if ((ts->password = malloc(len + 1)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	memcpy(ts->password, pw, len);
	ts->password[len] = '\0';
	ts->passwordlen = len;
	return PKI_OK;
}

size_t
pki_targets_count(const struct pki_targets *ts)
{
	return ts->n;
}

void
pki_targets_own_ca(struct pki_targets *ts, struct pki_ca *ca)
{
	pki_ca_free(ts->own_ca);
	ts->own_ca = ca;
	ts->ca = ca->cert;
	ts->cakey = ca->key;
	free(ts->capem);
	ts->capem = NULL;
	ts->capemlen = 0;
}

int
pki_target_read(const struct pki_target *t, int which, char **buf,
    size_t *len, const struct pki_notify *nt)
{
	struct pki_error	err;
	int			r;

	memset(&err, 0, sizeof(err));
	*buf = NULL;
	*len = 0;
	if ((r = pki_set_read(t->set, which, buf, len, &err)) == PKI_OK)
		return 0;
	if (r == PKI_ERR_IO && err.sys_errno == ENOENT)
		return 1;
	pki_note_err(nt, NULL, &err, r);
	return -1;
}

/* Adds the set dir/name shown as label; PKI_ERR_ARG when it is there. */
static int
add_target(struct pki_targets *ts, const char *dir, const char *name,
    const char *label, struct pki_error *err)
{
	struct pki_target	*nt, *t;
	size_t			 i;

	for (i = 0; i < ts->n; i++)
		if (strcmp(ts->t[i].dir, dir) == 0 &&
		    strcmp(ts->t[i].name, name) == 0)
			return pki_err(err, PKI_ERR_ARG, "%s: given twice",
			    label);
	if ((nt = reallocarray(ts->t, ts->n + 1, sizeof(*nt))) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	ts->t = nt;
	t = &ts->t[ts->n];
	memset(t, 0, sizeof(*t));
	t->key_format = -1;
	ts->n++;
	if ((t->dir = strdup(dir)) == NULL || (t->name = strdup(name)) ==
	    NULL || (t->label = strdup(label)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	return PKI_OK;
}

/* D of D/current/NAME.pem's "D/current" (copy), when current is a link. */
static char *
set_dir(char *copy)
{
	struct stat	 st;
	char		*last = strrchr(copy, '/');

	last = last != NULL ? last + 1 : copy;
	if (strcmp(last, "current") != 0 || lstat(copy, &st) == -1 ||
	    !S_ISLNK(st.st_mode))
		return strdup(copy);
	if (last == copy)
		return strdup(".");
	copy[last - copy - 1] = '\0';
	return strdup(*copy ? copy : "/");
}

/* D and NAME of a certificate path D/NAME.pem or D/current/NAME.pem. */
static int
split_cert_path(const char *path, char **dir, char **name,
    struct pki_error *err)
{
	char		*copy = NULL, *slash, *base;
	size_t		 l;

	*dir = *name = NULL;
	if ((copy = strdup(path)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	if ((slash = strrchr(copy, '/')) != NULL) {
		*slash = '\0';
		base = slash + 1;
	} else
		base = copy;
	l = strlen(base);
	if (l <= 4 || strcmp(base + l - 4, ".pem") != 0 ||
	    (l > 8 && strcmp(base + l - 8, "-key.pem") == 0)) {
		free(copy);
		return pki_err(err, PKI_ERR_ARG, "%s: not a certificate path "
		    "NAME.pem (the key, CSR and CSR JSON are found next to it)",
		    path);
	}
	base[l - 4] = '\0';
	if ((*name = strdup(base)) != NULL)
		*dir = slash == NULL ? strdup(".") : slash == copy ?
		    strdup("/") : set_dir(copy);
	free(copy);
	if (*dir == NULL) {
		free(*name);
		*name = NULL;
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	}
	return PKI_OK;
}

/* Reads and parses a CSR JSON file ("-" = stdin). */
static int
load_csr(const char *path, const struct pki_parse_opts *po,
    struct pki_csr **out, struct pki_error *err)
{
	char	*buf = NULL;
	size_t	 len = 0;
	int	 r;

	if ((r = pki_input_read(path, 0, PKI_MAX_INPUT, &buf, &len, err)) ==
	    PKI_OK)
		r = pki_csr_parse(buf, len, strcmp(path, "-") == 0 ? "<stdin>" :
		    path, 0, po, out, err);
	free(buf);
	return r;
}

int
pki_targets_add_path(struct pki_targets *ts, const char *certpath,
    const char *csr_json, const struct pki_parse_opts *po,
    const struct pki_profile *p, struct pki_error *err)
{
	struct pki_target	*t;
	struct stat		 st;
	char			*dir = NULL, *name = NULL;
	int			 r;

	if ((r = split_cert_path(certpath, &dir, &name, err)) != PKI_OK)
		return r;
	r = add_target(ts, dir, name, certpath, err);
	free(dir);
	if (r != PKI_OK) {
		free(name);
		return r;
	}
	t = &ts->t[ts->n - 1];
	t->profile = p;
	if (csr_json != NULL)
		t->csr_path = strdup(csr_json);
	else if (asprintf(&t->csr_path, "%s/%s-csr.json", t->dir, name) == -1)
		t->csr_path = NULL;
	free(name);
	if (t->csr_path == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	if (csr_json == NULL && stat(t->csr_path, &st) == -1 &&
	    errno == ENOENT)
		return PKI_OK;
	if ((r = load_csr(t->csr_path, po, &t->csr_own, err)) != PKI_OK)
		return r;
	t->csr = t->csr_own;
	return PKI_OK;
}

int
pki_targets_set_signer(struct pki_targets *ts, const struct pki_cert *ca,
    const struct pki_key *cakey, const char *capath, struct pki_error *err)
{
	ts->ca = ca;
	ts->cakey = cakey;
	free(ts->capem);
	return pki_input_read(capath, 0, PKI_MAX_INPUT, &ts->capem,
	    &ts->capemlen, err);
}

int
pki_targets_set_remote(struct pki_targets *ts, const struct pki_remote *r,
    const char *profile, const char *label, const char *capath,
    struct pki_error *err)
{
	const char	*cd = getenv("CREDENTIALS_DIRECTORY");
	int		 rv;

	ts->rcopy = *r;
	ts->remote = &ts->rcopy;
	ts->ca = NULL;
	ts->cakey = NULL;
	/* A key file the unit passed as a credential (schedule). */
	if (r->auth_key != NULL && strncmp(r->auth_key, "file:", 5) == 0 &&
	    cd != NULL && *cd == '/') {
		if (asprintf(&ts->rkeycred, "file:%s/%s", cd,
		    PKI_AUTH_KEY_CRED) == -1) {
			ts->rkeycred = NULL;
			return pki_err(err, PKI_ERR_ALLOC, "out of memory");
		}
		if (access(ts->rkeycred + 5, R_OK) == 0)
			ts->rcopy.auth_key = ts->rkeycred;
	}
	if ((profile != NULL && (ts->rprofile = strdup(profile)) == NULL) ||
	    (label != NULL && (ts->rlabel = strdup(label)) == NULL))
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	if (ts->cl == NULL && ts->rprofile == NULL && (ts->rprofile =
	    strdup("")) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	if (capath == NULL)
		return PKI_OK;
	if ((rv = pki_input_read(capath, 0, PKI_MAX_INPUT, &ts->capem,
	    &ts->capemlen, err)) != PKI_OK)
		return rv;
	return pki_cert_load(ts->capem, ts->capemlen, capath, &ts->pin, err);
}

/*
 * Cluster mode: the CA of the directory model signs; with a remote
 * signer its certificate (the key may be absent) pins the answers.
 */
static int
load_cluster_ca(struct pki_targets *ts, const struct pki_notify *nt,
    struct pki_error *err)
{
	struct pki_ca	*ca = NULL;
	char		*cert = NULL, *key = NULL;
	int		 r;

	if ((r = pki_cldir_ca_path(ts->cl, ts->topdir, PKI_CA_CUR, 0, &cert,
	    err)) == PKI_OK && (r = pki_cldir_ca_path(ts->cl, ts->topdir,
	    PKI_CA_CUR, 1, &key, err)) == PKI_OK &&
	    (r = pki_ca_load(cert, key, ts->remote != NULL ?
	    PKI_CA_KEY_OPTIONAL : 0, ts->password, nt, &ca,
	    err)) == PKI_OK) {
		pki_targets_own_ca(ts, ca);
		if (ts->remote != NULL) {
			/* Nothing signs locally: no CRL, no probe. */
			ts->ca = NULL;
			ts->cakey = NULL;
			if (ts->pin == NULL)	/* -ca pins first */
				r = pki_cert_load(ca->pem, ca->len, cert,
				    &ts->pin, err);
		}
		if (r == PKI_OK && (ts->capem = strdup(ca->pem)) == NULL)
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		ts->capemlen = ca->len;
	}
	free(cert);
	free(key);
	return r;
}

/*
 * Refuses a member's or client's directory (label: "m1", "clients/admin"
 * under dir) reached through a symbolic link: cluster issue never makes
 * one and refuses one, and renew must not follow one out of DIR into a
 * tree someone else chose.  A missing directory is left to the caller.
 */
static int
check_leaf_dir(const char *dir, const char *label, struct pki_error *err)
{
	struct stat	 st;
	const char	*p;
	char		 path[PATH_MAX];

	for (p = label;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (snprintf(path, sizeof(path), "%s/%.*s", dir,
		    (int)(p - label), label) >= (int)sizeof(path))
			return pki_err(err, PKI_ERR_ARG, "%s/%s: path too long",
			    dir, label);
		if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			return pki_err(err, PKI_ERR_INPUT, "%s: a symbolic link, "
			    "not a directory: refused, as cluster issue refuses "
			    "it (the files of %s belong in %s)", path, label,
			    dir);
		if (*p == '\0')
			return PKI_OK;
	}
}

int
pki_targets_add_cluster(struct pki_targets *ts, const struct pki_cluster *cl,
    const char *desc, const char *dir, const char *member, int signer,
    const struct pki_notify *nt, struct pki_error *err)
{
	struct pki_cldir_leaf	*v = NULL;
	size_t			 n = 0, i;
	int			 r;

	ts->cl = cl;
	ts->shared_top = member != NULL;
	if ((ts->topdir = strdup(dir)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	if ((r = pki_cldir_leaves(cl, dir, member, &v, &n, err)) != PKI_OK)
		return r;
	for (i = 0; i < n; i++) {
		if ((r = check_leaf_dir(dir, v[i].label, err)) != PKI_OK ||
		    (r = add_target(ts, v[i].dir, v[i].name, v[i].label,
		    err)) != PKI_OK)
			goto out;
		ts->t[ts->n - 1].csr = v[i].csr;
		ts->t[ts->n - 1].profile = v[i].profile;
		ts->t[ts->n - 1].member = v[i].member;
		ts->t[ts->n - 1].key_format = v[i].key_format;
		ts->t[ts->n - 1].owner = v[i].owner;
	}
	if (n == 0) {
		r = pki_err(err, PKI_ERR_ARG, "-member %s: no such member or "
		    "client in %s", member, desc);
		goto out;
	}
	r = signer ? load_cluster_ca(ts, nt, err) : PKI_OK;
 out:
	pki_cldir_leaves_free(v, n);
	return r;
}

/* Locks dir unless a lock of ts already covers it. */
static int
lock_dir(struct pki_targets *ts, const char *dir, int shared,
    struct pki_strv *seen, struct pki_error *err)
{
	char	*real;
	int	*nl, fd = -1, r;
	size_t	 i;

	if ((real = realpath(dir, NULL)) == NULL)
		return pki_err_sys(err, errno, "%s", dir);
	for (i = 0; i < seen->n; i++)
		if (strcmp(seen->v[i], real) == 0) {
			free(real);
			return PKI_OK;
		}
	r = pki_strv_push(seen, real);
	free(real);
	if (r != PKI_OK)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	if ((r = shared ? pki_dir_lock_shared(dir, &fd, err) :
	    pki_dir_lock(dir, &fd, err)) != PKI_OK) {
		if (r == PKI_ERR_BUSY)
			pki_err_prefix(err, "deferred");
		return r;
	}
	if ((nl = reallocarray(ts->locks, ts->nlocks + 1, sizeof(*nl))) ==
	    NULL) {
		(void)close(fd);
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	}
	ts->locks = nl;
	nl[ts->nlocks++] = fd;
	return PKI_OK;
}

int
pki_targets_lock(struct pki_targets *ts, struct pki_error *err)
{
	struct pki_strv	seen;
	size_t		i;
	int		r = PKI_OK;

	memset(&seen, 0, sizeof(seen));
	/*
	 * Cluster mode: DIR, the lock cluster issue takes, first; shared
	 * with one member, so the members of a cluster whose directories
	 * share one DIR can each run their own renew at once.
	 */
	if (ts->topdir != NULL)
		r = lock_dir(ts, ts->topdir, ts->shared_top, &seen, err);
	for (i = 0; i < ts->n && r == PKI_OK; i++)
		r = lock_dir(ts, ts->t[i].dir, 0, &seen, err);
	for (i = 0; i < ts->n && r == PKI_OK; i++)
		r = pki_set_open(ts->t[i].dir, ts->t[i].name, &ts->t[i].set,
		    err);
	pki_strv_clear(&seen);
	return r;
}

int
pki_targets_args_check(int cluster, int member, int csr_json, int nargs,
    struct pki_error *err)
{
	if (cluster && nargs != 1)
		return pki_err(err, PKI_ERR_ARG, "-cluster DESC needs exactly "
		    "one argument: the directory cluster issue wrote (got %d)",
		    nargs);
	if (cluster && csr_json)
		return pki_err(err, PKI_ERR_ARG, "-csr-json goes without "
		    "-cluster (the description holds the requests)");
	if (cluster)
		return PKI_OK;
	if (nargs == 0)
		return pki_err(err, PKI_ERR_ARG, "nothing to renew: no "
		    "certificate given (CERT... or -cluster DESC DIR)");
	if (member)
		return pki_err(err, PKI_ERR_ARG, "-member needs -cluster");
	if (csr_json && nargs != 1)
		return pki_err(err, PKI_ERR_ARG, "-csr-json names the CSR JSON "
		    "of one certificate; %d are given", nargs);
	return PKI_OK;
}
