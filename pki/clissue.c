/*
 * clissue.c: "cluster issue": the CA when absent, then every member's and
 * client's files, only where they are missing or no longer match the
 * description, with key generation and signing on all cores.
 *
 * A leaf whose directory does not exist is built complete in a hidden
 * temporary directory next to it (files created O_EXCL|O_NOFOLLOW with
 * their final modes) and renamed into place with RENAME_NOREPLACE, so a
 * member directory appears whole or not at all.  The files of a new CA
 * and of every leaf whose directory exists are then replaced as one
 * pki_file_write_set() set.  The run is all or nothing: if anything
 * fails, the new directories go back to their temporary names and are
 * removed, so DIR is left as it was.  Durability of the new directories
 * costs one syncfs() (their contents) and an fsync of their parents (the
 * names) instead of an fsync per file.  A lock on DIR/.etcd-pki.lock
 * keeps two runs apart.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "config.h"
#include "internal.h"
#include "cluster.h"
#include "clpriv.h"
#include "engine.h"
#include "fastleaf.h"

/* Files of one leaf, in the order they are written and reported. */
#define F_CERT		0
#define F_KEY		1
#define F_CSR		2
#define F_CSRJSON	3
#define F_CA		4
#define F_CONF		5
#define F_ENV		6
#define F_ETCDENV	7
#define F_KUBE		8	/* clients: kube-apiserver.flags */
#define F__COUNT	9

#define LEAF_KEPT	0
#define LEAF_NEW	1
#define LEAF_REISSUE	2

struct leafjob {
	size_t			 leaf;
	int			 state;		/* LEAF_* */
	const char		*reason;	/* static, or own_reason */
	char			*own_reason;	/* LEAF_REISSUE's, malloc'ed */
	struct pki_issued	 fl;		/* products */
	char			*text[F__COUNT];	/* CSR JSON, conf, env */
	size_t			 textlen[F__COUNT];
	int			 changed[F__COUNT];	/* files to write */
	char			*tmpdir;	/* LEAF_NEW: built here */
	int			 placed;	/* tmpdir renamed into place */
	time_t			 not_after;
	struct pki_key		*key;		/* made, waiting for the CA */
	struct pki_owner	 own;		/* its new key's owner */
	mode_t			 keymode;	/* ... and mode */
	int			 parked;
	int			 r;
	struct pki_error	*err;		/* r's, malloc'ed (NULL: none) */
};

struct issue {
	const struct pki_cluster	*cl;
	const struct pki_issue_opts	*opts;
	const char			*dir;
	char				*absdir;
	mode_t				 umask;
	int				 dfd;
	int				 cfd;		/* DIR/clients, or -1 */
	time_t				 now;
	/* The CA. */
	int				 ca_new;
	struct pki_cert			*ca;
	struct pki_key			*cakey;
	char				*capem;
	size_t				 capemlen;
	char				*cakeypem;	/* ca_new: to write */
	size_t				 cakeylen;
	char				*cacsrpem;
	size_t				 cacsrlen;
	int				 clients_made;	/* DIR/clients is new */
	struct pki_fast_issuer		 is;
	/*
	 * The strictness policy: opts->policy, or the same with each
	 * warning text sent once (every leaf would repeat the CA's).
	 */
	const struct pki_parse_opts	*policy;
	struct pki_parse_opts		 once;
	pthread_mutex_t			 warn_mu;
	int				 warn_mu_ok;
	struct pki_strv			 warned;	/* texts sent */
	int				 warn_all;	/* no memory for
							   warned */
	/* The workers' queue. */
	pthread_mutex_t			 mu;
	pthread_cond_t			 cv;
	int				 ca_state;	/* CA_* */
	struct pki_error		 ca_err;
	int				 ca_r;
	struct leafjob			**jobs;		/* into run_jobs' */
	size_t				 njobs;
	size_t				 ndone;		/* progress: jobs done */
	size_t				 next;
	size_t				 nparked;
	int				 stop;
	/* The inventory and the CRL. */
	struct pki_crl_entry		*revoked;	/* recorded revoked */
	size_t				 nrevoked;
	struct pki_cl_record		 rec;
	struct pki_file			*xf;		/* CRL files to write */
	char				**xpaths;
	size_t				 nx;
	int				 dbconf_written;
	int				 crl_copies;
};

#define CA_PENDING	0	/* to be created by the first worker */
#define CA_MAKING	1
#define CA_READY	2
#define CA_FAILED	3

static void
report(const struct issue *is, int what, const char *path, const char *reason,
    const char *subject, const char *sans, time_t not_after)
{
	struct pki_issue_event	ev;

	if (is->opts->event == NULL)
		return;
	ev.what = what;
	ev.path = path;
	ev.reason = reason != NULL ? reason : "";
	ev.subject = subject;
	ev.sans = sans;
	ev.not_after = not_after;
	is->opts->event(is->opts->event_arg, &ev);
}

