/*
 * clexport.c: cluster export: the files one member or client needs on its
 * own host, named by the node's paths (the description's pki_dir,
 * config_dir and etcdctl_env, else the guide's), as a tar archive that
 * unpacks at "/": its certificate, key, trust bundle, CRL, CSR JSON and
 * request, etcd.conf.yml and etcd.env rewritten for those paths, the
 * etcdctl environment, optionally a systemd unit, and a sha256sum manifest
 * to check what arrived.  Never the CA key, never another leaf's key.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "internal.h"
#include "clpriv.h"
#include "tar.h"

#define EXPORT_PKI_DIR		"/etc/etcd/pki"
#define EXPORT_CONFIG_DIR	"/etc/etcd"
#define EXPORT_ETCDCTL_ENV	"/etc/profile.d/etcdctl.sh"
#define EXPORT_UNIT		"/etc/systemd/system/etcd.service"
#define EXPORT_MAX_FILES	12

/* The archive being built: its entries' texts are owned here. */
struct exp {
	const struct pki_cluster_export	*q;
	const struct pki_cluster_leaf	*lf;
	struct pki_buf			 tar;
	struct pki_buf			 sums;	/* the manifest */
	struct pki_strv			 paths;
	const char			*pkidir, *confdir, *ctlenv;
	char				 uname[33], gname[33];
	unsigned long			 uid, gid;
	mode_t				 key_mode;
	int				 dfd;	/* the leaf's directory */
	int				 dirfd;	/* the cluster directory */
};

/* An absolute path without control characters, "." or ".." components. */
static int
node_path(const char *src, const char *what, const char *p,
    struct pki_error *err)
{
	const char	*c;

	if (p[0] != '/' || pki_cl_has_ctrl(p) || strstr(p, "//") != NULL)
		goto bad;
	for (c = p; (c = strchr(c, '/')) != NULL; c++)
		if (strncmp(c, "/./", 3) == 0 || strcmp(c, "/.") == 0 ||
		    strncmp(c, "/../", 4) == 0 || strcmp(c, "/..") == 0)
			goto bad;
	if (strlen(p) < 2 || p[strlen(p) - 1] == '/')
		goto bad;
	return PKI_OK;
 bad:
	return pki_err(err, PKI_ERR_INPUT, "%s: %s: \"%s\": a node path must "
	    "be absolute, without \".\" or \"..\" components", src, what, p);
}

/* Adds one file at the node path dir/name (name NULL: dir is the path). */
static int
add_file(struct exp *e, const char *dir, const char *name, const void *data,
    size_t len, mode_t mode, int owned, struct pki_error *err)
{
	struct pki_tar_file	 f;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;
	char			*path = NULL;
	int			 r;

	if ((name != NULL ? asprintf(&path, "%s/%s", dir, name) :
	    asprintf(&path, "%s", dir)) == -1)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	memset(&f, 0, sizeof(f));
	f.path = path + 1;
	f.data = data;
	f.len = len;
	f.mode = mode;
	f.uname = owned ? e->uname : "root";
	f.gname = owned ? e->gname : "root";
	f.uid = owned ? e->uid : 0;
	f.gid = owned ? e->gid : 0;
	f.mtime = e->q->now;
	if ((r = pki_tar_add(&e->tar, &f, err)) != PKI_OK)
		goto out;
	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO, "EVP_Digest");
		goto out;
	}
	for (i = 0; i < mdlen; i++)
		pki_buf_printf(&e->sums, "%02x", md[i]);
	pki_buf_printf(&e->sums, "  %s\n", path);
	if ((r = pki_strv_push(&e->paths, path)) != PKI_OK || e->sums.oom)
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
 out:
	free(path);
	return r;
}

/* Packs the tree's file name, root's, 0644 (a link into current/ followed). */
static int
copy_file(struct exp *e, const char *name, int optional,
    struct pki_error *err)
{
	char	*buf = NULL;
	size_t	 len = 0;
	int	 r;

	if (pki_cl_slurpat(e->dfd, name, &buf, &len) == -1) {
		if (optional && errno == ENOENT)
			return PKI_OK;
		/* A tree without fragments: the cluster's own ca.pem. */
		if (errno == ENOENT && strcmp(name, "ca.pem") == 0 &&
		    pki_cl_slurpat(e->dirfd, name, &buf, &len) == 0)
			goto have;
		return pki_err_sys(err, errno, "%s/%s/%s: cannot read",
		    e->q->dir, e->lf->dir, name);
	}
 have:
	r = add_file(e, e->pkidir, name, buf, len, 0644, 0, err);
	pki_secret_free(buf, len);
	return r;
}

