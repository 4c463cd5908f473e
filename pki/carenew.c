/*
 * carenew.c: where "ca renew" writes a renewed CA certificate
 * (pki_ca_renew_write): in place with the previous copy in FILE.bak, or
 * as NAME.pem; for a cluster also DIR/ca.pem when the CA is external,
 * and every member's and client's copy of it: a plain ca.pem in the same
 * pki_file_write_set() set, a generations set as a new generation.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"

/* A leaf directory in the generations layout whose ca.pem is replaced. */
struct gen_dir {
	char		*dir;
	const char	*name;
	int		 lockfd;
	struct pki_set	*set;
	char		 serial_hex[48];	/* of the leaf certificate */
};

struct plan {
	const struct pki_ca_renew	*cr;
	struct pki_file			*files;	/* .bak first */
	struct pki_strv			 paths;	/* owned paths of files[] */
	size_t				 nfiles;
	struct gen_dir			*gens;
	size_t				 ngens;
};

/* Appends a file to p (data NULL: the renewed certificate). */
static int
add_file(struct plan *p, const char *path, const char *data, size_t len,
    mode_t mode)
{
	struct pki_file	*f;

	if (pki_strv_push(&p->paths, path) != PKI_OK ||
	    (f = reallocarray(p->files, p->nfiles + 1, sizeof(*f))) == NULL) {
		pki_note(&p->cr->nt, PKI_NOTE_ERROR, NULL, "out of memory");
		return -1;
	}
	p->files = f;
	f[p->nfiles].path = NULL;	/* set from paths when writing */
	f[p->nfiles].data = data;
	f[p->nfiles].len = len;
	f[p->nfiles].mode = mode;
	p->nfiles++;
	return 0;
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
 * A plain copy of the CA (a regular file) joins the set when it is one.
 * A leaf's copy that is something else is left alone with a warning; an
 * external CA's DIR/ca.pem silently (a file that cannot be read is
 * reported, but does not stop the run).
 */