/* Removes a temporary leaf directory and what is in it. */
static void
remove_tmpdir(int pfd, const char *tmp)
{
	static const char *const	 names[] = { "etcd.conf.yml",
	    "etcdctl.env", "etcd.env", PKI_CLDIR_BUNDLE, PKI_CLDIR_CRL_DER,
	    PKI_CLDIR_CRL_PEM, "kube-apiserver.flags" };
	char				 buf[PATH_MAX];
	const char			*base;
	size_t				 i;
	int				 fd;

	if ((fd = openat(pfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		return;
	/* ".NAME.XXXXXX": the files are NAME.pem, NAME-key.pem, ... */
	base = tmp + 1;
	for (i = 0; i < 4; i++) {
		static const char *const sfx[] = { ".pem", "-key.pem", ".csr",
		    "-csr.json" };
		int n = snprintf(buf, sizeof(buf), "%.*s%s",
		    (int)(strlen(base) - 7), base, sfx[i]);

		if (n > 0 && (size_t)n < sizeof(buf))
			(void)unlinkat(fd, buf, 0);
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		(void)unlinkat(fd, names[i], 0);
	(void)close(fd);
	(void)unlinkat(pfd, tmp, AT_REMOVEDIR);
}

/* ---- the strictness policy ------------------------------------------ */

/*
 * The warning sink of is->once: each text goes to the caller's sink once,
 * from whichever worker sends it first.
 */
static void
warn_once(void *arg, const char *text)
{
	struct issue			*is = arg;
	const struct pki_parse_opts	*po = is->opts->policy;
	size_t				 i;

	pthread_mutex_lock(&is->warn_mu);
	for (i = 0; !is->warn_all && i < is->warned.n; i++)
		if (strcmp(is->warned.v[i], text) == 0) {
			pthread_mutex_unlock(&is->warn_mu);
			return;
		}
	po->warn(po->warn_arg, text);
	/* Out of memory, every text is sent: repeated rather than lost. */
	if (!is->warn_all && pki_strv_push(&is->warned, text) != PKI_OK)
		is->warn_all = 1;
	pthread_mutex_unlock(&is->warn_mu);
}

/* Sets is->policy: the caller's, with warnings sent once. */
static int
policy_init(struct issue *is, struct pki_error *err)
{
	const struct pki_parse_opts	*po = is->opts->policy;

	is->policy = po;
	if (po == NULL || po->warn == NULL)
		return PKI_OK;
	if (pthread_mutex_init(&is->warn_mu, NULL) != 0)
		return pki_err(err, PKI_ERR_INTERNAL,
		    "cannot initialise threads");
	is->warn_mu_ok = 1;
	is->once = *po;
	is->once.warn = warn_once;
	is->once.warn_arg = is;
	is->policy = &is->once;
	return PKI_OK;
}

/* pki_cl_leftovers() callback: removes what a killed run left. */
static void
sweep_leftover(void *arg, int pfd, const char *in, const char *name)
{
	(void)arg;
	(void)in;
	remove_tmpdir(pfd, name);
}

/* What DIR's own files left under temporary names (pki_cl_sweep_set). */
static void
sweep_top(const struct issue *is)
{
	static const char *const	names[] = { PKI_CLDIR_CA,
	    PKI_CLDIR_CA_KEY, "ca.csr", "ca-csr.json", PKI_CLDIR_CRL_DER,
	    PKI_CLDIR_CRL_PEM, PKI_CLDIR_DBCONFIG, PKI_CLDIR_INVENTORY };

	pki_cl_sweep_set(is->dfd, names, sizeof(names) / sizeof(names[0]));
}

/* ---- the CA --------------------------------------------------------- */

/* Loads the CA from cert/key paths (dfd-relative unless absolute). */
static int
load_ca(struct issue *is, int dfd, const char *certpath, const char *keypath,
    struct pki_error *err)
{
	struct pki_ca	*ca = NULL;
	char		*buf = NULL, *kbuf = NULL;
	size_t		 len = 0, klen = 0;
	int		 r = PKI_ERR_INTERNAL;

	if (pki_cl_slurpat(dfd, certpath, &buf, &len) == -1)
		return pki_cl_read_err(err, errno, certpath);
	if (pki_cl_slurpat(dfd, keypath, &kbuf, &klen) == -1)
		r = pki_cl_read_err(err, errno, keypath);
	else if ((r = pki_ca_parse(buf, len, certpath, kbuf, klen, keypath,
	    PKI_CA_MUST_BE_CA, is->opts->ca_key_password, &ca, err)) == PKI_OK) {
		is->ca = ca->cert;
		is->cakey = ca->key;
		is->capem = ca->canon;
		is->capemlen = ca->canonlen;
		ca->cert = NULL;
		ca->key = NULL;
		ca->canon = NULL;
	}
	free(buf);
	pki_secret_free(kbuf, kbuf != NULL ? klen + 1 : 0);
	pki_ca_free(ca);
	if (r != PKI_OK)
		return r;
	/* An issuer no leaf would verify under: refused once, up front. */
	return pki_policy_issue(is->policy, NULL, is->ca, is->now, 0, 0, err);
}

/*
 * Finds the CA: the description's files, or DIR/ca.pem + DIR/ca-key.pem.
 * Sets is->ca_new when there is none yet (a worker then makes it).
 */
static int
find_ca(struct issue *is, struct pki_error *err)
{
	const struct pki_cluster	*cl = is->cl;
	struct stat			 st;
	int				 have_cert, have_key;

	if (cl->ca_cert_file != NULL)
		return load_ca(is, AT_FDCWD, cl->ca_cert_file, cl->ca_key_file,
		    err);
	have_cert = fstatat(is->dfd, PKI_CLDIR_CA, &st,
	    AT_SYMLINK_NOFOLLOW) == 0;
	have_key = fstatat(is->dfd, PKI_CLDIR_CA_KEY, &st,
	    AT_SYMLINK_NOFOLLOW) == 0;
	if (have_cert && have_key)
		return load_ca(is, is->dfd, PKI_CLDIR_CA, PKI_CLDIR_CA_KEY,
		    err);
	if (have_key)
		return pki_err(err, PKI_ERR_INPUT, "%s/ca-key.pem exists "
		    "without ca.pem: refusing to replace a CA key", is->dir);
	if (have_cert)
		return pki_err(err, PKI_ERR_INPUT, "%s/ca.pem exists without "
		    "ca-key.pem: cannot sign (put the key back, or remove "
		    "ca.pem to create a new CA)", is->dir);
	is->ca_new = 1;
	return PKI_OK;
}

/*
 * Makes a new CA (a worker runs this first) from the description's CA
 * request, its key and ca.expiry, at the run's time; written at the
 * commit.
 */
static int
make_ca(struct issue *is, struct pki_error *err)
{
	struct pki_ca_request	cr;
	struct pki_issued	ca;
	int			r;

	memset(&cr, 0, sizeof(cr));
	cr.csr = is->cl->ca_csr;
	cr.key_format = is->opts->ca_key_format;
	cr.key_password = is->opts->ca_key_password;
	cr.key_passwordlen = is->opts->ca_key_passwordlen;
	cr.now = is->now;
	cr.objects = 1;
	cr.policy = is->policy;
	if ((r = pki_ca_issue(&cr, &ca, err)) != PKI_OK)
		return r;
	is->ca = ca.x509;
	is->cakey = ca.newkey;
	is->capem = ca.cert;
	is->capemlen = ca.certlen;
	is->cakeypem = ca.key;
	is->cakeylen = ca.keylen;
	is->cacsrpem = ca.req;
	is->cacsrlen = ca.reqlen;
	/* The policy's messages name it as the file it becomes. */
	free(is->ca->source);
	if ((is->ca->source = strdup(PKI_CLDIR_CA)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	return PKI_OK;
}

/* ---- examining what is on disk -------------------------------------- */

/* The texts a leaf's directory must hold besides its key material. */
static int
leaf_texts(struct issue *is, struct leafjob *j, struct pki_error *err)
{
	const struct pki_cluster_leaf	*lf = &is->cl->leaves[j->leaf];
	char				*pkidir = NULL;
	int				 r = PKI_ERR_INTERNAL;

	/* Without fragments a leaf's directory holds its key material only. */
	if (!is->cl->fragments)
		return PKI_OK;
	if ((j->text[F_CSRJSON] = strdup(lf->csr_json)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	j->textlen[F_CSRJSON] = strlen(lf->csr_json);
	if (is->cl->pki_dir != NULL)
		r = asprintf(&pkidir, "%s", is->cl->pki_dir);
	else
		r = asprintf(&pkidir, "%s/%s", is->absdir, lf->dir);
	if (r == -1)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	if (lf->member >= 0 &&
	    ((r = pki_cluster_etcd_conf(is->cl, (size_t)lf->member, pkidir,
	    &j->text[F_CONF], err)) != PKI_OK ||
	    (r = pki_cluster_etcd_env(is->cl, (size_t)lf->member, pkidir, 1,
	    &j->text[F_ETCDENV], err)) != PKI_OK))
		goto out;
	if ((r = pki_cluster_etcdctl_env(is->cl, j->leaf, pkidir,
	    &j->text[F_ENV], err)) != PKI_OK ||
	    (lf->member < 0 && (r = pki_cluster_kube_flags(is->cl, j->leaf,
	    pkidir, &j->text[F_KUBE], err)) != PKI_OK))
		goto out;
	if (j->text[F_KUBE] != NULL)
		j->textlen[F_KUBE] = strlen(j->text[F_KUBE]);
	if (j->text[F_CONF] != NULL)
		j->textlen[F_CONF] = strlen(j->text[F_CONF]);
	if (j->text[F_ETCDENV] != NULL)
		j->textlen[F_ETCDENV] = strlen(j->text[F_ETCDENV]);
	j->textlen[F_ENV] = strlen(j->text[F_ENV]);
	r = PKI_OK;
 out:
	free(pkidir);
	return r;
}

/* File name i of leaf lf in buf ("etcd1.pem", "ca.pem", ...). */
static int
leaf_file(const struct pki_cluster_leaf *lf, int i, char *buf, size_t size)
{
	static const char *const	 sfx[] = { ".pem", "-key.pem", ".csr",
	    "-csr.json" };
	static const char *const	 fixed[] = { PKI_CLDIR_BUNDLE,
	    "etcd.conf.yml", "etcdctl.env", "etcd.env",
	    "kube-apiserver.flags" };
	int				 n;

	if (i < F_CA)
		n = snprintf(buf, size, "%s%s", lf->name, sfx[i]);
	else
		n = snprintf(buf, size, "%s", fixed[i - F_CA]);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* What leaf lf's files left under temporary names in ldfd. */
static void
sweep_leaf(const struct pki_cluster_leaf *lf, int ldfd)
{
	char		 buf[F__COUNT][NAME_MAX + 1];
	const char	*names[F__COUNT + 2];
	size_t		 n = 0;
	int		 i;

	for (i = 0; i < F__COUNT; i++)
		if (leaf_file(lf, i, buf[i], sizeof(buf[i])) == 0)
			names[n++] = buf[i];
	names[n++] = PKI_CLDIR_CRL_DER;
	names[n++] = PKI_CLDIR_CRL_PEM;
	pki_cl_sweep_set(ldfd, names, n);
}

/*
 * The owner and mode of leaf j's new key into j->own and j->keymode
 * (pki_owner_key): -owner and -mode, then the description's, then for a
 * reissued leaf (ldfd: its directory, or -1) the old key's owner when the
 * old pair matched (pair_ok) and no other user could write the key file,
 * its directory, DIR/clients or DIR; a refusal is reported as a warning.
 */
static int
leaf_owner(struct issue *is, struct leafjob *j, int ldfd, int pair_ok,
    struct pki_error *err)
{
	const struct pki_cluster_leaf	*lf = &is->cl->leaves[j->leaf];
	const struct pki_parse_opts	*po = is->policy;
	struct pki_owner		 o = is->opts->owner;
	struct stat			 st, dst, own;
	const struct stat		*like = NULL;
	const char			*why = NULL;
	char				 name[NAME_MAX + 1], path[PATH_MAX];
	char				 note[1024];
	int				 r;

	pki_owner_merge(&o, &lf->owner);
	snprintf(path, sizeof(path), "%s: owner", lf->dir);
	if ((r = pki_owner_check(&o, path, err)) != PKI_OK)
		return r;
	snprintf(name, sizeof(name), "%s-key.pem", lf->name);
	snprintf(path, sizeof(path), "%s/%s/%s", is->dir, lf->dir, name);
	if (ldfd != -1 && fstatat(ldfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode)) {
		like = &st;
		if (!pair_ok)
			why = "its key did not match its certificate";
		else if (pki_owner_others_write(&st, st.st_uid))
			why = "another user could write the key file";
		else if (fstat(ldfd, &dst) == -1 ||
		    pki_owner_others_write(&dst, st.st_uid))
			why = "another user could write its directory";
		else if (lf->member < 0 && (fstatat(is->dfd, "clients", &dst,
		    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISDIR(dst.st_mode) ||
		    pki_owner_others_write(&dst, st.st_uid)))
			why = "another user could write DIR/clients";
		else if (fstat(is->dfd, &dst) == -1 ||
		    pki_owner_others_write(&dst, st.st_uid))
			why = "another user could write DIR";
	}
	(void)pki_owner_key(&o, like, why, path, &own, &j->keymode, note,
	    sizeof(note));
	memset(&j->own, 0, sizeof(j->own));
	j->own.has_user = j->own.has_group = 1;
	j->own.uid = own.st_uid;
	j->own.gid = own.st_gid;
	if (note[0] != '\0' && po != NULL && po->warn != NULL)
		po->warn(po->warn_arg, note);
	return PKI_OK;
}

/*
 * A kept leaf whose key's owner or mode is set (-owner, -mode, the
 * description) and differs: the key is rewritten (same bytes, in
 * j->fl.key) with them, and reported as updated.  A leaf in renew's
 * generations layout is renew's (renew -cluster gives its next key the
 * description's owner).
 */
static int
kept_owner(struct issue *is, struct leafjob *j, int ldfd,
    struct pki_error *err)
{
	const struct pki_cluster_leaf	*lf = &is->cl->leaves[j->leaf];
	struct pki_owner		 o = is->opts->owner;
	struct stat			 st;
	char				 name[NAME_MAX + 1];
	int				 r;

	pki_owner_merge(&o, &lf->owner);
	snprintf(name, sizeof(name), "%s-key.pem", lf->name);
	if (!pki_owner_set(&o) || fstatat(ldfd, name, &st,
	    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(st.st_mode) ||
	    faccessat(ldfd, "current", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return PKI_OK;
	if ((r = leaf_owner(is, j, ldfd, 1, err)) != PKI_OK)
		return r;
	if (st.st_uid == j->own.uid && st.st_gid == j->own.gid &&
	    (st.st_mode & 07777) == j->keymode)
		return PKI_OK;
	if (pki_cl_slurpat(ldfd, name, &j->fl.key, &j->fl.keylen) == -1)
		return pki_err_sys(err, errno, "%s/%s/%s: cannot read",
		    is->dir, lf->dir, name);
	j->changed[F_KEY] = 1;
	return PKI_OK;
}

/*
 * Decides what leaf j needs: LEAF_NEW (no directory), LEAF_REISSUE with
 * a reason, or LEAF_KEPT with the non-key files that differ marked in
 * j->changed.
 */
static int
examine(struct issue *is, struct leafjob *j, struct pki_error *err)
{
	const struct pki_cluster_leaf	*lf = &is->cl->leaves[j->leaf];
	struct pki_cl_check		 ck;
	char				 name[NAME_MAX + 1], *buf = NULL;
	char				 reason[256] = "";
	size_t				 len;
	int				 ldfd = -1, i, r = PKI_ERR_INTERNAL;

	memset(&ck, 0, sizeof(ck));
	if ((r = leaf_texts(is, j, err)) != PKI_OK)
		return r;
	if ((ldfd = openat(is->dfd, lf->dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (errno != ENOENT)
			return pki_err_sys(err, errno, "%s/%s: cannot open",
			    is->dir, lf->dir);
		j->state = LEAF_NEW;
		j->reason = "missing";
		return leaf_owner(is, j, -1, 0, err);
	}
	sweep_leaf(lf, ldfd);
	ck.cl = is->cl;
	ck.leaf = j->leaf;
	ck.ca = is->ca;
	ck.now = is->now;
	ck.expiry = is->opts->expiry;
	ck.check_length = 1;
	ck.reason = reason;
	ck.reasonlen = sizeof(reason);
	ck.revoked = is->revoked;
	ck.nrevoked = is->nrevoked;
	if (pki_cl_check_leaf(&ck, ldfd) != 0) {
		j->state = LEAF_REISSUE;
		if ((j->own_reason = strdup(reason)) == NULL) {
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
			goto out;
		}
		j->reason = j->own_reason;
		r = leaf_owner(is, j, ldfd, ck.pair_ok, err);
		goto out;
	}
	j->state = LEAF_KEPT;
	j->not_after = ck.not_after;
	/* The key material is fine: which of the other files differ? */
	for (i = F_CSRJSON; i < F__COUNT; i++) {
		const char	*want = i == F_CA ? (is->cl->fragments ?
		    is->capem : NULL) : j->text[i];
		size_t		 wlen = i == F_CA ? is->capemlen : j->textlen[i];

		if (want == NULL || leaf_file(lf, i, name, sizeof(name)) != 0)
			continue;
		if (pki_cl_slurpat(ldfd, name, &buf, &len) == -1 ||
		    len != wlen || memcmp(buf, want, len) != 0)
			j->changed[i] = 1;
		free(buf);
		buf = NULL;
	}
	r = kept_owner(is, j, ldfd, err);
 out:
	/*
	 * A set renew keeps in generations is renew's: rewriting its links
	 * with plain files would leave "current" behind.
	 */
	if (r == PKI_OK && (j->state == LEAF_REISSUE || j->changed[F_CA]) &&
	    faccessat(ldfd, "current", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		r = pki_err(err, PKI_ERR_INPUT, "%s/%s: %s; it uses the "
		    "generations layout of renew, which cluster issue does "
		    "not rewrite: run etcd-pki renew -cluster DESC -member "
		    "%s -force %s %s", is->dir, lf->dir,
		    j->state == LEAF_REISSUE ? j->reason : "ca.pem differs",
		    lf->name, j->reason != NULL &&
		    strstr(j->reason, ": revoked (") != NULL ?
		    "-rekey" : "-allow-san-change", is->dir);
	if (ldfd != -1)
		(void)close(ldfd);
	return r;
}

/* ---- issuing (workers) ---------------------------------------------- */

/* The parent directory descriptor of leaf lf and its last component. */
static int
leaf_parent(const struct issue *is, const struct pki_cluster_leaf *lf,
    const char **base)
{
	if (lf->member >= 0) {
		*base = lf->dir;
		return is->dfd;
	}
	*base = strrchr(lf->dir, '/') + 1;
	return is->cfd;
}

/* Builds the complete new directory of j under a temporary name. */
static int
build_tmpdir(struct issue *is, struct leafjob *j, struct pki_error *err)
{
	const struct pki_cluster_leaf	*lf = &is->cl->leaves[j->leaf];
	const void			*data[F__COUNT];
	size_t				 lens[F__COUNT];
	char				 tmp[NAME_MAX + 1], name[NAME_MAX + 1];
	const char			*base;
	struct stat			 own;
	mode_t				 mode;
	int				 pfd, tfd = -1, i, try;

	memset(&own, 0, sizeof(own));
	own.st_uid = j->own.uid;
	own.st_gid = j->own.gid;
	pfd = leaf_parent(is, lf, &base);
	for (try = 0; try < 16; try++) {
		unsigned int	rnd;

		if (RAND_bytes((unsigned char *)&rnd, sizeof(rnd)) != 1)
			return pki_err_ssl(err, PKI_ERR_CRYPTO, "RAND_bytes");
		snprintf(tmp, sizeof(tmp), ".%s.%06x", base, rnd & 0xffffff);
		if (mkdirat(pfd, tmp, 0700) == 0)
			break;
		if (errno != EEXIST)
			return pki_err_sys(err, errno, "%s/%s: cannot create",
			    is->dir, lf->dir);
	}
	if (try == 16)
		return pki_err(err, PKI_ERR_IO, "%s/%s: no free temporary name",
		    is->dir, lf->dir);
	if ((j->tmpdir = strdup(tmp)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	if ((tfd = openat(pfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		return pki_err_sys(err, errno, "%s/%s: cannot open", is->dir,
		    tmp);
	data[F_CERT] = j->fl.cert;
	lens[F_CERT] = j->fl.certlen;
	data[F_KEY] = j->fl.key;
	lens[F_KEY] = j->fl.keylen;
	data[F_CSR] = j->fl.req;
	lens[F_CSR] = j->fl.reqlen;
	data[F_CA] = is->cl->fragments ? is->capem : NULL;
	lens[F_CA] = is->capemlen;
	for (i = F_CSRJSON; i < F__COUNT; i++)
		if (i != F_CA) {
			data[i] = j->text[i];
			lens[i] = j->textlen[i];
		}
	for (i = 0; i < F__COUNT; i++) {
		if (data[i] == NULL || leaf_file(lf, i, name, sizeof(name)) != 0)
			continue;
		mode = i == F_KEY ? j->keymode : 0644 & ~is->umask;
		if (pki_file_write_new(tfd, name, data[i], lens[i], mode,
		    i == F_KEY ? &own : NULL, 0) == -1) {
			int e = errno;

			(void)close(tfd);
			return pki_err_sys(err, e, "%s/%s/%s: cannot write",
			    is->dir, lf->dir, name);
		}
	}
	if (fchmod(tfd, 0755 & ~is->umask) == -1) {
		int e = errno;

		(void)close(tfd);
		return pki_err_sys(err, e, "%s/%s: cannot chmod", is->dir, tmp);
	}
	(void)close(tfd);
	return PKI_OK;
}

/* Key, request, certificate of job j; its files too if it is new. */
static int
issue_leaf(struct issue *is, struct leafjob *j, struct pki_key *key,
    struct pki_error *err)
{
	const struct pki_cluster_leaf	*lf = &is->cl->leaves[j->leaf];
	struct pki_leaf_request		 lr;
	int				 i, r;

	memset(&lr, 0, sizeof(lr));
	lr.csr = lf->csr;
	lr.profile = lf->profile;
	lr.ca = is->ca;
	lr.cakey = is->cakey;
	lr.key = key;
	lr.key_format = lf->key_format;
	lr.now = is->now;
	lr.expiry = is->opts->expiry;
	lr.has_not_before = is->opts->has_not_before;
	lr.not_before = is->opts->not_before;
	lr.policy = is->policy;
	if ((r = pki_leaf_issue_with(&is->is, &lr, &j->fl, err)) != PKI_OK) {
		/* A profile of the general path with -expiry/-not-before. */
		if (r == PKI_ERR_UNSUPPORTED &&
		    (lr.expiry > 0 || lr.has_not_before))
			pki_err_prefix(err, lf->name);
		return r;
	}
	j->not_after = j->fl.not_after;
	if (j->state != LEAF_NEW)
		return PKI_OK;	/* written at the commit */
	r = build_tmpdir(is, j, err);
	/* The new directory holds them now: a batch keeps none in memory. */
	pki_issued_clear(&j->fl);
	for (i = 0; i < F__COUNT; i++) {
		free(j->text[i]);
		j->text[i] = NULL;
	}
	return r;
}

/*
 * Keeps a copy of a failed job's error (*e) in j: only the failures
 * take that room.  Without memory for it, j->err stays NULL and the run
 * reports r's generic text (run_jobs).
 */
static void
keep_err(struct leafjob *j, const struct pki_error *e)
{
	if (j->err == NULL && (j->err = malloc(sizeof(*j->err))) != NULL)
		*j->err = *e;
}

/*
 * Issues job j with its key (freed here); records the result.  e holds
 * the error of a failure before (r != PKI_OK) and is the worker's own.
 */
static void
finish_job(struct issue *is, struct leafjob *j, int r, struct pki_error *e)
{
	if (r == PKI_OK)
		r = issue_leaf(is, j, j->key, e);
	pki_key_free(j->key);
	j->key = NULL;
	ERR_clear_error();
	if (r != PKI_OK)
		keep_err(j, e);
	j->r = r;
	pthread_mutex_lock(&is->mu);
	if (r != PKI_OK)
		is->stop = 1;
	else if (is->opts->progress != NULL)
		is->opts->progress(is->opts->event_arg, ++is->ndone,
		    is->njobs);
	pthread_mutex_unlock(&is->mu);
}

/*
 * A worker: makes the CA if it is to be made, then takes the leaves in
 * order.  A leaf's key needs no CA, so while the CA is being made a
 * worker parks each key it makes and goes on to the next one; parked
 * keys are signed first once the CA is there.
 */
static void *
worker(void *arg)
{
	struct issue		*is = arg;
	struct leafjob		*j;
	struct pki_keygen	*kg = NULL;	/* this worker's, reused */
	struct pki_error	 e;		/* the current job's */
	const struct pki_csr	*csr;
	size_t			 i;
	int			 r;

	for (;;) {
		pthread_mutex_lock(&is->mu);
		if (is->ca_state == CA_PENDING) {
			is->ca_state = CA_MAKING;
			pthread_mutex_unlock(&is->mu);
			r = make_ca(is, &is->ca_err);
			if (r == PKI_OK)
				r = pki_fast_issuer_init(&is->is, is->ca,
				    is->cakey, &is->ca_err);
			pthread_mutex_lock(&is->mu);
			is->ca_r = r;
			is->ca_state = r == PKI_OK ? CA_READY : CA_FAILED;
			if (r != PKI_OK)
				is->stop = 1;
			pthread_cond_broadcast(&is->cv);
			pthread_mutex_unlock(&is->mu);
			continue;
		}
		if (is->stop) {
			pthread_mutex_unlock(&is->mu);
			break;
		}
		if (is->ca_state == CA_READY && is->nparked > 0) {
			for (i = 0; i < is->njobs && !is->jobs[i]->parked;
			    i++)
				;
			j = is->jobs[i];
			j->parked = 0;
			is->nparked--;
			pthread_mutex_unlock(&is->mu);
			memset(&e, 0, sizeof(e));
			finish_job(is, j, PKI_OK, &e);
			continue;
		}
		if (is->next == is->njobs) {
			if (is->ca_state == CA_MAKING) {
				pthread_cond_wait(&is->cv, &is->mu);
				pthread_mutex_unlock(&is->mu);
				continue;
			}
			pthread_mutex_unlock(&is->mu);
			break;
		}
		j = is->jobs[is->next++];
		pthread_mutex_unlock(&is->mu);

		csr = is->cl->leaves[j->leaf].csr;
		r = PKI_OK;
		memset(&e, 0, sizeof(e));
		if (!pki_keygen_matches(kg, csr)) {
			pki_keygen_free(kg);
			r = pki_keygen_new(csr, &kg, &e);
		}
		if (r == PKI_OK)
			r = pki_keygen_run(kg, &j->key, &e);
		pthread_mutex_lock(&is->mu);
		if (r == PKI_OK && is->ca_state == CA_MAKING) {
			j->parked = 1;
			is->nparked++;
			pthread_mutex_unlock(&is->mu);
			continue;
		}
		if (is->ca_state == CA_FAILED)
			r = PKI_ERR_ARG;	/* reported as the CA's error */
		pthread_mutex_unlock(&is->mu);
		finish_job(is, j, r, &e);
	}
	pki_keygen_free(kg);
	ERR_clear_error();
	return NULL;
}

/* Runs the queue on n threads (this one included). */
static int
run_workers(struct issue *is, int n, struct pki_error *err)
{
	pthread_t	*t = NULL;
	int		 i, started = 0, e;

	if (n > 1 && (t = calloc((size_t)n - 1, sizeof(*t))) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	for (i = 0; i < n - 1; i++) {
		if ((e = pthread_create(&t[i], NULL, worker, is)) != 0)
			break;	/* fewer threads: still correct */
		started++;
	}
	(void)worker(is);
	for (i = 0; i < started; i++)
		(void)pthread_join(t[i], NULL);
	free(t);
	return PKI_OK;
}

/* ---- the inventory and the CRL -------------------------------------- */

/* Writes the CRL into the new directory of member job j. */
static int
crl_into_tmpdir(struct issue *is, struct leafjob *j, struct pki_error *err)
{
	const struct pki_cluster_leaf	*lf = &is->cl->leaves[j->leaf];
	const char			*base;
	int				 pfd, tfd, e = 0;

	pfd = leaf_parent(is, lf, &base);
	if ((tfd = openat(pfd, j->tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		return pki_err_sys(err, errno, "%s/%s: cannot open", is->dir,
		    j->tmpdir);
	if (pki_file_write_new(tfd, PKI_CLDIR_CRL_DER, is->rec.crl.der,
	    is->rec.crl.derlen, 0644 & ~is->umask, NULL, 0) == -1 ||
	    pki_file_write_new(tfd, PKI_CLDIR_CRL_PEM, is->rec.crl.pem,
	    is->rec.crl.pemlen, 0644 & ~is->umask, NULL, 0) == -1)
		e = errno;
	(void)close(tfd);
	if (e != 0)
		return pki_err_sys(err, e, "%s/%s: cannot write the CRL",
		    is->dir, lf->dir);
	return PKI_OK;
}

/* cfssl's -db-config for DIR/inventory.db (malloc'ed), or NULL. */
static char *
dbconfig_text(const struct issue *is)
{
	char	*path = NULL, *q = NULL, *text = NULL;

	if (asprintf(&path, "%s/%s", is->absdir, PKI_CLDIR_INVENTORY) == -1)
		return NULL;
	if (pki_json_quote(path, strlen(path), &q, NULL, NULL) == PKI_OK &&
	    asprintf(&text, "{\"driver\": \"sqlite3\", \"data_source\": "
	    "%s}\n", q) == -1)
		text = NULL;
	free(path);
	free(q);
	return text;
}

/*
 * Records new leaf j (whose set is in its temporary directory only: the
 * batch keeps none in memory) from its certificate file there.
 */
static int
record_new(struct issue *is, struct leafjob *j, struct pki_error *err)
{
	const struct pki_cluster_leaf	*lf = &is->cl->leaves[j->leaf];
	struct pki_inv_add		 a;
	const char			*base;
	char				 path[PATH_MAX], *buf = NULL;
	size_t				 len = 0;
	int				 pfd, r;

	pfd = leaf_parent(is, lf, &base);
	snprintf(path, sizeof(path), "%s/%s.pem", j->tmpdir, lf->name);
	if (pki_cl_slurpat(pfd, path, &buf, &len) == -1)
		return pki_err_sys(err, errno, "%s/%s: cannot read", is->dir,
		    path);
	a = (struct pki_inv_add){ buf, len, lf->member >= 0 ?
	    PKI_INV_MEMBER : PKI_INV_CLIENT, lf->name, lf->dir,
	    "cluster issue" };
	r = pki_cl_record_add(&is->rec, &a, 1, is->now, err);
	free(buf);
	return r;
}

/*
 * Records what this run issued (and what the inventory lacks yet), then
 * takes the CRL DIR needs: the files to replace join the commit
 * (is->xf), new member directories get their copies now.
 */
static int
record_and_crl(struct issue *is, struct leafjob *jobs, char **dbconf,
    struct pki_error *err)
{
	const struct pki_cluster	*cl = is->cl;
	const struct pki_cluster_leaf	*lf;
	struct pki_inv_add		 a;
	size_t				 i;
	int				 r;

	if ((*dbconf = dbconfig_text(is)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	if ((r = pki_cl_record_begin(is->dir, &is->rec, err)) != PKI_OK)
		return r;
	a = (struct pki_inv_add){ is->capem, is->capemlen, PKI_INV_CA, "ca",
	    "", "cluster issue" };
	if (is->ca_new && (r = pki_cl_record_add(&is->rec, &a, 1, is->now,
	    err)) != PKI_OK)
		return r;
	for (i = 0; i < cl->nleaves; i++) {
		lf = &cl->leaves[jobs[i].leaf];
		a = (struct pki_inv_add){ jobs[i].fl.cert, jobs[i].fl.certlen,
		    lf->member >= 0 ? PKI_INV_MEMBER : PKI_INV_CLIENT,
		    lf->name, lf->dir, "cluster issue" };
		if (jobs[i].state == LEAF_REISSUE &&
		    (r = pki_cl_record_add(&is->rec, &a, 1, is->now, err)) !=
		    PKI_OK)
			return r;
		if (jobs[i].state == LEAF_NEW &&
		    (r = record_new(is, &jobs[i], err)) != PKI_OK)
			return r;
	}
	if ((r = pki_cl_record_end(&is->rec, cl, is->dir, is->ca, is->cakey,
	    is->now, err)) != PKI_OK || (r = pki_cl_crl_files(cl, is->dir,
	    &is->rec.crl, *dbconf, is->rec.tmpname, &is->xf,
	    &is->xpaths, &is->nx, err)) != PKI_OK)
		return r;
	for (i = 0; i < is->nx; i++)
		if (is->xf[i].data == *dbconf || is->xf[i].len == PKI_FILE_PREPARED)
			is->dbconf_written = 1;
		else
			is->crl_copies++;
	for (i = 0; cl->fragments && i < cl->nleaves; i++) {
		lf = &cl->leaves[jobs[i].leaf];
		if (jobs[i].state != LEAF_NEW || lf->member < 0)
			continue;
		if ((r = crl_into_tmpdir(is, &jobs[i], err)) != PKI_OK)
			return r;
		is->crl_copies += 2;
	}
	return PKI_OK;
}

/* Reports the CRL and the inventory after a successful run. */
static void
report_crl(struct issue *is)
{
	const struct pki_crl_info	*ci = &is->rec.crl.info;
	char				 text[640], t[32];

	pki_time_format(ci->next_update, t, sizeof(t));
	if (is->rec.crl.changed || is->crl_copies > 0) {
		snprintf(text, sizeof(text), "CRL %s %s%s%s, %zu revoked, next "
		    "update %s", ci->number, is->rec.crl.changed ? "signed (" :
		    "copied to the members", is->rec.crl.changed ?
		    is->rec.crl.why : "", is->rec.crl.changed ? ")" : "",
		    ci->nentries, t);
		report(is, PKI_ISSUE_CRL, PKI_CLDIR_CRL_DER, text, NULL, NULL,
		    (time_t)ci->next_update);
	}
	if (is->rec.recorded > 0 || is->dbconf_written) {
		snprintf(text, sizeof(text), "%zu certificate%s recorded%s",
		    is->rec.recorded, is->rec.recorded == 1 ? "" : "s",
		    is->dbconf_written ? "; db-config.json names it" : "");
		report(is, PKI_ISSUE_RECORDED, PKI_CLDIR_INVENTORY, text, NULL,
		    NULL, 0);
	}
}

/* ---- committing ----------------------------------------------------- */

/* Makes what is written so far durable: 0, or -1 with errno set. */
static int
sync_fs(const struct issue *is)
{
	if (is->opts->no_sync)
		return 0;
#ifdef HAVE_SYNCFS
	return syncfs(is->dfd);
#else
	sync();
	return 0;
#endif
}

/* fsync of a directory, tolerating file systems that cannot. */
static int
sync_dir(const struct issue *is, int fd)
{
	if (is->opts->no_sync || fd == -1)
		return 0;
	if (fsync(fd) == -1 && errno != EINVAL && errno != EROFS)
		return -1;
	return 0;
}

/*
 * Appends one file to the commit's set (own[]: its owner, or NULL); path
 * is taken over.
 */
static void
add_file(struct pki_file *f, const struct pki_owner **own, char **paths,
    size_t *n, char *path, const void *data, size_t len, mode_t mode,
    const struct pki_owner *owner)
{
	paths[*n] = path;
	f[*n].path = path;
	f[*n].data = data;
	f[*n].len = len;
	f[*n].mode = mode;
	own[*n] = owner;
	(*n)++;
}

/* Appends the files of a kept or reissued leaf to the commit's set. */
static int
add_existing(struct issue *is, struct leafjob *j, struct pki_file *f,
    const struct pki_owner **own, char **paths, size_t *n,
    struct pki_error *err)
{
	const struct pki_cluster_leaf	*lf = &is->cl->leaves[j->leaf];
	char				 name[NAME_MAX + 1], *path;
	const void			*data;
	size_t				 i, len;

	for (i = 0; i < F__COUNT; i++) {
		if (j->state == LEAF_KEPT && !j->changed[i])
			continue;
		switch (i) {
		case F_CERT:
			data = j->fl.cert;
			len = j->fl.certlen;
			break;
		case F_KEY:
			data = j->fl.key;
			len = j->fl.keylen;
			break;
		case F_CSR:
			data = j->fl.req;
			len = j->fl.reqlen;
			break;
		case F_CA:
			data = is->cl->fragments ? is->capem : NULL;
			len = is->capemlen;
			break;
		default:
			data = j->text[i];
			len = j->textlen[i];
			break;
		}
		if (data == NULL || leaf_file(lf, (int)i, name,
		    sizeof(name)) != 0)
			continue;
		j->changed[i] = 1;
		if (asprintf(&path, "%s/%s/%s", is->dir, lf->dir, name) == -1)
			return pki_err(err, PKI_ERR_ALLOC, "out of memory");
		add_file(f, own, paths, n, path, data, len, i == F_KEY ?
		    j->keymode : 0644, i == F_KEY ? &j->own : NULL);
	}
	return PKI_OK;
}

/* Renames the new leaf directories that were placed back to tmpdir. */
static void
unplace(struct issue *is, struct leafjob *jobs)
{
	const char	*base;
	size_t		 i;
	int		 pfd;

	for (i = 0; i < is->cl->nleaves; i++) {
		if (!jobs[i].placed)
			continue;
		pfd = leaf_parent(is, &is->cl->leaves[i], &base);
		if (renameat2(pfd, base, pfd, jobs[i].tmpdir,
		    RENAME_NOREPLACE) == -1) {
			/* Stays in place, complete: not a temporary. */
			free(jobs[i].tmpdir);
			jobs[i].tmpdir = NULL;
		}
		jobs[i].placed = 0;
	}
}

/*
 * Puts everything made in place, all or nothing: the contents made
 * durable, the new leaf directories renamed into place and their names
 * synced, then the new CA's files and the existing leaves' files replaced
 * as one pki_file_write_set() set.  On any failure the new directories
 * go back to their temporary names (removed by the caller), so the
 * output directory is left as it was.
 */
static int
commit(struct issue *is, struct leafjob *jobs, struct pki_error *err)
{
	const struct pki_cluster	*cl = is->cl;
	struct pki_file			*f = NULL;
	const struct pki_owner		**own = NULL;
	char				**paths = NULL, *path;
	const char			*base;
	size_t				 i, n = 0, max;
	int				 pfd, r = PKI_ERR_INTERNAL;
	static const char *const	 canames[4] = { PKI_CLDIR_CA,
	    PKI_CLDIR_CA_KEY,
	    "ca.csr", "ca-csr.json" };

	/* Only a leaf directory that exists adds files to the set. */
	for (i = 0, max = 4 + is->nx; i < cl->nleaves; i++)
		if (jobs[i].state != LEAF_NEW)
			max += F__COUNT;
	if ((f = calloc(max, sizeof(*f))) == NULL ||
	    (own = calloc(max, sizeof(*own))) == NULL ||
	    (paths = calloc(max, sizeof(*paths))) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	if (is->ca_new) {
		const void	*data[4] = { is->capem, is->cakeypem,
		    is->cacsrpem, cl->ca_csr_json };
		size_t		 len[4] = { is->capemlen, is->cakeylen,
		    is->cacsrlen, strlen(cl->ca_csr_json) };

		for (i = 0; i < 4; i++) {
			if (asprintf(&path, "%s/%s", is->dir,
			    canames[i]) == -1) {
				r = pki_err(err, PKI_ERR_ALLOC,
				    "out of memory");
				goto out;
			}
			add_file(f, own, paths, &n, path, data[i], len[i],
			    i == 1 ? 0600 : 0644, NULL);
		}
	}
	for (i = 0; i < cl->nleaves; i++)
		if (jobs[i].state != LEAF_NEW &&
		    (r = add_existing(is, &jobs[i], f, own, paths, &n,
		    err)) != PKI_OK)
			goto out;
	/* The CRL's files (their paths stay is->xpaths'). */
	for (i = 0; i < is->nx; i++) {
		paths[n] = NULL;
		f[n++] = is->xf[i];
	}

	if (sync_fs(is) == -1) {
		r = pki_err_sys(err, errno, "%s: cannot sync", is->dir);
		goto out;
	}
	for (i = 0; i < cl->nleaves; i++) {
		if (jobs[i].state != LEAF_NEW)
			continue;
		pfd = leaf_parent(is, &cl->leaves[i], &base);
		if (renameat2(pfd, jobs[i].tmpdir, pfd, base,
		    RENAME_NOREPLACE) == -1) {
			r = pki_err_sys(err, errno, "%s/%s: cannot rename "
			    "into place", is->dir, cl->leaves[i].dir);
			goto out;
		}
		jobs[i].placed = 1;
	}
	if (sync_dir(is, is->dfd) == -1 || sync_dir(is, is->cfd) == -1) {
		r = pki_err_sys(err, errno, "%s: cannot sync", is->dir);
		goto out;
	}
	/* The inventory's transaction commits with the files. */
	r = pki_file_write_set_owned(f, own, n, pki_cl_record_commit, &is->rec,
	    err);
 out:
	if (r != PKI_OK)
		unplace(is, jobs);
	else
		for (i = 0; i < cl->nleaves; i++) {
			free(jobs[i].tmpdir);
			jobs[i].tmpdir = NULL;
			jobs[i].placed = 0;
		}
	if (paths != NULL)
		for (i = 0; i < n; i++)
			free(paths[i]);
	free(paths);
	free(f);
	free(own);
	return r;
}

/* Reports leaf j's files after a successful run. */
static void
report_leaf(struct issue *is, struct leafjob *j)
{
	const struct pki_cluster_leaf	*lf = &is->cl->leaves[j->leaf];
	char				 path[PATH_MAX], name[NAME_MAX + 1];
	char				*sans;
	int				 i, what;

	sans = pki_cl_join_hosts(lf->csr);
	for (i = 0; i < F__COUNT; i++) {
		if (leaf_file(lf, i, name, sizeof(name)) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", lf->dir, name);
		if (i == F_CERT) {
			what = j->state == LEAF_NEW ? PKI_ISSUE_NEW :
			    j->state == LEAF_REISSUE ? PKI_ISSUE_REISSUED :
			    PKI_ISSUE_KEPT;
			report(is, what, path, j->reason, lf->csr->cn != NULL ?
			    lf->csr->cn : "", sans != NULL ? sans : "",
			    j->not_after);
			continue;
		}
		/* A new or reissued set is reported by its certificate. */
		if (j->state != LEAF_KEPT || !j->changed[i])
			continue;
		report(is, PKI_ISSUE_UPDATED, path, i == F_KEY ? "owner or "
		    "mode differs from -owner, -mode or the description" :
		    "differs from the description", NULL, NULL, 0);
	}
	free(sans);
}

/* ---- the whole run -------------------------------------------------- */

/* 1 if the key of leaf lf in ldfd matches its certificate. */
static int
pair_matches(int ldfd, const struct pki_cluster_leaf *lf)
{
	struct pki_error	 e;
	struct pki_cert		*cert = NULL;
	struct pki_key		*key = NULL;
	char			 name[NAME_MAX + 1], *buf = NULL;
	size_t			 len = 0;
	int			 ok = 0;

	memset(&e, 0, sizeof(e));
	snprintf(name, sizeof(name), "%s.pem", lf->name);
	if (pki_cl_slurpat(ldfd, name, &buf, &len) == -1 ||
	    pki_cert_load(buf, len, name, &cert, &e) != PKI_OK)
		goto out;
	free(buf);
	buf = NULL;
	snprintf(name, sizeof(name), "%s-key.pem", lf->name);
	if (pki_cl_slurpat(ldfd, name, &buf, &len) == -1 ||
	    pki_key_load(buf, len, name, NULL, &key, &e) != PKI_OK)
		goto out;
	ok = pki_cert_matches_key(cert, key);
 out:
	if (buf != NULL)
		pki_secret_free(buf, len + 1);
	pki_cert_free(cert);
	pki_key_free(key);
	return ok;
}

/* A leaf reissued for a new CA: its key's owner (leaf_owner). */
static int
new_ca_owner(struct issue *is, struct leafjob *j, struct pki_error *err)
{
	const struct pki_cluster_leaf	*lf = &is->cl->leaves[j->leaf];
	int				 ldfd, r;

	if (j->state == LEAF_NEW || (ldfd = openat(is->dfd, lf->dir,
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return leaf_owner(is, j, -1, 0, err);
	sweep_leaf(lf, ldfd);
	r = leaf_owner(is, j, ldfd, pair_matches(ldfd, lf), err);
	(void)close(ldfd);
	return r;
}

/*
 * What each leaf needs (jobs[i].state); *need_clients is set when a
 * client is among the leaves.
 */
static int
plan_jobs(struct issue *is, struct leafjob *jobs, int *need_clients,
    struct pki_error *err)
{
	const struct pki_cluster	*cl = is->cl;
	size_t				 i;
	int				 r;

	for (i = 0; i < cl->nleaves; i++) {
		jobs[i].leaf = i;
		if (cl->leaves[i].member < 0)
			*need_clients = 1;
		if (!is->ca_new) {
			if ((r = examine(is, &jobs[i], err)) != PKI_OK)
				return r;
			continue;
		}
		/* No CA yet: nothing on disk can be kept. */
		if ((r = leaf_texts(is, &jobs[i], err)) != PKI_OK)
			return r;
		jobs[i].state = faccessat(is->dfd, cl->leaves[i].dir, F_OK,
		    AT_SYMLINK_NOFOLLOW) == 0 ? LEAF_REISSUE : LEAF_NEW;
		jobs[i].reason = jobs[i].state == LEAF_NEW ? "missing" :
		    "new CA";
		if ((r = new_ca_owner(is, &jobs[i], err)) != PKI_OK)
			return r;
	}
	return PKI_OK;
}

/* DIR/clients, made if missing, open as is->cfd. */
static int
open_clients(struct issue *is, struct pki_error *err)
{
	if (mkdirat(is->dfd, "clients", 0755) == 0)
		is->clients_made = 1;
	else if (errno != EEXIST)
		return pki_err_sys(err, errno, "%s/clients: cannot create",
		    is->dir);
	if ((is->cfd = openat(is->dfd, "clients", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC | O_NOFOLLOW)) == -1)
		return pki_err_sys(err, errno, "%s/clients: cannot open",
		    is->dir);
	return PKI_OK;
}

/*
 * The number of worker threads for nkeys keys: opts->jobs, or by default
 * one per CPU; but a few certificates (at most four per CPU) get one
 * thread each, so that slow keys (RSA) all progress together and no CPU
 * idles while the last one is made.  Never more than nkeys.
 */
static int
thread_count(const struct issue *is, size_t nkeys)
{
	long	ncpu;
	int	n = is->opts->jobs;

	if (n <= 0) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		n = ncpu > 0 && ncpu < 1024 ? (int)ncpu : 1;
		if (nkeys <= 4 * (size_t)n)
			n = (int)nkeys;
	}
	if ((size_t)n > nkeys)
		n = (int)nkeys;
	return n;
}

/*
 * Issues the leaves of jobs that are not kept on the workers (and the CA
 * when it is new).  The workers' queue (is->jobs) points at them.  The
 * first failure is returned.
 */
static int
run_jobs(struct issue *is, struct leafjob *jobs, int *mutex_ok,
    struct pki_error *err)
{
	const struct pki_cluster	*cl = is->cl;
	size_t				 i, ntodo = 0;
	int				 n, r = PKI_ERR_INTERNAL;

	for (i = 0; i < cl->nleaves; i++)
		if (jobs[i].state != LEAF_KEPT)
			ntodo++;
	if ((is->jobs = calloc(ntodo > 0 ? ntodo : 1,
	    sizeof(*is->jobs))) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	for (i = 0, ntodo = 0; i < cl->nleaves; i++)
		if (jobs[i].state != LEAF_KEPT)
			is->jobs[ntodo++] = &jobs[i];
	is->njobs = ntodo;
	r = PKI_OK;
	if (ntodo > 0 || is->ca_new) {
		if (pthread_mutex_init(&is->mu, NULL) != 0 ||
		    pthread_cond_init(&is->cv, NULL) != 0) {
			r = pki_err(err, PKI_ERR_INTERNAL,
			    "cannot initialise threads");
			goto back;
		}
		*mutex_ok = 1;
		n = thread_count(is, ntodo + (is->ca_new ? 1 : 0));
		if ((r = run_workers(is, n, err)) != PKI_OK)
			goto back;
	}
	if (is->ca_new && is->ca_r != PKI_OK) {
		r = is->ca_r;
		if (err != NULL)
			*err = is->ca_err;
	}
	for (i = 0; r == PKI_OK && i < ntodo; i++)
		if (is->jobs[i]->r != PKI_OK) {
			r = is->jobs[i]->r;
			if (err != NULL && is->jobs[i]->err != NULL)
				*err = *is->jobs[i]->err;
			else if (err != NULL)
				(void)pki_err(err, r, "%s: %s",
				    cl->leaves[is->jobs[i]->leaf].name,
				    pki_strerror(r));
		}
 back:
	/* Keys left parked when a run stopped early. */
	for (i = 0; i < ntodo; i++) {
		pki_key_free(is->jobs[i]->key);
		is->jobs[i]->key = NULL;
	}
	return r;
}

/* The CA, loaded or to be made; DIR/ca.pem of an external one written. */
static int
ready_ca(struct issue *is, struct pki_error *err)
{
	int	r;

	if ((r = find_ca(is, err)) != PKI_OK || is->ca_new)
		return r;
	if ((r = pki_fast_issuer_init(&is->is, is->ca, is->cakey, err)) !=
	    PKI_OK)
		return r;
	is->ca_state = CA_READY;
	/* An external CA: DIR/ca.pem is its certificate. */
	if (is->cl->ca_cert_file != NULL)
		return pki_cl_write_if_changed(is->dfd, is->dir, PKI_CLDIR_CA,
		    is->capem, is->capemlen, 0644, err);
	return PKI_OK;
}

int
pki_cluster_issue(const struct pki_cluster *cl, const char *dir,
    const struct pki_issue_opts *opts, struct pki_error *err)
{
	struct issue	 is;
	struct leafjob	*jobs = NULL;
	size_t		 i;
	int		 lockfd = -1, n, r = PKI_ERR_INTERNAL, need_clients = 0;
	int		 mutex_ok = 0, dir_made = 0;
	const char	*base;
	char		*dbconf = NULL;

	memset(&is, 0, sizeof(is));
	is.cl = cl;
	is.opts = opts;
	is.dir = dir;
	is.dfd = is.cfd = -1;
	is.umask = pki_file_umask();
	is.now = opts->now != 0 ? opts->now : time(NULL);

	if (mkdir(dir, 0755) == 0)
		dir_made = 1;
	else if (errno != EEXIST)
		return pki_err_sys(err, errno, "%s: cannot create", dir);
	if ((is.dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		r = pki_err_sys(err, errno, "%s: cannot open", dir);
		if (dir_made)
			(void)rmdir(dir);
		return r;
	}
	if ((is.absdir = realpath(dir, NULL)) == NULL) {
		r = pki_err_sys(err, errno, "%s: cannot resolve", dir);
		goto out;
	}
	if ((r = pki_dir_lock(dir, &lockfd, err)) != PKI_OK)
		goto out;
	/* What a killed run left, each with a private key. */
	(void)pki_cl_leftovers(is.dfd, sweep_leftover, NULL);
	sweep_top(&is);
	if ((r = policy_init(&is, err)) != PKI_OK ||
	    (r = ready_ca(&is, err)) != PKI_OK ||
	    (r = pki_cl_revoked(dir, is.now, &is.revoked, &is.nrevoked,
	    err)) != PKI_OK)
		goto out;

	/* What each leaf needs; then the workers take those to issue. */
	if ((jobs = calloc(cl->nleaves, sizeof(*jobs))) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	if ((r = plan_jobs(&is, jobs, &need_clients, err)) != PKI_OK ||
	    (need_clients && (r = open_clients(&is, err)) != PKI_OK) ||
	    (r = run_jobs(&is, jobs, &mutex_ok, err)) != PKI_OK ||
	    (r = record_and_crl(&is, jobs, &dbconf, err)) != PKI_OK)
		goto out;

	if ((r = commit(&is, jobs, err)) != PKI_OK)
		goto out;
	if (is.ca_new) {
		report(&is, PKI_ISSUE_NEW, PKI_CLDIR_CA, "missing",
		    NULL, NULL, 0);
		report(&is, PKI_ISSUE_NEW, PKI_CLDIR_CA_KEY, "missing", NULL,
		    NULL, 0);
	}
	for (i = 0; i < cl->nleaves; i++)
		report_leaf(&is, &jobs[i]);
	report_crl(&is);
	r = PKI_OK;
 out:
	pki_cl_files_free(is.xf, is.xpaths, is.nx);
	free(is.revoked);
	pki_cl_record_clear(&is.rec);
	free(dbconf);
	if (jobs != NULL) {
		for (i = 0; i < cl->nleaves; i++) {
			if (jobs[i].tmpdir != NULL)
				remove_tmpdir(leaf_parent(&is, &cl->leaves[i],
				    &base), jobs[i].tmpdir);
			free(jobs[i].tmpdir);
			free(jobs[i].own_reason);
			free(jobs[i].err);
			pki_issued_clear(&jobs[i].fl);
			for (n = 0; n < F__COUNT; n++)
				free(jobs[i].text[n]);
		}
	}
	/* A failed run leaves no clients/ it made (empty by now). */
	if (r != PKI_OK && is.clients_made)
		(void)unlinkat(is.dfd, "clients", AT_REMOVEDIR);
	pki_secret_free(is.cakeypem, is.cakeylen);
	free(is.cacsrpem);
	free(jobs);
	free(is.jobs);
	if (mutex_ok) {
		pthread_mutex_destroy(&is.mu);
		pthread_cond_destroy(&is.cv);
	}
	if (is.warn_mu_ok)
		pthread_mutex_destroy(&is.warn_mu);
	pki_strv_clear(&is.warned);
	pki_fast_issuer_clear(&is.is);
	pki_cert_free(is.ca);
	pki_key_free(is.cakey);
	free(is.capem);
	free(is.absdir);
	if (is.cfd != -1)
		(void)close(is.cfd);
	/* Nor the directory itself, if this run made it. */
	if (r != PKI_OK && dir_made) {
		(void)unlinkat(is.dfd, ".etcd-pki.lock", 0);
		(void)rmdir(dir);
	}
	if (lockfd != -1)
		(void)close(lockfd);
	if (is.dfd != -1)
		(void)close(is.dfd);
	ERR_clear_error();
	return r;
}

int
pki_cluster_issue_args(int members, int key_algo, int nargs,
    struct pki_error *err)
{
	if (members && nargs != 0)
		return pki_err(err, PKI_ERR_ARG, "give either a description "
		    "or -members, not both");
	if (members)
		return PKI_OK;
	if (nargs != 1)
		return pki_err(err, PKI_ERR_ARG, "expected one cluster "
		    "description (or -members N), got %d arguments", nargs);
	if (key_algo)
		return pki_err(err, PKI_ERR_ARG, "-key-algo goes with -members; "
		    "a description sets its key in \"key\"");
	return PKI_OK;
}
