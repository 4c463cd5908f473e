/*
 * targets.c: the certificate sets renew and rollback act on, their locks,
 * and the date formats they print.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"
#include "renew.h"

static char *
join(const char *a, const char *b)
{
	char	*s;

	if (asprintf(&s, "%s/%s", a, b) == -1)
		return NULL;
	return s;
}

/* Reads a whole file (a certificate: no secret). */
static int
read_file(const char *path, char **buf, size_t *len)
{
	struct pki_error	err;
	int			r;

	memset(&err, 0, sizeof(err));
	if ((r = pki_input_read(path, 0, PKI_MAX_INPUT, buf, len, &err)) != 0) {
		log_pki(&err, r);
		return CMD_RETURN_ERROR;
	}
	return CMD_RETURN_NORMAL;
}

static int
add_target(struct targets *ts, const char *dir, const char *name,
    const char *label)
{
	struct target	*nt, *t;
	size_t		 i;

	for (i = 0; i < ts->n; i++)
		if (strcmp(ts->t[i].dir, dir) == 0 &&
		    strcmp(ts->t[i].name, name) == 0) {
			log_err("%s: given twice", label);
			return CMD_RETURN_USAGE;
		}
	if ((nt = reallocarray(ts->t, ts->n + 1, sizeof(*nt))) == NULL)
		goto oom;
	ts->t = nt;
	t = &ts->t[ts->n];
	memset(t, 0, sizeof(*t));
	ts->n++;
	if ((t->dir = strdup(dir)) == NULL || (t->name = strdup(name)) ==
	    NULL || (t->label = strdup(label)) == NULL)
		goto oom;
	return CMD_RETURN_NORMAL;
 oom:
	log_err("out of memory");
	return CMD_RETURN_ERROR;
}

/* D and NAME of a certificate path D/NAME.pem or D/current/NAME.pem. */
static int
split_cert_path(const char *path, char **dir, char **name)
{
	char		*copy = NULL, *slash, *base;
	struct stat	 st;
	size_t		 l;

	*dir = *name = NULL;
	if ((copy = strdup(path)) == NULL) {
		log_err("out of memory");
		return CMD_RETURN_ERROR;
	}
	if ((slash = strrchr(copy, '/')) != NULL) {
		*slash = '\0';
		base = slash + 1;
	} else
		base = copy;
	l = strlen(base);
	if (l <= 4 || strcmp(base + l - 4, ".pem") != 0 ||
	    (l > 8 && strcmp(base + l - 8, "-key.pem") == 0)) {
		log_err("%s: not a certificate path NAME.pem (the key, CSR "
		    "and CSR JSON are found next to it)", path);
		free(copy);
		return CMD_RETURN_USAGE;
	}
	base[l - 4] = '\0';
	if ((*name = strdup(base)) == NULL)
		goto oom;
	if (slash == NULL)
		*dir = strdup(".");
	else if (slash == copy)
		*dir = strdup("/");
	else {
		/* D/current/NAME.pem names the set of D. */
		const char	*last = strrchr(copy, '/');

		last = last != NULL ? last + 1 : copy;
		if (strcmp(last, "current") == 0 && lstat(copy, &st) == 0 &&
		    S_ISLNK(st.st_mode)) {
			if (last == copy)
				*dir = strdup(".");
			else {
				copy[last - copy - 1] = '\0';
				*dir = strdup(*copy ? copy : "/");
			}
		} else
			*dir = strdup(copy);
	}
	if (*dir == NULL)
		goto oom;
	free(copy);
	return CMD_RETURN_NORMAL;
 oom:
	log_err("out of memory");
	free(copy);
	free(*name);
	*name = NULL;
	return CMD_RETURN_ERROR;
}