static int
plan_plain(struct plan *p, const char *path, int external)
{
	struct pki_error	 err;
	struct stat		 st;
	char			*buf = NULL;
	size_t			 len = 0;
	int			 r, ret = 0;

	memset(&err, 0, sizeof(err));
	if (lstat(path, &st) == -1) {
		if (errno == ENOENT || external)
			return 0;	/* not issued, or no copy */
		pki_note(&p->cr->nt, PKI_NOTE_ERROR, NULL, "%s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		if (!external)
			pki_note(&p->cr->nt, PKI_NOTE_WARNING, NULL, "%s: not "
			    "a regular file: left alone", path);
		return 0;
	}
	if ((r = pki_input_read(path, 0, PKI_MAX_INPUT, &buf, &len,
	    &err)) != 0) {
		pki_note_err(&p->cr->nt, NULL, &err, r);
		return external ? 0 : -1;
	}
	if (is_ca_copy(buf, len, path, p->cr->key))
		ret = add_file(p, path, NULL, 0, st.st_mode & 07777);
	else if (!external)
		pki_note(&p->cr->nt, PKI_NOTE_WARNING, NULL, "%s: not a copy "
		    "of %s (a bundle, or another CA): left alone", path,
		    p->cr->capath);
	free(buf);
	return ret;
}

static void
gen_free(struct gen_dir *g)
{
	pki_set_free(g->set);
	if (g->lockfd != -1)
		(void)close(g->lockfd);
	free(g->dir);
}

/*
 * A generations set whose ca.pem is a copy of the CA: locked and opened
 * into g (1), or none (0: no copy, or another file), or -1 after a note.
 */
static int
open_gen(struct plan *p, struct gen_dir *g)
{
	struct pki_error	 err;
	struct pki_cert		*cert = NULL;
	struct pki_cert_facts	 facts;
	char			*buf = NULL;
	size_t			 len = 0;
	int			 r, ret = -1;

	memset(&err, 0, sizeof(err));
	memset(&facts, 0, sizeof(facts));
	if ((r = pki_dir_lock(g->dir, &g->lockfd, &err)) != 0 ||
	    (r = pki_set_open(g->dir, g->name, &g->set, &err)) != 0)
		goto fail;
	if (pki_set_layout(g->set) != PKI_LAYOUT_GENERATIONS) {
		pki_note(&p->cr->nt, PKI_NOTE_ERROR, NULL, "%s: \"current\" is "
		    "a link but the set %s is not in the generations layout",
		    g->dir, g->name);
		return -1;
	}
	r = pki_set_read(g->set, PKI_SET_CA, &buf, &len, &err);
	if (r == PKI_ERR_IO && err.sys_errno == ENOENT)
		return 0;	/* No copy of the CA in this set. */
	if (r != 0)
		goto fail;
	if (!is_ca_copy(buf, len, pki_set_path(g->set, PKI_SET_CA),
	    p->cr->key)) {
		pki_note(&p->cr->nt, PKI_NOTE_WARNING, NULL, "%s: not a copy "
		    "of %s (a bundle, or another CA): left alone",
		    pki_set_path(g->set, PKI_SET_CA), p->cr->capath);
		free(buf);
		return 0;
	}
	free(buf);
	buf = NULL;
	/* The new generation is named after the leaf's serial. */
	if ((r = pki_set_read(g->set, PKI_SET_CERT, &buf, &len, &err)) != 0 ||
	    (r = pki_cert_load(buf, len, pki_set_path(g->set, PKI_SET_CERT),
	    &cert, &err)) != 0 || (r = pki_cert_facts(cert, &facts,
	    &err)) != 0)
		goto fail;
	snprintf(g->serial_hex, sizeof(g->serial_hex), "%s",
	    facts.serial_hex);
	ret = 1;
	goto out;
 fail:
	pki_note_err(&p->cr->nt, NULL, &err, r);
 out:
	pki_cert_facts_clear(&facts);
	pki_cert_free(cert);
	free(buf);
	return ret;
}

/* One leaf directory: its plain ca.pem, or its generations set. */
static int
plan_leaf(struct plan *p, const struct pki_cldir_leaf *l)
{
	struct gen_dir	*g;
	struct stat	 st;
	char		*cur, *ca;
	int		 r, gens;

	if ((cur = pki_path_join(l->dir, "current")) == NULL ||
	    (ca = pki_path_join(l->dir, PKI_CLDIR_BUNDLE)) == NULL) {
		free(cur);
		pki_note(&p->cr->nt, PKI_NOTE_ERROR, NULL, "out of memory");
		return -1;
	}
	gens = lstat(cur, &st) == 0 && S_ISLNK(st.st_mode);
	free(cur);
	if (!gens) {
		r = plan_plain(p, ca, 0);
		free(ca);
		return r;
	}
	free(ca);
	if ((g = reallocarray(p->gens, p->ngens + 1, sizeof(*g))) == NULL) {
		pki_note(&p->cr->nt, PKI_NOTE_ERROR, NULL, "out of memory");
		return -1;
	}
	p->gens = g;
	g = &p->gens[p->ngens++];
	memset(g, 0, sizeof(*g));
	g->lockfd = -1;
	g->name = l->name;
	if ((g->dir = strdup(l->dir)) == NULL) {
		pki_note(&p->cr->nt, PKI_NOTE_ERROR, NULL, "out of memory");
		return -1;
	}
	if ((r = open_gen(p, g)) <= 0) {
		gen_free(g);
		p->ngens--;
	}
	return r < 0 ? -1 : 0;
}

/*
 * Cluster mode: plans the copies of the CA, one per leaf directory, and
 * DIR/ca.pem when the CA is external (a copy of its certificate).
 */
static int
plan_cluster(struct plan *p, struct pki_cldir_leaf *v, size_t n)
{
	const struct pki_ca_renew	*cr = p->cr;
	char				*copy;
	size_t				 i, j;
	int				 r = 0;

	if (pki_cluster_ca_cert_file(cr->cl) != NULL) {
		if ((copy = pki_path_join(cr->dir, PKI_CLDIR_CA)) == NULL) {
			pki_note(&cr->nt, PKI_NOTE_ERROR, NULL,
			    "out of memory");
			return -1;
		}
		r = plan_plain(p, copy, 1);
		free(copy);
	}
	for (i = 0; i < n && r == 0; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(v[j].dir, v[i].dir) == 0)
				break;
		if (j == i)	/* not a directory planned already */
			r = plan_leaf(p, &v[i]);
	}
	return r;
}

