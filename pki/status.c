/*
 * status.c: the status model status, check, needs-renewal and renew's
 * -metrics-file print from (see pki.h): when a certificate is due, and
 * the rows of the certificates found at paths or in a cluster directory
 * (facts, renewal time, key, drift, issuing CA), with their node_exporter
 * textfile.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"

/* ---- when a certificate is due ------------------------------------------ */

int
pki_due_eval(const struct pki_due_rule *rule, int64_t not_before,
    int64_t not_after, const char *name, time_t now, struct pki_due *out,
    struct pki_error *err)
{
	double	life = (double)(not_after - not_before), x;

	memset(out, 0, sizeof(*out));
	out->used = life > 0 ? ((double)((int64_t)now - not_before)) / life *
	    100 : 100;
	out->expired = (int64_t)now >= not_after;
	if (life <= 0)
		return pki_err(err, PKI_ERR_ARG, "the certificate's lifetime "
		    "is not positive");
	switch (rule->kind) {
	case PKI_DUE_USED:
		/* step: int(percentUsed) >= threshold. */
		out->due = out->used >= 0 && (long)out->used >= rule->percent;
		x = (double)rule->percent / 100 * life;
		out->at = not_before + (int64_t)x + ((double)(int64_t)x < x);
		break;
	case PKI_DUE_LEFT:
		out->at = not_after - rule->left;
		out->due = (int64_t)now >= out->at;
		break;
	default:
		if (pki_renew_at(not_before, not_after, name, &rule->policy,
		    &out->at, err) != PKI_OK)
			return PKI_ERR_ARG;
		out->due = (int64_t)now >= out->at;
		break;
	}
	out->due = out->due || out->expired;
	return PKI_OK;
}

void
pki_due_rule_left(struct pki_due_rule *rule, const struct pki_share *left)
{
	memset(rule, 0, sizeof(*rule));
	if (left->is_pct) {
		/* renew's arithmetic: due when this share is left. */
		rule->kind = PKI_DUE_RENEW;
		rule->policy.fraction = left->pct / 100;
	} else {
		rule->kind = PKI_DUE_LEFT;
		rule->left = left->ns / PKI_NS_PER_SEC;
	}
}

/* ---- rows ------------------------------------------------------------- */

void
pki_status_init(struct pki_status *s, time_t now,
    const struct pki_renew_policy *policy, const struct pki_notify *nt)
{
	memset(s, 0, sizeof(*s));
	s->now = now;
	if (policy != NULL)
		s->policy = *policy;
	else
		pki_renew_policy_default(&s->policy);
	if (nt != NULL)
		s->nt = *nt;
}

static void
row_clear(struct pki_status_row *r)
{
	free(r->name);
	free(r->path);
	free(r->error);
	free(r->renew_error);
	free(r->generation);
	free(r->gen_refused);
	pki_cert_free(r->cert);
	pki_cert_facts_clear(&r->f);
	pki_drift_clear(&r->drift);
	memset(r, 0, sizeof(*r));
}

void
pki_status_free(struct pki_status *s)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		row_clear(&s->rows[i]);
	free(s->rows);
	s->rows = NULL;
	s->n = 0;
	for (i = 0; i < s->nlocks; i++)
		free(s->locks[i].dir);
	free(s->locks);
	s->locks = NULL;
	s->nlocks = 0;
	pki_cluster_crl_state_clear(&s->crl.st);
}

/* Adds dir's lock (once): its busy count, 0 when it cannot be read. */
static int
add_lock(struct pki_status *s, const char *dir)
{
	struct pki_status_lock	*nl;
	size_t			 i;

	for (i = 0; i < s->nlocks; i++)
		if (strcmp(s->locks[i].dir, dir) == 0)
			return 0;
	if ((nl = reallocarray(s->locks, s->nlocks + 1, sizeof(*nl))) == NULL)
		return -1;
	s->locks = nl;
	nl = &s->locks[s->nlocks];
	memset(nl, 0, sizeof(*nl));
	if ((nl->dir = strdup(dir)) == NULL)
		return -1;
	s->nlocks++;
	(void)pki_dir_lock_busy(dir, &nl->busy_runs, &nl->busy_since);
	return 0;
}

