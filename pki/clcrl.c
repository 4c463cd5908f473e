/*
 * clcrl.c: a cluster directory's inventory, revocations and CRL: the CRL
 * DIR needs (kept, or signed anew from the inventory), its copies beside
 * every member's trust bundle, and "revoke -cluster".
 *
 * Revocation fails safe: the inventory records a revocation before any
 * CRL is written, so a failed write leaves a CRL that lists less than the
 * inventory, which the next run (revoke, renew, cluster issue) sees and
 * fixes; never a CRL that lists more than was recorded.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>

#include "internal.h"
#include "cluster.h"
#include "clpriv.h"
#include "engine.h"

int
pki_cluster_inventory(const char *dir, int flags, struct pki_inventory **out,
    struct pki_error *err)
{
	char	*path;
	int	 r;

	*out = NULL;
	if ((path = pki_path_join(dir, PKI_CLDIR_INVENTORY)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	r = pki_inventory_open(path, flags, out, err);
	free(path);
	return r;
}

void
pki_cluster_crl_clear(struct pki_cluster_crl *c)
{
	free(c->der);
	free(c->pem);
	pki_crl_info_clear(&c->info);
	memset(c, 0, sizeof(*c));
}

/* ---- the CRL DIR needs -------------------------------------------------- */

/*
 * Does crl list exactly the entries v (serial and reason; order and
 * dates aside)?
 */
static int
lists_exactly(const struct pki_crl *crl, size_t nentries,
    const struct pki_crl_entry *v, size_t n)
{
	struct pki_crl_entry	e;
	size_t			i, k;
	int			want;

	if (nentries != n)
		return 0;
	for (i = 0; i < nentries; i++) {
		if (pki_crl_entry(crl, i, &e, NULL) != PKI_OK)
			return 0;
		for (k = 0; k < n && strcmp(v[k].serial, e.serial) != 0; k++)
			;
		if (k == n)
			return 0;
		want = v[k].reason > PKI_REASON_UNSPECIFIED ? v[k].reason :
		    PKI_REASON_NONE;
		if (e.reason != want)
			return 0;
	}
	return 1;
}

/*
 * Examines DIR/crl.der: fills c with it and returns 0 when it can stay,
 * else 1 with c->why set (c left empty).
 */
static int
examine_crl(const char *dir, const struct pki_cert *ca, int64_t now,
    const struct pki_renew_policy *policy, const struct pki_crl_entry *v,
    size_t n, struct pki_cluster_crl *c)
{
	struct pki_renew_policy	 def;
	struct pki_crl		*crl = NULL;
	struct pki_error	 e;
	char			*path = NULL, *buf = NULL;
	size_t			 len = 0;
	int64_t			 at = 0;
	int			 stay = 1;

	memset(&e, 0, sizeof(e));
	if ((path = pki_path_join(dir, PKI_CLDIR_CRL_DER)) == NULL ||
	    pki_input_read(path, 0, PKI_MAX_INPUT, &buf, &len, &e) != PKI_OK) {
		snprintf(c->why, sizeof(c->why), "%.400s",
		    e.sys_errno == ENOENT ? "missing" : e.text);
		stay = 0;
		goto out;
	}
	if (pki_crl_load(buf, len, PKI_CLDIR_CRL_DER, &crl, &e) != PKI_OK ||
	    pki_crl_info(crl, &c->info, &e) != PKI_OK) {
		snprintf(c->why, sizeof(c->why), "unreadable: %.400s", e.text);
		stay = 0;
	} else if (pki_crl_verify(crl, ca, &e) != PKI_OK) {
		snprintf(c->why, sizeof(c->why), "not signed by the CA "
		    "(%.400s)", e.text);
		stay = 0;
	} else if (!lists_exactly(crl, c->info.nentries, v, n)) {
		if (n == c->info.nentries)
			snprintf(c->why, sizeof(c->why), "the revocations the "
			    "inventory records changed");
		else
			snprintf(c->why, sizeof(c->why), "the inventory "
			    "records %zu revoked certificate%s, the CRL lists "
			    "%zu", n, n == 1 ? "" : "s", c->info.nentries);
		stay = 0;
	} else if (c->info.next_update <= now) {
		snprintf(c->why, sizeof(c->why), "its next update has passed");
		stay = 0;
	} else if (policy != NULL) {
		if (pki_renew_at(c->info.this_update, c->info.next_update,
		    "crl", policy, &at, NULL) != PKI_OK) {
			pki_renew_policy_default(&def);
			if (pki_renew_at(c->info.this_update,
			    c->info.next_update, "crl", &def, &at, NULL) !=
			    PKI_OK)
				at = c->info.next_update;
		}
		if (at <= now) {
			snprintf(c->why, sizeof(c->why), "due");
			stay = 0;
		}
	}
	if (stay) {
		c->der = buf;
		c->derlen = len;
		buf = NULL;
		if (pki_crl_encode(crl, PKI_CRL_PEM, &c->pem, &c->pemlen,
		    &e) != PKI_OK) {
			snprintf(c->why, sizeof(c->why), "%.400s", e.text);
			stay = 0;
		}
	}
 out:
	if (!stay) {
		free(c->der);
		free(c->pem);
		c->der = c->pem = NULL;
		pki_crl_info_clear(&c->info);
	}
	pki_crl_free(crl);
	free(buf);
	free(path);
	return stay ? 0 : 1;
}