static int
load_cluster_targets(const struct opts *o, int signer, struct targets *ts)
{
	struct pki_cluster_leaf_info	 li;
	struct pki_error		 err;
	const char			*outdir, *member, *f;
	char				*dir = NULL, *kbuf = NULL, *cafile = NULL;
	size_t				 i, klen = 0, found = 0;
	int				 r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	if (o->nargs != 1) {
		log_err("-cluster DESC needs exactly one argument: the "
		    "directory cluster issue wrote");
		return CMD_RETURN_USAGE;
	}
	outdir = ts->topdir = o->args[0];
	member = opts_str(o, OPT_MEMBER);
	ts->shared_top = member != NULL;
	if ((r = load_cluster(o, opts_str(o, OPT_CLUSTER), &ts->cl)) !=
	    CMD_RETURN_NORMAL)
		return r;
	for (i = 0; i < pki_cluster_nleaves(ts->cl); i++) {
		pki_cluster_leaf(ts->cl, i, &li);
		if (member != NULL && strcmp(member, li.name) != 0)
			continue;
		found++;
		free(dir);
		if ((dir = join(outdir, li.dir)) == NULL)
			goto oom;
		if ((r = add_target(ts, dir, li.name, li.dir)) !=
		    CMD_RETURN_NORMAL) {
			ret = r;
			goto out;
		}
		ts->t[ts->n - 1].csr = li.csr;
		ts->t[ts->n - 1].profile = li.profile;
		ts->t[ts->n - 1].member = li.member;
	}
	if (found == 0) {
		log_err("-member %s: no such member or client in %s", member,
		    opts_str(o, OPT_CLUSTER));
		ret = CMD_RETURN_USAGE;
		goto out;
	}
	if (!signer) {
		ret = CMD_RETURN_NORMAL;
		goto out;
	}
	if ((f = pki_cluster_ca_cert_file(ts->cl)) == NULL &&
	    (f = cafile = join(outdir, "ca.pem")) == NULL)
		goto oom;
	if (read_file(f, &ts->capem, &ts->capemlen) != CMD_RETURN_NORMAL)
		goto out;
	if ((r = pki_cert_load(ts->capem, ts->capemlen, f, &ts->ca, &err)) !=
	    0) {
		log_pki(&err, r);
		goto out;
	}
	free(cafile);
	if ((f = pki_cluster_ca_key_file(ts->cl)) == NULL &&
	    (f = cafile = join(outdir, "ca-key.pem")) == NULL)
		goto oom;
	warn_key_mode(f);
	if ((r = pki_input_read(f, 0, PKI_MAX_INPUT, &kbuf, &klen, &err)) !=
	    0 || (r = pki_key_load(kbuf, klen, f, NULL, &ts->cakey, &err)) !=
	    0) {
		log_pki(&err, r);
		goto out;
	}
	if (!pki_cert_matches_key(ts->ca, ts->cakey)) {
		log_err("%s: does not match the CA certificate", f);
		goto out;
	}
	ret = CMD_RETURN_NORMAL;
	goto out;
 oom:
	log_err("out of memory");
 out:
	if (kbuf != NULL)
		pki_secret_free(kbuf, klen + 1);
	free(cafile);
	free(dir);
	return ret;
}

static int
load_path_targets(const struct opts *o, int signer, struct targets *ts)
{
	const struct pki_profile	*prof = NULL;
	struct target			*t;
	struct stat			 st;
	char				*dir = NULL, *name = NULL, *p = NULL;
	const char			*csrjson = opts_str(o, OPT_CSR_JSON);
	int				 i, r;

	if (o->nargs == 0) {
		log_err("no certificate given: CERT... or -cluster DESC DIR");
		return CMD_RETURN_USAGE;
	}
	if (opts_str(o, OPT_MEMBER) != NULL) {
		log_err("-member needs -cluster");
		return CMD_RETURN_USAGE;
	}
	if (csrjson != NULL && o->nargs != 1) {
		log_err("-csr-json names the CSR JSON of one certificate; "
		    "%d are given", o->nargs);
		return CMD_RETURN_USAGE;
	}
	if (signer) {
		if ((r = load_signer(o, &ts->cfg, &prof, &ts->ca,
		    &ts->cakey)) != CMD_RETURN_NORMAL)
			return r;
		if (read_file(opts_str(o, OPT_CA), &ts->capem,
		    &ts->capemlen) != CMD_RETURN_NORMAL)
			return CMD_RETURN_ERROR;
	}
	for (i = 0; i < o->nargs; i++) {
		if ((r = split_cert_path(o->args[i], &dir, &name)) !=
		    CMD_RETURN_NORMAL)
			return r;
		r = add_target(ts, dir, name, o->args[i]);
		free(dir);
		dir = NULL;
		if (r != CMD_RETURN_NORMAL) {
			free(name);
			return r;
		}
		t = &ts->t[ts->n - 1];
		t->profile = prof;
		if (csrjson != NULL)
			p = strdup(csrjson);
		else if (asprintf(&p, "%s/%s-csr.json", t->dir, name) == -1)
			p = NULL;
		free(name);
		name = NULL;
		if (p == NULL) {
			log_err("out of memory");
			return CMD_RETURN_ERROR;
		}
		t->csr_path = p;
		if (csrjson == NULL && stat(p, &st) == -1 && errno == ENOENT)
			continue;
		if ((r = load_csr_json(o, p, 0, &t->csr_own)) !=
		    CMD_RETURN_NORMAL)
			return r;
		t->csr = t->csr_own;
	}
	return CMD_RETURN_NORMAL;
}