/*
 * Reads a whole file: 0, 1 when it is missing, -1 with err filled (a
 * file that is not regular, too big or unreadable).
 */
static int
slurp(const char *path, char **buf, size_t *len, struct pki_error *err)
{
	int	r;

	if ((r = pki_input_read(path, 0, PKI_MAX_INPUT, buf, len, err)) ==
	    PKI_OK)
		return 0;
	return r == PKI_ERR_IO && err->sys_errno == ENOENT ? 1 : -1;
}

/* The same for a key or CSR JSON: 0, 1 when missing, -1 after a note. */
static int
slurp_noted(const struct pki_status *s, const char *path, char **buf,
    size_t *len)
{
	struct pki_error	err;
	int			r;

	memset(&err, 0, sizeof(err));
	if ((r = slurp(path, buf, len, &err)) == -1)
		pki_note(&s->nt, PKI_NOTE_ERROR, NULL, "%s", err.text);
	return r;
}

char *
pki_cert_path_name(const char *path)
{
	const char	*b = strrchr(path, '/');
	size_t		 n;

	b = b != NULL ? b + 1 : path;
	n = strlen(b);
	if (n > 4 && strcmp(b + n - 4, ".pem") == 0)
		n -= 4;
	return strndup(b, n);
}

static struct pki_status_row *
new_row(struct pki_status *s)
{
	struct pki_status_row	*nr;

	if ((nr = reallocarray(s->rows, s->n + 1, sizeof(*nr))) == NULL)
		return NULL;
	s->rows = nr;
	memset(&nr[s->n], 0, sizeof(nr[s->n]));
	nr[s->n].ca = -1;
	return &nr[s->n++];
}

/* Loads and judges the row's certificate. */
static void
load_cert(struct pki_status *s, struct pki_status_row *r)
{
	struct pki_error	 err;
	struct pki_due_rule	 rule;
	struct pki_due		 d;
	char			*buf = NULL;
	size_t			 len = 0;
	int			 rc;

	memset(&err, 0, sizeof(err));
	if ((rc = slurp(r->path, &buf, &len, &err)) != 0) {
		r->state = rc > 0 ? PKI_ROW_MISSING : PKI_ROW_UNREADABLE;
		if (rc > 0 && asprintf(&r->error, "%s: missing", r->path) == -1)
			r->error = NULL;
		else if (rc < 0)
			r->error = strdup(err.text);
		return;
	}
	rc = pki_cert_load(buf, len, r->path, &r->cert, &err);
	free(buf);
	if (rc != PKI_OK || pki_cert_facts(r->cert, &r->f, &err) != PKI_OK) {
		r->state = PKI_ROW_UNREADABLE;
		r->error = strdup(err.text);
		return;
	}
	r->state = PKI_ROW_OK;
	r->seconds_left = r->f.not_after - (int64_t)s->now;
	memset(&rule, 0, sizeof(rule));
	rule.kind = PKI_DUE_RENEW;
	rule.policy = s->policy;
	rc = pki_due_eval(&rule, r->f.not_before, r->f.not_after, r->name,
	    s->now, &d, &err);
	r->percent_used = d.used;
	if (r->is_ca)
		return;
	if (rc == PKI_OK) {
		r->has_renew_at = 1;
		r->renew_at = d.at;
		r->due = d.due;
	} else
		r->renew_error = strdup(err.text);
}

/* The key column: keypath next to the certificate. */
static void
check_key(const struct pki_status *s, struct pki_status_row *r,
    const char *keypath)
{
	struct pki_error	 err;
	struct pki_key		*key = NULL;
	char			*buf = NULL;
	size_t			 len = 0;
	int			 rc;

	memset(&err, 0, sizeof(err));
	if ((rc = slurp_noted(s, keypath, &buf, &len)) != 0) {
		r->key = rc > 0 ? PKI_ROWKEY_MISSING : PKI_ROWKEY_UNREADABLE;
		return;
	}
	if ((rc = pki_key_load(buf, len, keypath, NULL, &key, &err)) !=
	    PKI_OK) {
		r->key = PKI_ROWKEY_UNREADABLE;
		pki_note_err(&s->nt, NULL, &err, rc);
	} else
		r->key = pki_cert_matches_key(r->cert, key) ?
		    PKI_ROWKEY_MATCH : PKI_ROWKEY_MISMATCH;
	pki_key_free(key);
	pki_secret_free(buf, len);
}

