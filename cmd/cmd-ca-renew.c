/*
 * cmd-ca-renew.c: "etcd-pki ca renew": the CA certificate re-signed with
 * the same key and subject for a new validity, as cfssl gencert -renewca
 * computes it, written in place (previous copy in FILE.bak) or, for a
 * cluster, into DIR/ca.pem and every member's and client's copy.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"

static const int ca_renew_opts[] = {
	OPT_CA, OPT_CA_KEY, OPT_CA_KEY_PASSWORD, OPT_CLUSTER, OPT_EXPIRY,
	OPT_O, OPT_STRICT, OPT_LOGLEVEL, OPT_END
};

/* A leaf directory in the generations layout whose ca.pem is replaced. */
struct gen_dir {
	char		*dir;
	const char	*name;
	int		 lockfd;
	struct pki_set	*set;
	char		 serial_hex[48];	/* of the leaf certificate */
};

struct renew {
	const char	*capath;	/* the CA certificate file */
	const struct pki_key *key;	/* the CA key */
	char		*oldpem;	/* its current contents */
	size_t		 oldlen;
	mode_t		 mode;		/* and mode */
	char		*newpem;	/* the renewed certificate */
	size_t		 newlen;
	char		 line[512];	/* ": renewed: ..." */
	/* Files replaced by one pki_file_write_set(), .bak first. */
	struct pki_file	*files;
	char		**paths;	/* owned paths of files[] */
	size_t		 nfiles;
	struct gen_dir	*gens;
	size_t		 ngens;
};

static void
fmt_time(int64_t t, char *buf, size_t len)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "@%lld", (long long)t);
}

/* Appends a file to rn->files; path is taken over (freed on failure). */
static int
add_file(struct renew *rn, char *path, const char *data, size_t len,
    mode_t mode)
{
	struct pki_file	 *f;
	char		**p;

	if (path == NULL)
		goto oom;
	if ((f = reallocarray(rn->files, rn->nfiles + 1, sizeof(*f))) == NULL)
		goto oom;
	rn->files = f;
	if ((p = reallocarray(rn->paths, rn->nfiles + 1, sizeof(*p))) == NULL)
		goto oom;
	rn->paths = p;
	rn->paths[rn->nfiles] = path;
	f[rn->nfiles].path = path;
	f[rn->nfiles].data = data;
	f[rn->nfiles].len = len;
	f[rn->nfiles].mode = mode;
	rn->nfiles++;
	return 0;
oom:
	free(path);
	log_err("out of memory");
	return -1;
}

static char *
path_join(const char *a, const char *b)
{
	char	*s;

	if (asprintf(&s, "%s/%s", a, b) == -1)
		return NULL;
	return s;
}

/* Reads a whole file; CMD_RETURN_*. */
static int
slurp(const char *path, char **buf, size_t *len)
{
	struct pki_error	err;
	int			r;

	memset(&err, 0, sizeof(err));
	if ((r = pki_input_read(path, 0, PKI_MAX_INPUT, buf, len,
	    &err)) != 0) {
		log_pki(&err, r);
		return CMD_RETURN_ERROR;
	}
	return CMD_RETURN_NORMAL;
}

/*
 * Returns 1 if buf (a copy of the CA next to a leaf) holds exactly one
 * certificate, a CA certificate for key: this CA, as it is now or as an
 * earlier or later renewal made it.  A bundle or another CA is not a copy.
 */
static int
is_ca_copy(const char *buf, size_t len, const char *source,
    const struct pki_key *key)
{
	struct pki_cert	*cert = NULL;
	const char	*p;
	int		 n = 0, ret;

	for (p = buf; (p = strstr(p, "-----BEGIN CERTIFICATE-----")) != NULL;
	    p++)
		n++;
	if (n != 1 || strlen(buf) != len ||
	    pki_cert_load(buf, len, source, &cert, NULL) != 0)
		return 0;
	ret = pki_cert_is_ca(cert) && pki_cert_matches_key(cert, key);
	pki_cert_free(cert);
	return ret;
}

/*
 * The file to replace in place: a plain path (file:PATH taken as PATH) to
 * a regular file, not a symbolic link, which would be replaced by a file.
 */