/*
 * The leaf's certificate and key, read once: packed only when they match,
 * so nothing broken goes out.
 */
static int
add_pair(struct exp *e, struct pki_error *err)
{
	char		 cname[NAME_MAX + 1], kname[NAME_MAX + 1];
	char		*cb = NULL, *kb = NULL;
	size_t		 cl = 0, kl = 0;
	struct pki_cert	*cert = NULL;
	struct pki_key	*key = NULL;
	int		 r;

	(void)snprintf(cname, sizeof(cname), "%s.pem", e->lf->name);
	(void)snprintf(kname, sizeof(kname), "%s-key.pem", e->lf->name);
	if (pki_cl_slurpat(e->dfd, cname, &cb, &cl) == -1 ||
	    pki_cl_slurpat(e->dfd, kname, &kb, &kl) == -1) {
		r = pki_err_sys(err, errno, "%s/%s: cannot read %s", e->q->dir,
		    e->lf->dir, cb == NULL ? cname : kname);
		goto out;
	}
	if ((r = pki_cert_load(cb, cl, cname, &cert, err)) != PKI_OK ||
	    (r = pki_key_load(kb, kl, kname, NULL, &key, err)) != PKI_OK)
		goto out;
	if (!pki_cert_matches_key(cert, key))
		r = pki_err(err, PKI_ERR_MISMATCH, "%s/%s: %s does not match "
		    "%s: nothing exported (cluster verify says more)",
		    e->q->dir, e->lf->dir, kname, cname);
	else if ((r = add_file(e, e->pkidir, cname, cb, cl, 0644, 0,
	    err)) == PKI_OK)
		r = add_file(e, e->pkidir, kname, kb, kl, e->key_mode, 1, err);
 out:
	pki_cert_free(cert);
	pki_key_free(key);
	free(cb);
	pki_secret_free(kb, kl);
	return r;
}

/* The key material and the CA's files, in the node's PKI directory. */
static int
add_pki(struct exp *e, struct pki_error *err)
{
	char	name[NAME_MAX + 1];
	int	r;

	if ((r = add_pair(e, err)) != PKI_OK)
		return r;
	if ((r = copy_file(e, "ca.pem", 0, err)) != PKI_OK)
		return r;
	(void)snprintf(name, sizeof(name), "%s-csr.json", e->lf->name);
	if ((r = copy_file(e, name, 1, err)) != PKI_OK)
		return r;
	(void)snprintf(name, sizeof(name), "%s.csr", e->lf->name);
	if ((r = copy_file(e, name, 1, err)) != PKI_OK)
		return r;
	if ((r = copy_file(e, PKI_CLDIR_CRL_PEM, 1, err)) != PKI_OK)
		return r;
	return copy_file(e, PKI_CLDIR_CRL_DER, 1, err);
}

/* systemd's etcd.service for the member: etcd.env, so the CRL holds. */
static char *
unit_text(const struct exp *e)
{
	const struct pki_cluster_member	*m = &e->q->cl->members[e->lf->member];
	char				*t = NULL;

	if (asprintf(&t, "# etcd member \"%s\" of cluster \"%s\": written by "
	    "etcd-pki cluster export\n"
	    "[Unit]\n"
	    "Description=etcd member %s\n"
	    "Documentation=man:etcd-pki-cluster(5)\n"
	    "After=network-online.target\n"
	    "Wants=network-online.target\n\n"
	    "[Service]\n"
	    "Type=notify\n"
	    "User=%s\n"
	    "Group=%s\n"
	    "StateDirectory=etcd\n"
	    "WorkingDirectory=/var/lib/etcd\n"
	    "# Settings from the environment, not --config-file: etcd 3.4 "
	    "reads the\n# CRL only then.\n"
	    "EnvironmentFile=%s/etcd.env\n"
	    "ExecStart=/usr/bin/etcd\n"
	    "Restart=on-failure\n"
	    "RestartSec=5s\n"
	    "LimitNOFILE=65536\n\n"
	    "[Install]\n"
	    "WantedBy=multi-user.target\n", m->name, e->q->cl->name,
	    m->name, e->uname, e->gname, e->confdir) == -1)
		return NULL;
	return t;
}