/* The drift column against CSR JSON csr, or the file csrpath. */
static void
check_drift(const struct pki_status *s, struct pki_status_row *r,
    const struct pki_csr *csr, const char *csrpath)
{
	struct pki_error	 err;
	struct pki_parse_opts	 po;
	struct pki_csr		*own = NULL;
	char			*buf = NULL;
	size_t			 len = 0;
	int			 rc;

	memset(&err, 0, sizeof(err));
	r->drift_state = PKI_DRIFT_BAD_CSR;
	if (csr == NULL) {
		if ((rc = slurp_noted(s, csrpath, &buf, &len)) != 0) {
			if (rc > 0)
				r->drift_state = PKI_DRIFT_NO_CSR;
			return;
		}
		memset(&po, 0, sizeof(po));
		rc = pki_csr_parse(buf, len, csrpath, 0, &po, &own, &err);
		free(buf);
		if (rc != PKI_OK) {
			pki_note_err(&s->nt, NULL, &err, PKI_ERR_INPUT);
			return;
		}
		csr = own;
	}
	if (pki_cert_drift(r->cert, csr, &r->drift, &err) != PKI_OK)
		pki_note_err(&s->nt, NULL, &err, PKI_ERR_INPUT);
	else
		r->drift_state = PKI_DRIFT_NONE;
	pki_csr_free(own);
}

/* "gen/..." when setdir/current is a symbolic link, else NULL. */
static char *
generation_of(const char *setdir)
{
	char	link[PATH_MAX], *p;
	ssize_t	n;

	if ((p = pki_path_join(setdir, "current")) == NULL)
		return NULL;
	n = readlink(p, link, sizeof(link) - 1);
	free(p);
	if (n <= 0)
		return NULL;
	link[n] = '\0';
	return strdup(link);
}

/*
 * The set directory of dir, the directory of a certificate path: D for
 * D/current (the generations layout), else dir itself; NULL: no memory.
 */
static char *
set_dir_of(const char *dir)
{
	const char	*base = strrchr(dir, '/');

	if (strcmp(base != NULL ? base + 1 : dir, "current") != 0)
		return strdup(dir);
	return base != NULL ? strndup(dir, (size_t)(base - dir)) :
	    strdup(".");
}

int
pki_cert_gen_refused(const char *path, char **text, struct pki_error *err)
{
	const char	*sl = strrchr(path, '/'), *why;
	char		 gen[PATH_MAX], *dir, *setdir = NULL;
	int		 r = PKI_OK;

	*text = NULL;
	dir = sl == NULL ? strdup(".") : sl == path ? strdup("/") :
	    strndup(path, (size_t)(sl - path));
	if (dir == NULL || (setdir = set_dir_of(dir)) == NULL)
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
	else if ((why = pki_set_gen_untrusted(setdir, gen, sizeof(gen))) !=
	    NULL && asprintf(text, "%s: %s/current -> %s: %s: renew, "
	    "rollback and ca rotate refuse this set", path, setdir, gen,
	    why) == -1) {
		*text = NULL;
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
	}
	free(dir);
	free(setdir);
	return r;
}

/*
 * Adds a leaf row for certificate path (D/NAME.pem or D/current/NAME.pem:
 * the set's directory is D); csr, when not NULL, is the description's CSR
 * JSON, else the set's NAME-csr.json is used.
 */