static int
inplace_path(const char *spec, const char **path, mode_t *mode)
{
	struct stat	st;

	if (strcmp(spec, "-") == 0 || strncmp(spec, "env:", 4) == 0) {
		log_err("-ca %s: cannot be replaced in place (write the renewed "
		    "certificate elsewhere with -o NAME)", spec);
		return CMD_RETURN_USAGE;
	}
	if (strncmp(spec, "file:", 5) == 0 && lstat(spec, &st) == -1)
		spec += 5;
	if (lstat(spec, &st) == -1) {
		log_err("%s: %s", spec, strerror(errno));
		return CMD_RETURN_ERROR;
	}
	if (!S_ISREG(st.st_mode)) {
		log_err("%s: not a regular file (a symbolic link would be "
		    "replaced by a file): give the file itself, or use -o NAME",
		    spec);
		return CMD_RETURN_ERROR;
	}
	*path = spec;
	*mode = st.st_mode & 07777;
	return CMD_RETURN_NORMAL;
}

/* ca renew's own flags that go with the mode: usage errors. */
static int
check_usage(const struct opts *o)
{
	if (opts_str(o, OPT_CLUSTER) != NULL) {
		if (o->set[OPT_CA] || o->set[OPT_CA_KEY] || o->set[OPT_O]) {
			log_err("-cluster takes the CA from DIR (or the "
			    "description): -ca, -ca-key and -o do not apply");
			return -1;
		}
		if (o->nargs != 1) {
			log_err("-cluster DESC needs one argument, the cluster's "
			    "directory DIR (got %d)", o->nargs);
			return -1;
		}
		return 0;
	}
	if (o->nargs != 0) {
		log_err("unexpected argument \"%s\" (give -ca and -ca-key, or "
		    "-cluster DESC DIR)", o->args[0]);
		return -1;
	}
	if (opts_str(o, OPT_CA) == NULL || opts_str(o, OPT_CA_KEY) == NULL) {
		log_err("need -ca CERT and -ca-key KEY (or -cluster DESC DIR)");
		return -1;
	}
	return 0;
}

/*
 * Cluster mode: plans the copies of the CA under dir, one per leaf
 * directory: a regular ca.pem equal to the old CA joins rn->files; a
 * generations set is locked and opened into rn->gens.  A copy that
 * differs from the old CA (a bundle, say) is left alone with a warning.
 */