int
targets_load(const struct opts *o, int signer, struct targets *ts)
{
	memset(ts, 0, sizeof(*ts));
	if (o->set[OPT_CLUSTER])
		return load_cluster_targets(o, signer, ts);
	return load_path_targets(o, signer, ts);
}

/* Locks dir unless a lock of ts already covers it. */
static int
lock_dir(struct targets *ts, const char *dir, int shared, char ***seen,
    size_t *nseen)
{
	struct pki_error	 err;
	char			*real, **ns;
	int			*nl, fd = -1, r;
	size_t			 i;

	memset(&err, 0, sizeof(err));
	if ((real = realpath(dir, NULL)) == NULL) {
		log_err("%s: %s", dir, strerror(errno));
		return CMD_RETURN_ERROR;
	}
	for (i = 0; i < *nseen; i++)
		if (strcmp((*seen)[i], real) == 0) {
			free(real);
			return CMD_RETURN_NORMAL;
		}
	if ((ns = reallocarray(*seen, *nseen + 1, sizeof(*ns))) == NULL) {
		free(real);
		goto oom;
	}
	*seen = ns;
	ns[(*nseen)++] = real;
	if ((r = shared ? pki_dir_lock_shared(dir, &fd, &err) :
	    pki_dir_lock(dir, &fd, &err)) != 0) {
		if (r == PKI_ERR_BUSY) {
			log_err("deferred: %s", err.text);
			return RENEW_EXIT_BUSY;
		}
		log_pki(&err, r);
		return CMD_RETURN_ERROR;
	}
	if ((nl = reallocarray(ts->locks, ts->nlocks + 1, sizeof(*nl))) ==
	    NULL) {
		close(fd);
		goto oom;
	}
	ts->locks = nl;
	nl[ts->nlocks++] = fd;
	return CMD_RETURN_NORMAL;
 oom:
	log_err("out of memory");
	return CMD_RETURN_ERROR;
}

int
targets_lock_open(struct targets *ts)
{
	struct pki_error	 err;
	char			**seen = NULL;
	size_t			 i, nseen = 0;
	int			 r = CMD_RETURN_NORMAL;

	memset(&err, 0, sizeof(err));
	/*
	 * Cluster mode: DIR, the lock cluster issue takes, first; shared
	 * with -member, so the members of a cluster whose directories share
	 * one DIR can each run their own renew at once.
	 */
	if (ts->topdir != NULL)
		r = lock_dir(ts, ts->topdir, ts->shared_top, &seen, &nseen);
	for (i = 0; i < ts->n && r == CMD_RETURN_NORMAL; i++)
		r = lock_dir(ts, ts->t[i].dir, 0, &seen, &nseen);
	for (i = 0; i < ts->n && r == CMD_RETURN_NORMAL; i++)
		if ((r = pki_set_open(ts->t[i].dir, ts->t[i].name,
		    &ts->t[i].set, &err)) != 0) {
			log_pki(&err, r);
			r = CMD_RETURN_ERROR;
		}
	for (i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	return r;
}

void
targets_free(struct targets *ts)
{
	size_t	i;

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
		close(ts->locks[i]);
	free(ts->locks);
	pki_cluster_free(ts->cl);
	pki_config_free(ts->cfg);
	pki_cert_free(ts->ca);
	pki_key_free(ts->cakey);
	free(ts->capem);
	memset(ts, 0, sizeof(*ts));
}