static int
add_leaf(struct pki_status *s, const char *path, const char *name,
    const struct pki_csr *csr, struct pki_error *err)
{
	struct pki_status_row	*r;
	char			*dir = NULL, *setdir = NULL, *keypath = NULL;
	char			*csrpath = NULL;
	const char		*sl;
	int			 ret = PKI_ERR_ALLOC;

	if ((r = new_row(s)) == NULL || (r->path = strdup(path)) == NULL ||
	    (r->name = name != NULL ? strdup(name) :
	    pki_cert_path_name(path)) == NULL)
		goto out;
	sl = strrchr(path, '/');
	dir = sl == NULL ? strdup(".") : sl == path ? strdup("/") :
	    strndup(path, (size_t)(sl - path));
	if (dir == NULL)
		goto out;
	if ((setdir = set_dir_of(dir)) == NULL)
		goto out;
	if (asprintf(&keypath, "%s/%s-key.pem", dir, r->name) == -1) {
		keypath = NULL;
		goto out;
	}
	if (asprintf(&csrpath, "%s/%s-csr.json", setdir, r->name) == -1) {
		csrpath = NULL;
		goto out;
	}
	r->generation = generation_of(setdir);
	if (pki_cert_gen_refused(path, &r->gen_refused, err) != PKI_OK ||
	    add_lock(s, setdir) != 0)
		goto out;
	load_cert(s, r);
	if (r->state == PKI_ROW_OK) {
		check_key(s, r, keypath);
		check_drift(s, r, csr, csrpath);
	}
	ret = PKI_OK;
 out:
	free(dir);
	free(setdir);
	free(keypath);
	free(csrpath);
	if (ret != PKI_OK)
		return pki_err(err, ret, "out of memory");
	return PKI_OK;
}

/* The same CA twice (a directory's ca.pem copies): same serial and key. */
static int
ca_known(const struct pki_status *s, const struct pki_status_row *r)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		if (&s->rows[i] != r && s->rows[i].is_ca &&
		    s->rows[i].state == PKI_ROW_OK &&
		    strcmp(s->rows[i].f.serial, r->f.serial) == 0 &&
		    memcmp(s->rows[i].f.spki_sha256, r->f.spki_sha256, 32) == 0)
			return 1;
	return 0;
}

static int
add_ca(struct pki_status *s, const char *path, const char *name,
    struct pki_error *err)
{
	struct pki_status_row	*r;