static int
plan_leaves(struct renew *rn, const struct pki_cluster *cl, const char *dir)
{
	struct pki_error	 err;
	struct pki_cert		*cert = NULL;
	struct pki_cert_facts	 facts;
	struct gen_dir		*g;
	struct stat		 st;
	char			*ldir = NULL, *p = NULL, *buf = NULL;
	size_t			 i, j, len = 0;
	int			 r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	memset(&facts, 0, sizeof(facts));
	for (i = 0; i < pki_cluster_nleaves(cl); i++) {
		struct pki_cluster_leaf_info	li, lj;

		pki_cluster_leaf(cl, i, &li);
		for (j = 0; j < i; j++) {
			pki_cluster_leaf(cl, j, &lj);
			if (strcmp(lj.dir, li.dir) == 0)
				break;
		}
		if (j < i)
			continue;	/* a directory already planned */
		free(ldir);
		free(p);
		p = NULL;
		if ((ldir = path_join(dir, li.dir)) == NULL ||
		    (p = path_join(ldir, "current")) == NULL)
			goto oom;
		if (lstat(p, &st) == 0 && S_ISLNK(st.st_mode))
			goto generations;
		free(p);
		if ((p = path_join(ldir, "ca.pem")) == NULL)
			goto oom;
		if (lstat(p, &st) == -1) {
			if (errno == ENOENT)
				continue;	/* not issued, or no copy */
			log_err("%s: %s", p, strerror(errno));
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			log_msg(LOG_WARNING, "%s: not a regular file: left "
			    "alone", p);
			continue;
		}
		if (slurp(p, &buf, &len) != CMD_RETURN_NORMAL)
			goto out;
		if (!is_ca_copy(buf, len, p, rn->key)) {
			log_msg(LOG_WARNING, "%s: not a copy of %s (a bundle, or "
			    "another CA): left alone", p, rn->capath);
		} else {
			r = add_file(rn, p, NULL, 0, st.st_mode & 07777);
			p = NULL;
			if (r != 0)
				goto out;
		}
		free(buf);
		buf = NULL;
		continue;
generations:
		if ((g = reallocarray(rn->gens, rn->ngens + 1,
		    sizeof(*g))) == NULL)
			goto oom;
		rn->gens = g;
		g = &rn->gens[rn->ngens++];
		memset(g, 0, sizeof(*g));
		g->lockfd = -1;
		g->dir = ldir;
		ldir = NULL;
		g->name = li.name;
		if ((r = pki_dir_lock(g->dir, &g->lockfd, &err)) != 0 ||
		    (r = pki_set_open(g->dir, g->name, &g->set, &err)) != 0)
			goto fail;
		if (pki_set_layout(g->set) != PKI_LAYOUT_GENERATIONS) {
			log_err("%s: \"current\" is a link but the set %s is not "
			    "in the generations layout", g->dir, g->name);
			goto out;
		}
		r = pki_set_read(g->set, PKI_SET_CA, &buf, &len, &err);
		if (r == PKI_ERR_IO && err.sys_errno == ENOENT) {
			/* No copy of the CA in this set. */
			pki_set_free(g->set);
			close(g->lockfd);
			free(g->dir);
			rn->ngens--;
			continue;
		}
		if (r != 0)
			goto fail;
		if (!is_ca_copy(buf, len, pki_set_path(g->set, PKI_SET_CA),
		    rn->key)) {
			log_msg(LOG_WARNING, "%s: not a copy of %s (a bundle, or "
			    "another CA): left alone",
			    pki_set_path(g->set, PKI_SET_CA), rn->capath);
			free(buf);
			buf = NULL;
			pki_set_free(g->set);
			close(g->lockfd);
			free(g->dir);
			rn->ngens--;
			continue;
		}
		free(buf);
		buf = NULL;
		/* The new generation is named after the leaf's serial. */
		if ((r = pki_set_read(g->set, PKI_SET_CERT, &buf, &len,
		    &err)) != 0 ||
		    (r = pki_cert_load(buf, len, pki_set_path(g->set,
		    PKI_SET_CERT), &cert, &err)) != 0 ||
		    (r = pki_cert_facts(cert, &facts, &err)) != 0)
			goto fail;
		snprintf(g->serial_hex, sizeof(g->serial_hex), "%s",
		    facts.serial_hex);
		pki_cert_facts_clear(&facts);
		memset(&facts, 0, sizeof(facts));
		pki_cert_free(cert);
		cert = NULL;
		free(buf);
		buf = NULL;
	}
	ret = CMD_RETURN_NORMAL;
	goto out;
oom:
	log_err("out of memory");
	goto out;
fail:
	log_pki(&err, r);
out:
	pki_cert_facts_clear(&facts);
	pki_cert_free(cert);
	free(buf);
	free(ldir);
	free(p);
	return ret;
}

/*
 * Cluster mode with an external CA (the description's ca.cert_file):
 * DIR/ca.pem is a copy of it, replaced too when it is one.
 */
static int
plan_external_copy(struct renew *rn, const struct pki_cluster *cl,
    const char *dir)
{
	struct stat	 st;
	char		*p = NULL, *buf = NULL;
	size_t		 len = 0;
	int		 ret = CMD_RETURN_NORMAL;

	if (pki_cluster_ca_cert_file(cl) == NULL)
		return CMD_RETURN_NORMAL;
	if ((p = path_join(dir, "ca.pem")) == NULL) {
		log_err("out of memory");
		return CMD_RETURN_ERROR;
	}
	if (lstat(p, &st) == 0 && S_ISREG(st.st_mode) &&
	    slurp(p, &buf, &len) == CMD_RETURN_NORMAL &&
	    is_ca_copy(buf, len, p, rn->key)) {
		if (add_file(rn, p, NULL, 0, st.st_mode & 07777) != 0)
			ret = CMD_RETURN_ERROR;
		p = NULL;
	}
	free(buf);
	free(p);
	return ret;
}

/* Loads the CA pair named by the cluster (DIR/ca.pem, or its files). */
static int
load_cluster_ca(const struct opts *o, const struct pki_cluster *cl,
    const char *dir, char **capath, struct pki_cert **ca,
    struct pki_key **key)
{
	struct opts	 ko;
	char		*keypath = NULL;
	int		 ret;