int
pki_cluster_crl_make(struct pki_inventory *inv, const struct pki_cluster *cl,
    const char *dir, const struct pki_cert *ca, const struct pki_key *cakey,
    int64_t now, const struct pki_renew_policy *policy, int force,
    struct pki_cluster_crl *out, struct pki_error *err)
{
	struct pki_crl_request	 q;
	struct pki_crl_entry	*v = NULL;
	struct pki_crl		*crl = NULL;
	char			 number[32];
	size_t			 n = 0;
	int			 r;

	memset(out, 0, sizeof(*out));
	memset(&q, 0, sizeof(q));
	if ((r = pki_inventory_revoked(inv, now, &v, &n, err)) != PKI_OK)
		return r;
	if (examine_crl(dir, ca, now, policy, v, n, out) == 0) {
		if (!force)
			goto done;
		pki_cluster_crl_clear(out);
		snprintf(out->why, sizeof(out->why), "forced");
	}
	if ((r = pki_inventory_crl_number(inv, number, sizeof(number),
	    err)) != PKI_OK)
		goto fail;
	q.ca = ca;
	q.cakey = cakey;
	q.entries = v;
	q.nentries = n;
	q.this_update = now;
	q.next_update = now + pki_cluster_crl_expiry(cl) / PKI_NS_PER_SEC;
	q.number = number;
	if ((r = pki_crl_new(&q, &crl, err)) != PKI_OK ||
	    (r = pki_crl_encode(crl, PKI_CRL_DER, &out->der, &out->derlen,
	    err)) != PKI_OK ||
	    (r = pki_crl_encode(crl, PKI_CRL_PEM, &out->pem, &out->pemlen,
	    err)) != PKI_OK ||
	    (r = pki_crl_info(crl, &out->info, err)) != PKI_OK ||
	    (r = pki_inventory_crl_add(inv, &out->info, out->der, out->derlen,
	    err)) != PKI_OK)
		goto fail;
	out->changed = 1;
 done:
	pki_crl_free(crl);
	free(v);
	return PKI_OK;
 fail:
	pki_crl_free(crl);
	free(v);
	pki_cluster_crl_clear(out);
	return r;
}

/* ---- its files ----------------------------------------------------------- */