/* etcd.conf.yml, etcd.env, the etcdctl environment and the unit. */
static int
add_texts(struct exp *e, int crl, struct pki_error *err)
{
	char	*t = NULL;
	int	 r = PKI_OK;

	if (e->lf->member >= 0) {
		if ((r = pki_cluster_etcd_conf(e->q->cl, (size_t)e->lf->member,
		    e->pkidir, &t, err)) != PKI_OK ||
		    (r = add_file(e, e->confdir, "etcd.conf.yml", t,
		    strlen(t), 0644, 0, err)) != PKI_OK)
			goto out;
		free(t);
		t = NULL;
		if ((r = pki_cluster_etcd_env(e->q->cl, (size_t)e->lf->member,
		    e->pkidir, crl, &t, err)) != PKI_OK ||
		    (r = add_file(e, e->confdir, "etcd.env", t, strlen(t),
		    0644, 0, err)) != PKI_OK)
			goto out;
		free(t);
		t = NULL;
	}
	if ((r = pki_cluster_etcdctl_env(e->q->cl, (size_t)(e->lf -
	    e->q->cl->leaves), e->pkidir, &t, err)) != PKI_OK ||
	    (r = add_file(e, e->ctlenv, NULL, t, strlen(t), 0644, 0,
	    err)) != PKI_OK)
		goto out;
	free(t);
	t = NULL;
	if (e->lf->member < 0) {
		/* A client's flags for kube-apiserver, beside its files. */
		if ((r = pki_cluster_kube_flags(e->q->cl, (size_t)(e->lf -
		    e->q->cl->leaves), e->pkidir, &t, err)) != PKI_OK ||
		    (r = add_file(e, e->pkidir, "kube-apiserver.flags", t,
		    strlen(t), 0644, 0, err)) != PKI_OK)
			goto out;
		free(t);
		t = NULL;
	}
	if (e->q->unit && e->lf->member >= 0) {
		if ((t = unit_text(e)) == NULL)
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		else
			r = add_file(e, EXPORT_UNIT, NULL, t, strlen(t), 0644,
			    0, err);
	}
 out:
	free(t);
	return r;
}

/*
 * The key's owner and group by name (what tar unpacks by on the node),
 * with this host's numbers where it knows the names: -owner, else the
 * description's owner (this host's names for its numbers), else root;
 * the group likewise, else the owner's name with a unit.  The key mode:
 * the flag's, the description's, else 0600.
 */
static int
export_owner(struct exp *e, struct pki_error *err)
{
	const struct pki_owner	*d = &e->lf->owner;
	struct passwd		*pw;
	struct group		*gr;
	const char		*u = NULL, *g = NULL;
	char			 spec[66], *colon;

	if (e->q->owner != NULL) {
		if (snprintf(spec, sizeof(spec), "%s", e->q->owner) >=
		    (int)sizeof(spec))
			return pki_err(err, PKI_ERR_ARG, "owner %s: names of "
			    "at most 32 characters", e->q->owner);
		u = spec;
		if ((colon = strchr(spec, ':')) != NULL) {
			*colon++ = '\0';
			g = *colon != '\0' ? colon : NULL;
		}
	}
	if (u != NULL && g == NULL) {
		/* -owner USER alone: USER's login group, as renew has it. */
		if ((pw = getpwnam(u)) != NULL &&
		    (gr = getgrgid(pw->pw_gid)) != NULL)
			g = gr->gr_name;
		else
			g = u;
	}
	if (u == NULL && d->has_user && (pw = getpwuid(d->uid)) != NULL)
		u = pw->pw_name;
	if (g == NULL && d->has_group && (gr = getgrgid(d->gid)) != NULL)
		g = gr->gr_name;
	if (u == NULL && e->q->unit)
		return pki_err(err, PKI_ERR_ARG, "the unit runs etcd as the "
		    "key's owner: give one (-owner etcd:etcd, or owner in the "
		    "description)");
	if (g == NULL && e->q->unit)
		g = u;
	if (snprintf(e->uname, sizeof(e->uname), "%s", u != NULL ? u :
	    "root") >= (int)sizeof(e->uname) || snprintf(e->gname,
	    sizeof(e->gname), "%s", g != NULL ? g : "root") >=
	    (int)sizeof(e->gname))
		return pki_err(err, PKI_ERR_ARG, "owner %s:%s: names of at "
		    "most 32 characters", u, g != NULL ? g : "");
	if ((pw = getpwnam(e->uname)) != NULL)
		e->uid = pw->pw_uid;
	if ((gr = getgrnam(e->gname)) != NULL)
		e->gid = gr->gr_gid;
	e->key_mode = e->q->key_mode != 0 ? e->q->key_mode : d->key_mode != 0 ?
	    d->key_mode : 0600;
	return PKI_OK;
}