	if ((r = new_row(s)) == NULL || (r->path = strdup(path)) == NULL ||
	    (r->name = strdup(name)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	r->is_ca = 1;
	load_cert(s, r);
	if (r->state == PKI_ROW_OK && ca_known(s, r)) {
		row_clear(r);
		s->n--;
	}
	return PKI_OK;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* dir's NAME.pem files that have a NAME-key.pem beside them, sorted. */
static int
dir_leaves(DIR *d, const char *dir, struct pki_strv *names, int *haveca)
{
	struct dirent	*de;
	struct stat	 st;
	char		*p;
	size_t		 len;
	int		 found;

	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len <= 4 || strcmp(de->d_name + len - 4, ".pem") != 0 ||
		    (len > 8 && strcmp(de->d_name + len - 8, "-key.pem") == 0))
			continue;
		if (strcmp(de->d_name, PKI_CLDIR_CA) == 0) {
			*haveca = 1;
			continue;
		}
		if (asprintf(&p, "%s/%.*s-key.pem", dir, (int)(len - 4),
		    de->d_name) == -1)
			return -1;
		found = stat(p, &st) == 0 || lstat(p, &st) == 0;
		free(p);
		if (found && pki_strv_push(names, de->d_name) != 0)
			return -1;
	}
	if (names->n > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(names->v, names->n, sizeof(*names->v), cmp_str);
	return 0;
}

static int
add_dir(struct pki_status *s, const char *dir, struct pki_error *err)
{
	DIR		*d;
	struct pki_strv	 names;
	char		*p = NULL;
	size_t		 i;
	int		 r = PKI_OK, haveca = 0;

	memset(&names, 0, sizeof(names));
	if ((d = opendir(dir)) == NULL)
		return pki_err_sys(err, errno, "%s", dir);
	if (dir_leaves(d, dir, &names, &haveca) != 0)
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
	else if (names.n == 0 && !haveca)
		r = pki_err(err, PKI_ERR_INPUT, "%s: no certificate in this "
		    "directory (NAME.pem next to NAME-key.pem, or ca.pem)", dir);
	for (i = 0; i < names.n && r == PKI_OK; i++) {
		if ((p = pki_path_join(dir, names.v[i])) == NULL)
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		else
			r = add_leaf(s, p, NULL, NULL, err);
		free(p);
	}
	if (r == PKI_OK && haveca) {
		if ((p = pki_path_join(dir, PKI_CLDIR_CA)) == NULL)
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		else
			r = add_ca(s, p, "ca", err);
		free(p);
	}
	pki_strv_clear(&names);
	(void)closedir(d);
	return r;
}

int
pki_status_add_path(struct pki_status *s, const char *path,
    struct pki_error *err)
{
	struct pki_status_row	*r;
	struct stat		 st;
	char			*d, *name;
	size_t			 len;
	int			 ret;

	len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		if ((d = strndup(path, len)) == NULL)
			return pki_err(err, PKI_ERR_ALLOC, "out of memory");
		ret = add_dir(s, d, err);
		free(d);
		return ret;
	}
	if ((ret = add_leaf(s, path, NULL, NULL, err)) != PKI_OK)
		return ret;
	/* A CA certificate named on the command line is a CA row. */
	r = &s->rows[s->n - 1];
	if (r->state != PKI_ROW_OK || !r->f.is_ca)
		return PKI_OK;
	if ((name = pki_cert_path_name(path)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	row_clear(r);
	s->n--;
	ret = add_ca(s, path, name, err);
	free(name);
	return ret;
}

/*
 * The cluster's CRL, timed as a certificate is: used share and renewal
 * time (renew's rule, "crl" staggered) over thisUpdate..nextUpdate.
 */
static int
add_crl(struct pki_status *s, const struct pki_cluster *cl, const char *dir,
    struct pki_error *err)
{
	struct pki_status_crl	*c = &s->crl;
	struct pki_renew_policy	 def;
	int64_t			 life;
	int			 r;

	pki_cluster_crl_state_clear(&c->st);
	if ((r = pki_cluster_crl_state(cl, dir, s->now, &c->st, err)) !=
	    PKI_OK || !c->st.present || c->st.state != PKI_ROW_OK)
		return r;
	life = c->st.info.next_update - c->st.info.this_update;
	c->seconds_left = c->st.info.next_update - (int64_t)s->now;
	c->age = (int64_t)s->now - c->st.info.this_update;
	c->percent_used = life > 0 ? (double)c->age / (double)life * 100 :
	    100;
	if (c->percent_used > 100)
		c->percent_used = 100;
	if (c->st.info.next_update == 0)
		return PKI_OK;
	c->has_renew_at = 1;
	if (pki_renew_at(c->st.info.this_update, c->st.info.next_update,
	    "crl", &s->policy, &c->renew_at, NULL) != PKI_OK) {
		pki_renew_policy_default(&def);
		if (pki_renew_at(c->st.info.this_update,
		    c->st.info.next_update, "crl", &def, &c->renew_at,
		    NULL) != PKI_OK)
			c->renew_at = c->st.info.next_update;
	}
	c->due = (int64_t)s->now >= c->renew_at || c->seconds_left <= 0;
	return PKI_OK;
}

int
pki_status_add_cluster(struct pki_status *s, const struct pki_cluster *cl,
    const char *dir, const char *member, struct pki_error *err)
{
	struct pki_cldir_leaf	*v = NULL;
	char			*p = NULL;
	size_t			 i, n = 0;
	int			 r;

	if ((r = pki_cldir_leaves(cl, dir, member, &v, &n, err)) != PKI_OK)
		return r;
	if (add_lock(s, dir) != 0)
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
	else if (member != NULL && n == 0)
		r = pki_err(err, PKI_ERR_ARG, "-member: %s: no such member or "
		    "client in the description", member);
	for (i = 0; i < n && r == PKI_OK; i++) {
		if (asprintf(&p, "%s/%s.pem", v[i].dir, v[i].name) == -1)
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		else
			r = add_leaf(s, p, v[i].name, v[i].csr, err);
		free(p);
		p = NULL;
	}
	pki_cldir_leaves_free(v, n);
	if (r == PKI_OK && (r = pki_cldir_ca_path(cl, dir, PKI_CA_CUR, 0, &p,
	    err)) == PKI_OK)
		r = add_ca(s, p, "ca", err);
	free(p);
	if (r == PKI_OK)
		r = add_crl(s, cl, dir, err);
	return r;
}

/* The CA c expires before leaf l is next renewed, or renewed expires. */
static int
ca_warning(const struct pki_status_row *l, const struct pki_status_row *c)
{
	if (!l->has_renew_at)
		return PKI_CAWARN_NONE;
	if (c->f.not_after < l->renew_at)
		return PKI_CAWARN_RENEWAL;
	if (c->f.not_after < l->renew_at + (l->f.not_after - l->f.not_before))
		return PKI_CAWARN_RENEWED;
	return PKI_CAWARN_NONE;
}

void
pki_status_link(struct pki_status *s)
{
	struct pki_status_row	*l, *c;
	char			*pem;
	size_t			 i, j, len;
	int64_t			 t;

	for (j = 0; j < s->n; j++) {
		c = &s->rows[j];
		if (!c->is_ca || c->state != PKI_ROW_OK)
			continue;
		pem = NULL;
		if (pki_cert_encode(c->cert, &pem, &len, NULL) != PKI_OK)
			continue;
		for (i = 0; i < s->n; i++) {
			l = &s->rows[i];
			if (l->is_ca || l->state != PKI_ROW_OK || l->ca >= 0 ||
			    strcmp(l->f.issuer, c->f.subject) != 0)
				continue;
			/* Verify at a time both were valid, if any. */
			t = l->f.not_before > c->f.not_before ?
			    l->f.not_before : c->f.not_before;
			if (pki_cert_verify_bundle(l->cert, pem, len, c->path,
			    (time_t)t, NULL) == PKI_OK) {
				l->ca = (long)j;
				l->ca_warning = ca_warning(l, c);
			}
		}
		free(pem);
	}
}

size_t
pki_status_problems(const struct pki_status *s)
{
	size_t	i, n = 0;

	for (i = 0; i < s->n; i++)
		if (s->rows[i].state != PKI_ROW_OK ||
		    s->rows[i].key == PKI_ROWKEY_UNREADABLE ||
		    s->rows[i].drift_state == PKI_DRIFT_BAD_CSR)
			n++;
	for (i = 0; i < s->nlocks; i++)
		if (s->locks[i].busy_runs >= PKI_LOCK_BUSY_RUNS)
			n++;
	if (s->crl.st.present && s->crl.st.state != PKI_ROW_OK)
		n++;
	return n;
}

void
pki_drift_text(const struct pki_drift *d, int subject_dn, char *buf,
    size_t len)
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
		snprintf(buf + l, len - l, "%ssubject%s%s", l ? " " : "",
		    subject_dn ? " " : "", subject_dn && d->want_subject !=
		    NULL ? d->want_subject : "");
}

/* ---- the node_exporter textfile ------------------------------------------ */

/* A label value with Prometheus escaping (\\, \", \n). */
static void
label_value(struct pki_buf *b, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			pki_buf_printf(b, "\\%c", *v);
		else if (*v == '\n')
			pki_buf_add(b, "\\n");
		else
			pki_buf_addn(b, v, 1);
	}
}

static void
header(struct pki_buf *b, const char *name, const char *help)
{
	pki_buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help,
	    name);
}