/* Adds dir/name with data to the set unless the file holds it already. */
static int
add_if_differs(struct pki_file *f, char **paths, size_t *n, const char *dir,
    const char *name, const char *data, size_t len, struct pki_error *err)
{
	char	*path = NULL, *buf = NULL;
	size_t	 blen = 0;

	if ((path = pki_path_join(dir, name)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	if (pki_input_read(path, 0, PKI_MAX_INPUT, &buf, &blen, NULL) ==
	    PKI_OK && blen == len && memcmp(buf, data, len) == 0) {
		free(buf);
		free(path);
		return PKI_OK;
	}
	free(buf);
	paths[*n] = path;
	f[*n].path = path;
	f[*n].data = data;
	f[*n].len = len;
	f[*n].mode = 0644;
	(*n)++;
	return PKI_OK;
}

void
pki_cl_files_free(struct pki_file *f, char **paths, size_t n)
{
	size_t	i;

	for (i = 0; paths != NULL && i < n; i++)
		free(paths[i]);
	free(paths);
	free(f);
}

int
pki_cl_crl_files(const struct pki_cluster *cl, const char *dir,
    const struct pki_cluster_crl *c, const char *dbconf, const char *dbtmp,
    struct pki_file **fp, char ***pathsp, size_t *np, struct pki_error *err)
{
	struct pki_cldir_leaf	*lv = NULL;
	struct pki_file		*f = NULL;
	char			**paths = NULL;
	size_t			 i, nl = 0, n = 0;
	int			 r;

	*fp = NULL;
	*pathsp = NULL;
	*np = 0;
	if ((r = pki_cldir_leaves(cl, dir, NULL, &lv, &nl, err)) != PKI_OK)
		return r;
	if ((f = calloc(2 * nl + 4, sizeof(*f))) == NULL ||
	    (paths = calloc(2 * nl + 4, sizeof(*paths))) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	if ((r = add_if_differs(f, paths, &n, dir, PKI_CLDIR_CRL_DER, c->der,
	    c->derlen, err)) != PKI_OK || (r = add_if_differs(f, paths, &n,
	    dir, PKI_CLDIR_CRL_PEM, c->pem, c->pemlen, err)) != PKI_OK ||
	    (dbconf != NULL && (r = add_if_differs(f, paths, &n, dir,
	    PKI_CLDIR_DBCONFIG, dbconf, strlen(dbconf), err)) != PKI_OK))
		goto out;
	if (dbtmp != NULL) {
		if ((paths[n] = pki_path_join(dir, PKI_CLDIR_INVENTORY)) ==
		    NULL) {
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
			goto out;
		}
		f[n] = (struct pki_file){ paths[n], dbtmp, PKI_FILE_PREPARED,
		    0644 };
		n++;
	}
	/* Copies beside the members' bundles (a new directory: none yet). */
	for (i = 0; cl->fragments && i < nl; i++) {
		if (!lv[i].member || access(lv[i].dir, F_OK) != 0)
			continue;
		if ((r = add_if_differs(f, paths, &n, lv[i].dir,
		    PKI_CLDIR_CRL_DER, c->der, c->derlen, err)) != PKI_OK ||
		    (r = add_if_differs(f, paths, &n, lv[i].dir,
		    PKI_CLDIR_CRL_PEM, c->pem, c->pemlen, err)) != PKI_OK)
			goto out;
	}
	*fp = f;
	*pathsp = paths;
	*np = n;
	f = NULL;
	paths = NULL;
	n = 0;
	r = PKI_OK;
 out:
	pki_cl_files_free(f, paths, n);
	pki_cldir_leaves_free(lv, nl);
	return r;
}

/* "CRL 3, 2 revoked, next update 2027-01-06T00:00:00Z" into buf. */
static void
crl_line(const struct pki_crl_info *info, char *buf, size_t size)
{
	char	t[32];

	pki_time_format(info->next_update, t, sizeof(t));
	snprintf(buf, size, "CRL %s, %zu revoked, next update %s",
	    info->number[0] != '\0' ? info->number : "(no number)",
	    info->nentries, t);
}

/* Commits the inventory transaction arg, the hook of a file set. */
static int
inv_commit(void *arg, struct pki_error *err)
{
	return pki_inventory_commit(arg, err);
}

/* DIR's signing CA with its key (*out: pki_ca_free). */
static int
load_ca(const struct pki_cluster *cl, const char *dir,
    const struct pki_crl_opts *o, struct pki_ca **out, struct pki_error *err)
{
	char	*cert = NULL, *key = NULL;
	int	 r;

	if ((r = pki_cldir_ca_path(cl, dir, PKI_CA_CUR, 0, &cert,
	    err)) == PKI_OK && (r = pki_cldir_ca_path(cl, dir, PKI_CA_CUR, 1,
	    &key, err)) == PKI_OK)
		r = pki_ca_load(cert, key, PKI_CA_MUST_BE_CA,
		    o->ca_key_password, &o->nt, out, err);
	free(cert);
	free(key);
	return r;
}

int
pki_cluster_crl_publish(const struct pki_cluster *cl, const char *dir,
    const struct pki_cert *ca, const struct pki_key *cakey,
    const struct pki_crl_opts *o)
{
	struct pki_cluster_crl	 c;
	struct pki_inventory	*inv = NULL;
	struct pki_ca		*own = NULL;
	struct pki_error	 err;
	struct pki_file		*f = NULL;
	char			**paths = NULL, *path = NULL, line[160];
	int64_t			 now = o->now != 0 ? o->now : time(NULL);
	size_t			 written = 0;
	int			 r, ret = PKI_RUN_FAILED;

	memset(&c, 0, sizeof(c));
	memset(&err, 0, sizeof(err));
	if ((path = pki_path_join(dir, PKI_CLDIR_CRL_DER)) == NULL) {
		pki_note(&o->nt, PKI_NOTE_ERROR, NULL, "out of memory");
		return PKI_RUN_FAILED;
	}
	if (!o->create && access(path, F_OK) != 0 && errno == ENOENT) {
		free(path);
		return PKI_RUN_OK;
	}
	if (ca == NULL) {
		if ((r = load_ca(cl, dir, o, &own, &err)) != PKI_OK)
			goto fail;
		ca = own->cert;
		cakey = own->key;
	}
	if ((r = pki_cluster_inventory(dir, PKI_INV_CREATE | (o->no_sync ?
	    PKI_INV_NO_SYNC : 0), &inv, &err)) != PKI_OK ||
	    (r = pki_inventory_begin(inv, &err)) != PKI_OK ||
	    (r = pki_cluster_crl_make(inv, cl, dir, ca, cakey, now, o->policy,
	    o->force, &c, &err)) != PKI_OK)
		goto fail;
	crl_line(&c.info, line, sizeof(line));
	if (o->dry_run) {
		pki_inventory_rollback(inv);
		if (c.changed)
			pki_note(&o->nt, PKI_NOTE_OUT, PKI_CLDIR_CRL_DER,
			    "would be signed anew (%s) (dry run: nothing "
			    "changed)", c.why);
		ret = c.changed ? PKI_RUN_CHANGED : PKI_RUN_OK;
		goto out;
	}
	/* The CRL is recorded if and only if its files are written. */
	if ((r = pki_cl_crl_files(cl, dir, &c, NULL, NULL, &f, &paths,
	    &written, &err)) != PKI_OK ||
	    (r = pki_file_write_set_hook(f, written, inv_commit, inv,
	    &err)) != PKI_OK)
		goto fail;
	if (c.changed)
		pki_note(&o->nt, PKI_NOTE_OUT, PKI_CLDIR_CRL_DER, "signed "
		    "(%s): %s", c.why, line);
	else if (written > 0)
		pki_note(&o->nt, PKI_NOTE_OUT, PKI_CLDIR_CRL_DER, "%zu cop%s "
		    "brought up to date: %s", written, written == 1 ? "y" :
		    "ies", line);
	else
		pki_note(&o->nt, PKI_NOTE_INFO, PKI_CLDIR_CRL_DER, "up to "
		    "date: %s", line);
	ret = c.changed || written > 0 ? PKI_RUN_CHANGED : PKI_RUN_OK;
	goto out;
 fail:
	pki_inventory_rollback(inv);
	pki_note_err(&o->nt, NULL, &err, r);
 out:
	pki_cl_files_free(f, paths, written);
	pki_cluster_crl_clear(&c);
	pki_inventory_close(inv);
	pki_ca_free(own);
	free(path);
	return ret;
}

/* ---- what status reads ------------------------------------------------ */

void
pki_cluster_crl_state_clear(struct pki_cluster_crl_state *st)
{
	free(st->path);
	free(st->error);
	pki_crl_info_clear(&st->info);
	memset(st, 0, sizeof(*st));
}

/* Reads DIR/crl.der into st (state, info, verified, listed). */
static int
crl_state_read(const struct pki_cluster *cl, const char *dir,
    const struct pki_crl_entry *v, size_t n,
    struct pki_cluster_crl_state *st)
{
	struct pki_crl		*crl = NULL;
	struct pki_cert		*ca = NULL;
	struct pki_error	 e;
	char			*buf = NULL, *capath = NULL;
	size_t			 len = 0;
	int			 r = PKI_OK;

	memset(&e, 0, sizeof(e));
	if (pki_input_read(st->path, 0, PKI_MAX_INPUT, &buf, &len, &e) !=
	    PKI_OK) {
		st->state = e.sys_errno == ENOENT ? PKI_ROW_MISSING :
		    PKI_ROW_UNREADABLE;
		if ((st->error = strdup(e.text)) == NULL)
			r = PKI_ERR_ALLOC;
		goto out;
	}
	if (pki_crl_load(buf, len, st->path, &crl, &e) != PKI_OK ||
	    pki_crl_info(crl, &st->info, &e) != PKI_OK) {
		st->state = PKI_ROW_UNREADABLE;
		if ((st->error = strdup(e.text)) == NULL)
			r = PKI_ERR_ALLOC;
		goto out;
	}
	st->state = PKI_ROW_OK;
	st->listed = lists_exactly(crl, st->info.nentries, v, n);
	free(buf);
	buf = NULL;
	if (pki_cldir_ca_path(cl, dir, PKI_CA_CUR, 0, &capath, NULL) ==
	    PKI_OK && pki_input_read(capath, 0, PKI_MAX_INPUT, &buf, &len,
	    NULL) == PKI_OK && pki_cert_load(buf, len, capath, &ca, NULL) ==
	    PKI_OK)
		st->verified = pki_crl_verify(crl, ca, NULL) == PKI_OK;
 out:
	pki_cert_free(ca);
	pki_crl_free(crl);
	free(capath);
	free(buf);
	return r;
}

int
pki_cluster_crl_state(const struct pki_cluster *cl, const char *dir,
    int64_t now, struct pki_cluster_crl_state *st, struct pki_error *err)
{
	struct pki_crl_entry	*v = NULL;
	struct pki_error	 e;
	char			*inv = NULL;
	size_t			 n = 0;
	int			 r;

	memset(st, 0, sizeof(*st));
	if ((st->path = pki_path_join(dir, PKI_CLDIR_CRL_DER)) == NULL ||
	    (inv = pki_path_join(dir, PKI_CLDIR_INVENTORY)) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	st->present = access(inv, F_OK) == 0 || access(st->path, F_OK) == 0;
	if (!st->present) {
		r = PKI_OK;
		goto out;
	}
	memset(&e, 0, sizeof(e));
	if ((r = pki_cl_revoked(dir, now, &v, &n, &e)) == PKI_OK) {
		st->inventory_read = 1;
		st->recorded = n;
		r = crl_state_read(cl, dir, v, n, st);
	} else if (r != PKI_ERR_ALLOC) {
		/* An inventory it cannot read (or no SQLite): unreadable. */
		st->state = PKI_ROW_UNREADABLE;
		r = (st->error = strdup(e.text)) == NULL ? PKI_ERR_ALLOC :
		    PKI_OK;
	}
	if (r != PKI_OK)
		r = pki_err(err, r, "out of memory");
 out:
	free(v);
	free(inv);
	if (r != PKI_OK)
		pki_cluster_crl_state_clear(st);
	return r;
}

/* ---- recording what is on disk ------------------------------------------- */

int
pki_cluster_record_found(struct pki_inventory *inv,
    const struct pki_cluster *cl, const char *dir, int64_t now,
    const char *origin, size_t *added, struct pki_error *err)
{
	struct pki_cldir_leaf	*lv = NULL;
	struct pki_inv_add	*a = NULL;
	char			**bufs = NULL, *path = NULL;
	size_t			 i, nl = 0, na = 0, len;
	int			 r;

	if (added != NULL)
		*added = 0;
	if ((r = pki_cldir_leaves(cl, dir, NULL, &lv, &nl, err)) != PKI_OK)
		return r;
	if ((a = calloc(nl + 1, sizeof(*a))) == NULL ||
	    (bufs = calloc(nl + 1, sizeof(*bufs))) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	/* The CA, then every leaf whose certificate can be read. */
	if ((r = pki_cldir_ca_path(cl, dir, PKI_CA_CUR, 0, &path, err)) !=
	    PKI_OK)
		goto out;
	if (pki_input_read(path, 0, PKI_MAX_INPUT, &bufs[na], &len, NULL) ==
	    PKI_OK) {
		a[na] = (struct pki_inv_add){ bufs[na], len, PKI_INV_CA, "ca",
		    "", origin };
		na++;
	}
	for (i = 0; i < nl; i++) {
		free(path);
		if (asprintf(&path, "%s/%s.pem", lv[i].dir, lv[i].name) == -1) {
			path = NULL;
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
			goto out;
		}
		if (pki_input_read(path, 0, PKI_MAX_INPUT, &bufs[na], &len,
		    NULL) != PKI_OK)
			continue;
		a[na] = (struct pki_inv_add){ bufs[na], len, lv[i].member ?
		    PKI_INV_MEMBER : PKI_INV_CLIENT, lv[i].name, lv[i].label,
		    origin };
		na++;
	}
	r = pki_inventory_add(inv, a, na, now, added, err);
 out:
	for (i = 0; bufs != NULL && i < na; i++)
		free(bufs[i]);
	free(bufs);
	free(a);
	free(path);
	pki_cldir_leaves_free(lv, nl);
	return r;
}

/* ---- cluster issue's part ------------------------------------------------ */

/* Creates the empty temporary file of a new inventory in dir. */
static int
inv_tmp_create(const char *dir, struct pki_cl_record *rec,
    struct pki_error *err)
{
	char	name[NAME_MAX + 1];
	int	dfd, r;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return pki_err_sys(err, errno, "%s: cannot open", dir);
	if ((r = pki_file_tmp_create(dfd, PKI_CLDIR_INVENTORY, name,
	    sizeof(name), err)) != PKI_OK)
		pki_err_prefix(err, dir);
	else if ((rec->tmppath = pki_path_join(dir, name)) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		(void)unlinkat(dfd, name, 0);
	}
	(void)close(dfd);
	if (r == PKI_OK)
		rec->tmpname = strrchr(rec->tmppath, '/') + 1;
	return r;
}

int
pki_cl_record_begin(const char *dir, struct pki_cl_record *rec,
    struct pki_error *err)
{
	char	*path = NULL;
	int	 r;

	memset(rec, 0, sizeof(*rec));
	if ((path = pki_path_join(dir, PKI_CLDIR_INVENTORY)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	if (access(path, F_OK) == 0 || errno != ENOENT) {
		r = pki_inventory_open(path, 0, &rec->inv, err);
	} else {
		rec->fresh = 1;
		if ((r = inv_tmp_create(dir, rec, err)) == PKI_OK)
			r = pki_inventory_open(rec->tmppath, PKI_INV_CREATE |
			    PKI_INV_SCRATCH, &rec->inv, err);
		/* The error's source is the inventory (its text may name
		 * the temporary file). */
		if (r != PKI_OK)
			pki_err_source(err, path);
	}
	/* One transaction: the new file's rows are written at the end. */
	if (r == PKI_OK)
		r = pki_inventory_begin(rec->inv, err);
	free(path);
	if (r != PKI_OK)
		pki_cl_record_clear(rec);
	return r;
}

int
pki_cl_record_add(struct pki_cl_record *rec, const struct pki_inv_add *v,
    size_t n, int64_t now, struct pki_error *err)
{
	size_t	added = 0;
	int	r;

	if ((r = pki_inventory_add(rec->inv, v, n, now, &added, err)) ==
	    PKI_OK)
		rec->recorded += added;
	return r;
}

int
pki_cl_record_end(struct pki_cl_record *rec, const struct pki_cluster *cl,
    const char *dir, const struct pki_cert *ca, const struct pki_key *cakey,
    int64_t now, struct pki_error *err)
{
	size_t	found = 0;
	int	r;

	if ((r = pki_cluster_record_found(rec->inv, cl, dir, now,
	    "found by cluster issue", &found, err)) != PKI_OK ||
	    (r = pki_cluster_crl_make(rec->inv, cl, dir, ca, cakey, now, NULL,
	    0, &rec->crl, err)) != PKI_OK)
		return r;
	rec->recorded += found;
	if (!rec->fresh)
		return PKI_OK;
	/* A new inventory: complete in its file, put in place with the
	 * other files (pki_cl_crl_files). */
	return pki_inventory_commit(rec->inv, err);
}

int
pki_cl_record_commit(void *arg, struct pki_error *err)
{
	struct pki_cl_record	*rec = arg;

	if (rec->inv == NULL || rec->fresh)
		return PKI_OK;
	return pki_inventory_commit(rec->inv, err);
}

void
pki_cl_record_clear(struct pki_cl_record *rec)
{
	pki_inventory_rollback(rec->inv);
	pki_inventory_close(rec->inv);
	/* Gone when the commit renamed it; else not to be left behind. */
	if (rec->tmppath != NULL)
		(void)unlink(rec->tmppath);
	free(rec->tmppath);
	pki_cluster_crl_clear(&rec->crl);
	memset(rec, 0, sizeof(*rec));
}

/* ---- recording what the engine issues ------------------------------------ */

int
pki_engine_record(const char *dir, int kind, const char *name,
    const char *leaf, const char *pem, size_t len, const char *origin,
    int no_sync, const struct pki_notify *nt)
{
	struct pki_inv_add	a;
	struct pki_error	err;
	int			r;

	memset(&err, 0, sizeof(err));
	a = (struct pki_inv_add){ pem, len, kind, name, leaf != NULL ? leaf :
	    "", origin };
	if ((r = pki_inventory_record(dir, &a, 1, time(NULL), no_sync, NULL,
	    &err)) != PKI_OK) {
		pki_note_err(nt, leaf, &err, r);
		pki_note(nt, PKI_NOTE_ERROR, leaf, "not recorded in the "
		    "inventory: not put in place");
		return -1;
	}
	return 0;
}

/* ---- what cluster issue and cluster verify check ------------------------- */

int
pki_cl_revoked(const char *dir, int64_t now, struct pki_crl_entry **v,
    size_t *n, struct pki_error *err)
{
	struct pki_inventory	*inv = NULL;
	char			*path;
	int			 r;

	*v = NULL;
	*n = 0;
	if ((path = pki_path_join(dir, PKI_CLDIR_INVENTORY)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	if (access(path, F_OK) != 0 && errno == ENOENT) {
		free(path);
		return PKI_OK;
	}
	if ((r = pki_inventory_open(path, 0, &inv, err)) == PKI_OK)
		r = pki_inventory_revoked(inv, now, v, n, err);
	pki_inventory_close(inv);
	free(path);
	return r;
}

const struct pki_crl_entry *
pki_cl_revoked_find(const struct pki_crl_entry *v, size_t n,
    const char *serial)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].serial, serial) == 0)
			return &v[i];
	return NULL;
}

/* Reports a defect of the CRL (printf-style). */
static void
crl_problem(void (*problem)(void *, const char *), void *arg, size_t *count,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
crl_problem(void (*problem)(void *, const char *), void *arg, size_t *count,
    const char *fmt, ...)
{
	char	text[512];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	pki_text_oneline(text, sizeof(text));
	(*count)++;
	if (problem != NULL)
		problem(arg, text);
}

/* Does dir/name hold exactly data? */
static int
holds(const char *dir, const char *name, const char *data, size_t len)
{
	char	*path, *buf = NULL;
	size_t	 blen = 0;
	int	 same;

	if ((path = pki_path_join(dir, name)) == NULL)
		return 0;
	same = pki_input_read(path, 0, PKI_MAX_INPUT, &buf, &blen, NULL) ==
	    PKI_OK && blen == len && memcmp(buf, data, len) == 0;
	free(buf);
	free(path);
	return same;
}

size_t
pki_cl_crl_verify(const struct pki_cluster *cl, const char *dir,
    const struct pki_cert *ca, int64_t now, const struct pki_crl_entry *v,
    size_t n, void (*problem)(void *, const char *), void *arg)
{
	struct pki_cluster_crl	 c;
	struct pki_cldir_leaf	*lv = NULL;
	size_t			 i, nl = 0, count = 0;

	memset(&c, 0, sizeof(c));
	if (examine_crl(dir, ca, now, NULL, v, n, &c) != 0) {
		crl_problem(problem, arg, &count, "%s: %s (run cluster issue "
		    "or renew to sign it anew)", PKI_CLDIR_CRL_DER, c.why);
		return count;
	}
	if (!holds(dir, PKI_CLDIR_CRL_PEM, c.pem, c.pemlen))
		crl_problem(problem, arg, &count, "%s: not the CRL of %s",
		    PKI_CLDIR_CRL_PEM, PKI_CLDIR_CRL_DER);
	if (cl->fragments &&
	    pki_cldir_leaves(cl, dir, NULL, &lv, &nl, NULL) == PKI_OK)
		for (i = 0; i < nl; i++) {
			if (!lv[i].member || access(lv[i].dir, F_OK) != 0)
				continue;
			if (!holds(lv[i].dir, PKI_CLDIR_CRL_DER, c.der,
			    c.derlen) || !holds(lv[i].dir, PKI_CLDIR_CRL_PEM,
			    c.pem, c.pemlen))
				crl_problem(problem, arg, &count, "%s/%s: "
				    "differs from %s (run cluster issue to "
				    "copy it)", lv[i].label, PKI_CLDIR_CRL_DER,
				    PKI_CLDIR_CRL_DER);
		}
	pki_cldir_leaves_free(lv, nl);
	pki_cluster_crl_clear(&c);
	return count;
}

/* ---- revoke -cluster ----------------------------------------------------- */

/*
 * what as a decimal serial into dec: decimal digits, or hex as "0x..." or
 * with colons ("4c:a9:f8").  0, or -1 when it is not a serial.
 */
static int
serial_decimal(const char *what, char *dec, size_t size)
{
	BIGNUM	*bn = NULL;
	char	 hex[160], *d = NULL;
	size_t	 i, l = 0;
	int	 ret = -1;

	if (*what != '\0' && strspn(what, "0123456789") == strlen(what)) {
		snprintf(dec, size, "%s", what);
		return strlen(what) < size ? 0 : -1;
	}
	if (strncmp(what, "0x", 2) == 0 || strncmp(what, "0X", 2) == 0)
		what += 2;
	else if (strchr(what, ':') == NULL)
		return -1;
	for (i = 0; what[i] != '\0' && l + 1 < sizeof(hex); i++) {
		if (what[i] == ':')
			continue;
		if (!isxdigit((unsigned char)what[i]))
			return -1;
		hex[l++] = what[i];
	}
	hex[l] = '\0';
	if (l == 0 || what[i] != '\0' || BN_hex2bn(&bn, hex) == 0 ||
	    (d = BN_bn2dec(bn)) == NULL || strlen(d) >= size)
		goto out;
	snprintf(dec, size, "%s", d);
	ret = 0;
 out:
	OPENSSL_free(d);
	BN_free(bn);
	return ret;
}

/* Is NAME a member or client of cl? */
static int
in_description(const struct pki_cluster *cl, const char *name)
{
	struct pki_cluster_leaf_info	li;
	size_t				i;

	for (i = 0; i < pki_cluster_nleaves(cl); i++) {
		pki_cluster_leaf(cl, i, &li);
		if (strcmp(li.name, name) == 0)
			return 1;
	}
	return 0;
}

/*
 * Revokes the certificates v (what names them) in inv; *changed is set
 * when any was not revoked before.  0, or -1 after a note.
 */
static int
revoke_list(struct pki_inventory *inv, const struct pki_cluster *cl,
    const char *dir, struct pki_inv_cert *v, size_t n, int reason,
    int64_t now, const struct pki_crl_opts *o, int *changed)
{
	struct pki_error	 err;
	char			 t[32];
	size_t			 i, k;
	int			 r;

	memset(&err, 0, sizeof(err));
	for (i = 0; i < n; i++) {
		const char *label = v[i].leaf[0] != '\0' ? v[i].leaf :
		    v[i].name[0] != '\0' ? v[i].name : NULL;

		if (v[i].kind == PKI_INV_CA) {
			pki_note(&o->nt, PKI_NOTE_ERROR, label, "serial %s is "
			    "the CA's own certificate: replace the CA with "
			    "etcd-pki ca rotate instead", v[i].serial);
			return -1;
		}
		if (v[i].not_after <= now) {
			pki_note(&o->nt, PKI_NOTE_OUT, label, "serial %s "
			    "expired already: not listed", v[i].serial);
			continue;
		}
		if (v[i].revoked && (reason == PKI_REASON_NONE ||
		    v[i].reason == reason)) {
			pki_time_format(v[i].revoked_at, t, sizeof(t));
			pki_note(&o->nt, PKI_NOTE_OUT, label, "serial %s was "
			    "revoked already (%s, %s)", v[i].serial, t,
			    pki_crl_reason_name(v[i].reason));
			continue;
		}
		if ((r = pki_inventory_revoke(inv, v[i].serial, v[i].aki,
		    reason == PKI_REASON_NONE ? PKI_REASON_UNSPECIFIED :
		    reason, now, PKI_INV_KEEP_DATE, &k, &err)) != PKI_OK) {
			pki_note_err(&o->nt, NULL, &err, r);
			return -1;
		}
		pki_note(&o->nt, PKI_NOTE_OUT, label, "serial %s %s (%s)",
		    v[i].serial, v[i].revoked ? "reason changed" : "revoked",
		    reason > 0 ? pki_crl_reason_name(reason) : "unspecified");
		*changed = 1;
		if (!v[i].revoked && v[i].name[0] != '\0' &&
		    in_description(cl, v[i].name))
			pki_note(&o->nt, PKI_NOTE_WARNING, label, "still in "
			    "%s: etcd refuses this certificate from now on; "
			    "\"etcd-pki cluster issue\" gives %s/%s a new key "
			    "and certificate", cl->source, dir, v[i].leaf);
	}
	return 0;
}

/* The certificates what names: by serial, else by NAME. */
static int
find_targets(struct pki_inventory *inv, const char *what,
    struct pki_inv_cert **v, size_t *n, struct pki_error *err)
{
	struct pki_inv_query	q;
	char			dec[64];
	int			r;

	memset(&q, 0, sizeof(q));
	if (serial_decimal(what, dec, sizeof(dec)) == 0) {
		q.serial = dec;
		if ((r = pki_inventory_list(inv, &q, v, n, err)) != PKI_OK ||
		    *n > 0)
			return r;
		pki_inventory_list_free(*v, *n);
		q.serial = NULL;
	}
	q.name = what;
	return pki_inventory_list(inv, &q, v, n, err);
}

int
pki_cluster_revoke(const struct pki_cluster *cl, const char *dir,
    const char *what, int reason, const struct pki_crl_opts *o)
{
	struct pki_crl_opts	 po;
	struct pki_inventory	*inv = NULL;
	struct pki_inv_cert	*v = NULL;
	struct pki_error	 err;
	size_t			 n = 0;
	int64_t			 now = o->now != 0 ? o->now : time(NULL);
	int			 lockfd = -1, r, changed = 0;
	int			 ret = PKI_RUN_FAILED;

	memset(&err, 0, sizeof(err));
	if ((r = pki_dir_lock(dir, &lockfd, &err)) != PKI_OK) {
		pki_note_err(&o->nt, NULL, &err, r);
		return r == PKI_ERR_BUSY ? PKI_RUN_BUSY : PKI_RUN_FAILED;
	}
	if ((r = pki_cluster_inventory(dir, PKI_INV_CREATE | (o->no_sync ?
	    PKI_INV_NO_SYNC : 0), &inv, &err)) != PKI_OK ||
	    (r = pki_cluster_record_found(inv, cl, dir, now, "found by revoke",
	    NULL, &err)) != PKI_OK ||
	    (r = pki_inventory_begin(inv, &err)) != PKI_OK ||
	    (r = find_targets(inv, what, &v, &n, &err)) != PKI_OK) {
		pki_note_err(&o->nt, NULL, &err, r);
		goto out;
	}
	if (n == 0) {
		pki_note(&o->nt, PKI_NOTE_ERROR, NULL, "%s: no certificate of "
		    "that serial number or member or client name in %s/%s",
		    what, dir, PKI_CLDIR_INVENTORY);
		ret = PKI_RUN_REFUSED;
		goto out;
	}
	if (revoke_list(inv, cl, dir, v, n, reason, now, o, &changed) != 0) {
		ret = PKI_RUN_REFUSED;
		goto out;
	}
	/* Recorded first: a CRL never lists what the inventory does not. */
	if ((r = pki_inventory_commit(inv, &err)) != PKI_OK) {
		pki_note_err(&o->nt, NULL, &err, r);
		goto out;
	}
	pki_inventory_close(inv);
	inv = NULL;
	po = *o;
	po.now = (time_t)now;
	po.create = 1;
	po.force = 0;
	r = pki_cluster_crl_publish(cl, dir, NULL, NULL, &po);
	if (r == PKI_RUN_FAILED)
		pki_note(&o->nt, PKI_NOTE_ERROR, NULL, "the revocation is "
		    "recorded in %s/%s but no CRL lists it yet: run the "
		    "command again", dir, PKI_CLDIR_INVENTORY);
	ret = r == PKI_RUN_FAILED ? r : changed ? PKI_RUN_CHANGED : r;
 out:
	pki_inventory_rollback(inv);
	pki_inventory_close(inv);
	pki_inventory_list_free(v, n);
	(void)close(lockfd);
	return ret;
}