	*capath = NULL;
	if (pki_cluster_ca_cert_file(cl) != NULL) {
		*capath = strdup(pki_cluster_ca_cert_file(cl));
		keypath = strdup(pki_cluster_ca_key_file(cl) != NULL ?
		    pki_cluster_ca_key_file(cl) : "");
	} else {
		*capath = path_join(dir, "ca.pem");
		keypath = path_join(dir, "ca-key.pem");
	}
	if (*capath == NULL || keypath == NULL) {
		log_err("out of memory");
		free(keypath);
		return CMD_RETURN_ERROR;
	}
	/* load_ca_pair() reads -ca and -ca-key (and -ca-key-password). */
	ko = *o;
	ko.set[OPT_CA] = ko.set[OPT_CA_KEY] = 1;
	ko.str[OPT_CA] = *capath;
	ko.str[OPT_CA_KEY] = keypath;
	ret = load_ca_pair(&ko, ca, key);
	free(keypath);
	return ret;
}

static int
cmd_ca_renew_exec(struct opts *o)
{
	struct pki_error	 err;
	struct pki_cluster	*cl = NULL;
	struct pki_cert		*ca = NULL, *cert = NULL;
	struct pki_key		*key = NULL;
	struct pki_cert_facts	 of, nf;
	struct pki_set_update	 u;
	struct renew		 rn;
	const char		*s, *dir = NULL;
	char			*capath = NULL, *gen = NULL;
	char			 oa[32], na[32];
	int64_t			 expiry = -1;
	size_t			 i;
	int			 r, dirfd = -1, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	memset(&rn, 0, sizeof(rn));
	memset(&of, 0, sizeof(of));
	memset(&nf, 0, sizeof(nf));
	if (check_usage(o) != 0)
		return CMD_RETURN_USAGE;
	if ((s = opts_str(o, OPT_EXPIRY)) != NULL) {
		if (pki_duration_parse(s, &expiry, &err) != 0 ||
		    expiry < 1000000000) {
			log_err("-expiry: \"%s\": need a duration of at least "
			    "1s (e.g. 87600h)", s);
			return CMD_RETURN_USAGE;
		}
	}

	/* The CA, its key, and the file to replace. */
	if (opts_str(o, OPT_CLUSTER) != NULL) {
		dir = o->args[0];
		if (load_cluster(o, opts_str(o, OPT_CLUSTER), &cl) !=
		    CMD_RETURN_NORMAL ||
		    load_cluster_ca(o, cl, dir, &capath, &ca, &key) !=
		    CMD_RETURN_NORMAL)
			goto out;
		rn.capath = capath;
	} else {
		if (load_ca_pair(o, &ca, &key) != CMD_RETURN_NORMAL)
			goto out;
		rn.capath = opts_str(o, OPT_CA);
	}
	rn.key = key;
	if (!pki_cert_is_ca(ca)) {
		log_err("%s: not a CA certificate (basicConstraints cA is not "
		    "TRUE): ca renew only re-signs a CA", rn.capath);
		goto out;
	}
	if (opts_str(o, OPT_O) == NULL) {
		if ((r = inplace_path(rn.capath, &rn.capath, &rn.mode)) !=
		    CMD_RETURN_NORMAL) {
			ret = r;
			goto out;
		}
		if (slurp(rn.capath, &rn.oldpem, &rn.oldlen) !=
		    CMD_RETURN_NORMAL)
			goto out;
	}

	/* The renewed certificate. */
	if (cmd_renewca_sign(ca, key, rn.capath, expiry, &cert) !=
	    CMD_RETURN_NORMAL)
		goto out;
	if ((r = pki_cert_encode(cert, &rn.newpem, &rn.newlen, &err)) != 0 ||
	    (r = pki_cert_facts(ca, &of, &err)) != 0 ||
	    (r = pki_cert_facts(cert, &nf, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	if (nf.not_after <= (int64_t)time(NULL)) {
		fmt_time(nf.not_after, na, sizeof(na));
		log_err("the renewed CA would expire at %s, already past (its "
		    "validity starts before now): use a longer -expiry", na);
		goto out;
	}
	fmt_time(of.not_after, oa, sizeof(oa));
	fmt_time(nf.not_after, na, sizeof(na));
	snprintf(rn.line, sizeof(rn.line), "renewed: serial %s -> %s, not "
	    "after %s -> %s (same key and subject); etcd loads trusted CAs "
	    "only at start: restart every member, one at a time", of.serial,
	    nf.serial, oa, na);

	/* What to write. */
	if ((s = opts_str(o, OPT_O)) != NULL) {
		if (asprintf(&gen, "%s.pem", s) == -1) {
			gen = NULL;
			log_err("out of memory");
			goto out;
		}
		r = add_file(&rn, gen, NULL, 0, 0644);
		gen = NULL;
		if (r != 0)
			goto out;
	} else {
		if (cl != NULL && (r = pki_dir_lock(dir, &dirfd, &err)) != 0) {
			log_pki(&err, r);
			goto out;
		}
		if (asprintf(&gen, "%s.bak", rn.capath) == -1) {
			gen = NULL;
			log_err("out of memory");
			goto out;
		}
		r = add_file(&rn, gen, rn.oldpem, rn.oldlen, rn.mode);
		gen = NULL;
		if (r != 0 || add_file(&rn, strdup(rn.capath), NULL, 0,
		    rn.mode) != 0)
			goto out;
		if (cl != NULL && (plan_external_copy(&rn, cl, dir) !=
		    CMD_RETURN_NORMAL || plan_leaves(&rn, cl, dir) !=
		    CMD_RETURN_NORMAL))
			goto out;
	}
	for (i = 0; i < rn.nfiles; i++) {
		if (rn.files[i].data == NULL) {
			rn.files[i].data = rn.newpem;
			rn.files[i].len = rn.newlen;
		}
	}

	/* Write: every plain file as one set, then each generation. */
	if ((r = pki_file_write_set(rn.files, rn.nfiles, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	for (i = 0; i < rn.nfiles; i++)
		if (rn.files[i].data == rn.newpem)
			printf("%s: %s\n", rn.files[i].path, rn.line);
	for (i = 0; i < rn.ngens; i++) {
		memset(&u, 0, sizeof(u));
		u.data[PKI_SET_CA] = rn.newpem;
		u.len[PKI_SET_CA] = rn.newlen;
		u.serial_hex = rn.gens[i].serial_hex;
		u.now = time(NULL);
		if ((r = pki_set_stage(rn.gens[i].set, &u, &gen, &err)) != 0)
			goto fail;
		if ((r = pki_set_activate(rn.gens[i].set, gen, 0,
		    &err)) != 0) {
			log_pki(&err, r);
			if (pki_set_discard(rn.gens[i].set, gen, &err) != 0)
				log_pki(&err, PKI_ERR_IO);
			goto out;
		}
		free(gen);
		gen = NULL;
		printf("%s: %s\n", pki_set_path(rn.gens[i].set, PKI_SET_CA),
		    rn.line);
	}
	ret = CMD_RETURN_NORMAL;
	goto out;
fail:
	log_pki(&err, r);
out:
	for (i = 0; i < rn.ngens; i++) {
		pki_set_free(rn.gens[i].set);
		if (rn.gens[i].lockfd != -1)
			close(rn.gens[i].lockfd);
		free(rn.gens[i].dir);
	}
	free(rn.gens);
	for (i = 0; i < rn.nfiles; i++)
		free(rn.paths[i]);
	free(rn.paths);
	free(rn.files);
	free(rn.oldpem);
	free(rn.newpem);
	free(capath);
	free(gen);
	pki_cert_facts_clear(&of);
	pki_cert_facts_clear(&nf);
	pki_cluster_free(cl);
	pki_cert_free(ca);
	pki_cert_free(cert);
	pki_key_free(key);
	if (dirfd != -1)
		close(dirfd);
	return ret;
}

const struct cmd_entry cmd_ca_renew_entry = {
	"ca renew",
	"re-sign the CA certificate with its key for a new validity",
	"        PROG ca renew -ca CERT -ca-key KEY [-expiry DURATION] [-o NAME]\n"
	"        PROG ca renew -cluster DESC [-expiry DURATION] DIR\n"
	"\n"
	"Re-signs the CA certificate with the same key and subject (as cfssl\n"
	"gencert -renewca), valid for -expiry or its current validity length.\n"
	"Replaces CERT in place, keeping the previous copy in CERT.bak, or\n"
	"writes NAME.pem with -o.  With -cluster, renews DIR/ca.pem and every\n"
	"member's and client's copy of it.  Existing leaves stay valid; etcd\n"
	"loads trusted CAs only at start, so restart every member, one at a\n"
	"time.",
	ca_renew_opts,
	cmd_ca_renew_exec,
	1,
	0
};