#define WHICH_EXPIRY	0
#define WHICH_RENEWAL	1
#define WHICH_NB	2
#define WHICH_CA	3

static void
family(struct pki_buf *b, const struct pki_status *s, const char *name,
    const char *help, int which)
{
	const struct pki_status_row	*r;
	size_t				 i;
	int				 any = 0;

	for (i = 0; i < s->n; i++) {
		r = &s->rows[i];
		if (r->state != PKI_ROW_OK || r->is_ca != (which == WHICH_CA) ||
		    (which == WHICH_RENEWAL && !r->has_renew_at))
			continue;
		if (!any)
			header(b, name, help);
		any = 1;
		pki_buf_printf(b, "%s{name=\"", name);
		label_value(b, r->name);
		pki_buf_add(b, "\",path=\"");
		label_value(b, r->path);
		pki_buf_printf(b, "\"} %lld\n", (long long)(which ==
		    WHICH_RENEWAL ? r->renew_at : which == WHICH_NB ?
		    r->f.not_before : r->f.not_after));
	}
}

/* The CRL's metrics, labelled {path}: one family per value. */
static void
crl_metrics(struct pki_buf *b, const struct pki_status *s)
{
	static const struct {
		const char	*name;
		const char	*help;
	} m[] = {
		{ "etcd_pki_crl_next_update_timestamp_seconds",
		  "The date of the cluster CRL's nextUpdate." },
		{ "etcd_pki_crl_this_update_timestamp_seconds",
		  "The date the cluster CRL was signed (thisUpdate)." },
		{ "etcd_pki_crl_renewal_timestamp_seconds",
		  "The date from which renew signs the cluster CRL anew." },
		{ "etcd_pki_crl_revoked_certificates",
		  "The number of certificates the cluster CRL lists." },
	};
	const struct pki_status_crl	*c = &s->crl;
	long long			 v[4];
	size_t				 i;

	if (!c->st.present || c->st.state != PKI_ROW_OK)
		return;
	v[0] = c->st.info.next_update;
	v[1] = c->st.info.this_update;
	v[2] = c->renew_at;
	v[3] = (long long)c->st.info.nentries;
	for (i = 0; i < 4; i++) {
		if (i == 2 && !c->has_renew_at)
			continue;
		header(b, m[i].name, m[i].help);
		pki_buf_printf(b, "%s{path=\"", m[i].name);
		label_value(b, c->st.path);
		pki_buf_printf(b, "\"} %lld\n", v[i]);
	}
}