/* Writes every plain file as one set, then each generation. */
static int
write_plan(struct plan *p)
{
	const struct pki_ca_renew	*cr = p->cr;
	struct pki_error		 err;
	struct pki_set_update		 u;
	char				*gen = NULL;
	size_t				 i;
	int				 r;

	memset(&err, 0, sizeof(err));
	for (i = 0; i < p->nfiles; i++) {
		p->files[i].path = p->paths.v[i];
		if (p->files[i].data == NULL) {
			p->files[i].data = cr->newpem;
			p->files[i].len = cr->newlen;
		}
	}
	if ((r = pki_file_write_set(p->files, p->nfiles, &err)) != 0) {
		pki_note_err(&cr->nt, NULL, &err, r);
		return -1;
	}
	for (i = 0; i < p->nfiles; i++)
		if (p->files[i].data == cr->newpem)
			pki_note(&cr->nt, PKI_NOTE_OUT, p->files[i].path, "%s",
			    cr->line);
	for (i = 0; i < p->ngens; i++) {
		memset(&u, 0, sizeof(u));
		u.data[PKI_SET_CA] = cr->newpem;
		u.len[PKI_SET_CA] = cr->newlen;
		u.serial_hex = p->gens[i].serial_hex;
		u.now = time(NULL);
		if ((r = pki_set_stage(p->gens[i].set, &u, &gen, &err)) != 0) {
			pki_note_err(&cr->nt, NULL, &err, r);
			return -1;
		}
		if ((r = pki_set_activate(p->gens[i].set, gen, 0, &err)) != 0) {
			pki_note_err(&cr->nt, NULL, &err, r);
			if (pki_set_discard(p->gens[i].set, gen, &err) != 0)
				pki_note_err(&cr->nt, NULL, &err, PKI_ERR_IO);
			free(gen);
			return -1;
		}
		free(gen);
		gen = NULL;
		pki_note(&cr->nt, PKI_NOTE_OUT, pki_set_path(p->gens[i].set,
		    PKI_SET_CA), "%s", cr->line);
	}
	return 0;
}

/* In place: FILE.bak, FILE and, for a cluster, every copy of the CA. */
static int
plan_inplace(struct plan *p, int *dirfd)
{
	const struct pki_ca_renew	*cr = p->cr;
	struct pki_cldir_leaf		*v = NULL;
	struct pki_error		 err;
	char				*bak = NULL;
	size_t				 n = 0;
	int				 r, ret = -1;

	memset(&err, 0, sizeof(err));
	if (cr->cl != NULL && ((r = pki_dir_lock(cr->dir, dirfd, &err)) != 0 ||
	    (r = pki_cldir_leaves(cr->cl, cr->dir, NULL, &v, &n, &err)) != 0)) {
		pki_note_err(&cr->nt, NULL, &err, r);
		return -1;
	}
	if (asprintf(&bak, "%s.bak", cr->capath) == -1) {
		bak = NULL;
		pki_note(&cr->nt, PKI_NOTE_ERROR, NULL, "out of memory");
		goto out;
	}
	if (add_file(p, bak, cr->oldpem, cr->oldlen, cr->mode) != 0 ||
	    add_file(p, cr->capath, NULL, 0, cr->mode) != 0)
		goto out;
	if (cr->cl != NULL && plan_cluster(p, v, n) != 0)
		goto out;
	ret = 0;
 out:
	free(bak);
	pki_cldir_leaves_free(v, n);
	return ret;
}

int
pki_ca_renew_write(const struct pki_ca_renew *cr)
{
	struct plan	 p;
	char		*out = NULL;
	size_t		 i;
	int		 dirfd = -1, ret = -1;

	memset(&p, 0, sizeof(p));
	p.cr = cr;
	if (cr->out != NULL) {
		if (asprintf(&out, "%s.pem", cr->out) == -1) {
			out = NULL;
			pki_note(&cr->nt, PKI_NOTE_ERROR, NULL,
			    "out of memory");
			goto done;
		}
		if (add_file(&p, out, NULL, 0, 0644) != 0)
			goto done;
	} else if (plan_inplace(&p, &dirfd) != 0)
		goto done;
	if (cr->out == NULL && cr->cl != NULL && pki_engine_record(cr->dir,
	    PKI_INV_CA, "ca", "", cr->newpem, cr->newlen, "ca renew", 0,
	    &cr->nt) != 0)
		goto done;
	ret = write_plan(&p);
 done:
	for (i = 0; i < p.ngens; i++)
		gen_free(&p.gens[i]);
	free(p.gens);
	pki_strv_clear(&p.paths);
	free(p.files);
	free(out);
	if (dirfd != -1)
		(void)close(dirfd);
	return ret == 0 ? PKI_OK : PKI_ERR_IO;
}