/* The leaf named q->name, the node paths and the owner. */
static int
export_setup(struct exp *e, struct pki_error *err)
{
	const struct pki_cluster	*cl = e->q->cl;
	size_t				 i;
	int				 r;

	for (i = 0; i < cl->nleaves && e->lf == NULL; i++)
		if (strcmp(cl->leaves[i].name, e->q->name) == 0)
			e->lf = &cl->leaves[i];
	if (e->lf == NULL)
		return pki_err(err, PKI_ERR_INPUT, "%s: no member or client "
		    "named \"%s\"", cl->source, e->q->name);
	if (e->q->unit && e->lf->member < 0)
		return pki_err(err, PKI_ERR_ARG, "\"%s\" is a client: a unit "
		    "is written for members only", e->q->name);
	e->pkidir = cl->pki_dir != NULL ? cl->pki_dir : EXPORT_PKI_DIR;
	e->confdir = cl->config_dir != NULL ? cl->config_dir :
	    EXPORT_CONFIG_DIR;
	e->ctlenv = cl->etcdctl_env != NULL ? cl->etcdctl_env :
	    EXPORT_ETCDCTL_ENV;
	if ((r = node_path(cl->source, "pki_dir", e->pkidir, err)) != PKI_OK ||
	    (r = node_path(cl->source, "config_dir", e->confdir,
	    err)) != PKI_OK ||
	    (r = node_path(cl->source, "etcdctl_env", e->ctlenv,
	    err)) != PKI_OK)
		return r;
	return export_owner(e, err);
}

int
pki_cluster_export(const struct pki_cluster_export *q,
    struct pki_cluster_exported *out, struct pki_error *err)
{
	struct exp	 e;
	char		 manifest[NAME_MAX + 1];
	int		 dirfd = -1, r, crl;

	memset(out, 0, sizeof(*out));
	memset(&e, 0, sizeof(e));
	e.q = q;
	e.dfd = e.dirfd = -1;
	if ((r = export_setup(&e, err)) != PKI_OK)
		goto out;
	if ((e.dirfd = dirfd = open(q->dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 ||
	    (e.dfd = openat(dirfd, e.lf->dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC | O_NOFOLLOW)) == -1) {
		r = pki_err_sys(err, errno, "%s/%s: cannot open (run cluster "
		    "issue first)", q->dir, dirfd == -1 ? "" : e.lf->dir);
		goto out;
	}
	if ((r = add_pki(&e, err)) != PKI_OK)
		goto out;
	crl = faccessat(e.dfd, PKI_CLDIR_CRL_DER, F_OK, 0) == 0;
	if ((r = add_texts(&e, crl, err)) != PKI_OK)
		goto out;
	(void)snprintf(manifest, sizeof(manifest), "%s-export.sha256",
	    e.lf->name);
	if (e.sums.oom) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	if ((r = add_file(&e, e.pkidir, manifest, e.sums.b, e.sums.len, 0644,
	    0, err)) != PKI_OK || (r = pki_tar_end(&e.tar, err)) != PKI_OK)
		goto out;
	out->member = e.lf->member >= 0;
	out->tar = e.tar.b;
	out->len = e.tar.len;
	e.tar.b = NULL;
	out->paths = e.paths.v;
	out->npaths = e.paths.n;
	e.paths.v = NULL;
	e.paths.n = 0;
 out:
	if (dirfd != -1)
		(void)close(dirfd);
	if (e.dfd != -1)
		(void)close(e.dfd);
	pki_secret_free(e.tar.b, e.tar.cap);
	free(e.sums.b);
	pki_strv_clear(&e.paths);
	if (r != PKI_OK)
		pki_cluster_exported_clear(out);
	return r;
}

void
pki_cluster_exported_clear(struct pki_cluster_exported *x)
{
	size_t	i;

	pki_secret_free(x->tar, x->len);
	for (i = 0; i < x->npaths; i++)
		free(x->paths[i]);
	free(x->paths);
	memset(x, 0, sizeof(*x));
}