int
pki_status_metrics(const struct pki_status *s, const char *command,
    int exit_code, char **text, struct pki_error *err)
{
	struct pki_buf	b;
	size_t		i;

	memset(&b, 0, sizeof(b));
	*text = NULL;
	family(&b, s, "etcd_pki_certificate_expiration_timestamp_seconds",
	    "The date after which the certificate expires (notAfter).",
	    WHICH_EXPIRY);
	family(&b, s, "etcd_pki_certificate_renewal_timestamp_seconds",
	    "The date from which the certificate is due for renewal.",
	    WHICH_RENEWAL);
	family(&b, s, "etcd_pki_certificate_not_before_timestamp_seconds",
	    "The date from which the certificate is valid (notBefore).",
	    WHICH_NB);
	family(&b, s, "etcd_pki_ca_expiration_timestamp_seconds",
	    "The date after which the CA certificate expires (notAfter).",
	    WHICH_CA);
	for (i = 0; i < s->nlocks; i++) {
		if (i == 0)
			header(&b, "etcd_pki_lock_busy_runs", "Runs in a row "
			    "that found the directory's lock held (0: the "
			    "last one took it).");
		pki_buf_add(&b, "etcd_pki_lock_busy_runs{dir=\"");
		label_value(&b, s->locks[i].dir);
		pki_buf_printf(&b, "\"} %u\n", s->locks[i].busy_runs);
	}
	crl_metrics(&b, s);
	if (command != NULL) {
		header(&b, "etcd_pki_last_run_timestamp_seconds",
		    "When etcd-pki last ran this command.");
		pki_buf_add(&b, "etcd_pki_last_run_timestamp_seconds"
		    "{command=\"");
		label_value(&b, command);
		pki_buf_printf(&b, "\"} %lld\n", (long long)s->now);
		header(&b, "etcd_pki_last_run_exit_code",
		    "The exit status of the last run of this command.");
		pki_buf_add(&b, "etcd_pki_last_run_exit_code{command=\"");
		label_value(&b, command);
		pki_buf_printf(&b, "\"} %d\n", exit_code);
	}
	if (b.oom) {
		free(b.b);
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	}
	*text = b.b != NULL ? b.b : strdup("");
	return *text != NULL ? PKI_OK : pki_err(err, PKI_ERR_ALLOC,
	    "out of memory");
}
