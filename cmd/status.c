/*
 * status.c: collecting the certificate rows of status, check and renew's
 * metrics from paths or a cluster directory.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pki.h"
#include "cmd.h"
#include "input.h"
#include "log.h"
#include "status.h"

void
status_init(struct status_set *s, time_t now,
    const struct pki_renew_policy *policy)
{
	memset(s, 0, sizeof(*s));
	s->now = now;
	if (policy != NULL)
		s->policy = *policy;
	else
		pki_renew_policy_default(&s->policy);
}

static void
row_clear(struct status_row *r)
{
	free(r->name);
	free(r->path);
	free(r->error);
	free(r->renew_error);
	free(r->generation);
	pki_cert_free(r->cert);
	pki_cert_facts_clear(&r->f);
	pki_drift_clear(&r->drift);
	memset(r, 0, sizeof(*r));
}

void
status_free(struct status_set *s)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		row_clear(&s->rows[i]);
	free(s->rows);
	s->rows = NULL;
	s->n = 0;
}

/* Reads a whole file quietly; -1 with errno set. */
static int
slurp(const char *path, char **buf, size_t *len)
{
	struct pki_error	err;

	return input_read(path, 0, buf, len, &err) == CMD_RETURN_NORMAL ? 0 :
	    -1;
}

/* "dir/NAME.pem" -> dir ("." when none), malloc'ed. */
static char *
dir_of(const char *path)
{
	const char	*sl = strrchr(path, '/');

	if (sl == NULL)
		return strdup(".");
	if (sl == path)
		return strdup("/");
	return strndup(path, (size_t)(sl - path));
}

/* NAME of ".../NAME.pem" (the whole base name without ".pem"). */
static char *
name_of(const char *path)
{
	const char	*b = strrchr(path, '/');
	size_t		 n;

	b = b != NULL ? b + 1 : path;
	n = strlen(b);
	if (n > 4 && strcmp(b + n - 4, ".pem") == 0)
		n -= 4;
	return strndup(b, n);
}

static char *
xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = NULL;
	va_end(ap);
	return s;
}

static struct status_row *
new_row(struct status_set *s)
{
	struct status_row	*nr;

	if ((nr = reallocarray(s->rows, s->n + 1, sizeof(*nr))) == NULL)
		return NULL;
	s->rows = nr;
	memset(&nr[s->n], 0, sizeof(nr[s->n]));
	nr[s->n].ca = -1;
	return &nr[s->n++];
}

/* Loads and reads the facts of the row's certificate. */
static void
load_cert(struct status_set *s, struct status_row *r)
{
	struct pki_error	 err;
	char			*buf = NULL;
	size_t			 len = 0;
	double			 life;

	memset(&err, 0, sizeof(err));
	if (slurp(r->path, &buf, &len) == -1) {
		r->state = errno == ENOENT ? ROW_MISSING : ROW_UNREADABLE;
		r->error = xasprintf("%s: %s", r->path, errno == ENOENT ?
		    "missing" : strerror(errno));
		return;
	}
	if (pki_cert_load(buf, len, r->path, &r->cert, &err) != 0 ||
	    pki_cert_facts(r->cert, &r->f, &err) != 0) {
		r->state = ROW_UNREADABLE;
		r->error = strdup(err.text);
		free(buf);
		return;
	}
	free(buf);
	r->state = ROW_OK;
	r->seconds_left = r->f.not_after - (int64_t)s->now;
	life = (double)(r->f.not_after - r->f.not_before);
	r->percent_used = life > 0 ? ((double)((int64_t)s->now -
	    r->f.not_before)) / life * 100 : 100;
	if (!r->is_ca) {
		if (pki_renew_at(r->f.not_before, r->f.not_after, r->name,
		    &s->policy, &r->renew_at, &err) == 0) {
			r->has_renew_at = 1;
			r->due = (int64_t)s->now >= r->renew_at;
		}
		else
			r->renew_error = strdup(err.text);
	}
}

/* The key column: keypath next to the certificate. */
static void
check_key(struct status_row *r, const char *keypath)
{
	struct pki_error	 err;
	struct pki_key		*key = NULL;
	char			*buf = NULL;
	size_t			 len = 0;

	memset(&err, 0, sizeof(err));
	if (slurp(keypath, &buf, &len) == -1) {
		r->key = errno == ENOENT ? KEY_MISSING : KEY_UNREADABLE;
		if (r->key == KEY_UNREADABLE)
			log_err("%s: %s", keypath, strerror(errno));
		return;
	}
	if (pki_key_load(buf, len, keypath, NULL, &key, &err) != 0) {
		r->key = KEY_UNREADABLE;
		log_pki(&err, PKI_ERR_KEY);
	} else
		r->key = pki_cert_matches_key(r->cert, key) ? KEY_MATCH :
		    KEY_MISMATCH;
	pki_key_free(key);
	pki_secret_free(buf, len + 1);
}

/* The drift column against CSR JSON csr, or the file csrpath. */
static void
check_drift(struct status_row *r, const struct pki_csr *csr,
    const char *csrpath)
{
	struct pki_error	 err;
	struct pki_parse_opts	 po;
	struct pki_csr		*own = NULL;
	char			*buf = NULL;
	size_t			 len = 0;

	memset(&err, 0, sizeof(err));
	if (csr == NULL) {
		if (slurp(csrpath, &buf, &len) == -1) {
			r->drift_state = errno == ENOENT ? DRIFT_NO_CSR :
			    DRIFT_BAD_CSR;
			if (r->drift_state == DRIFT_BAD_CSR)
				log_err("%s: %s", csrpath, strerror(errno));
			return;
		}
		memset(&po, 0, sizeof(po));
		if (pki_csr_parse(buf, len, csrpath, 0, &po, &own, &err) !=
		    0) {
			r->drift_state = DRIFT_BAD_CSR;
			log_pki(&err, PKI_ERR_INPUT);
			free(buf);
			return;
		}
		free(buf);
		csr = own;
	}
	if (pki_cert_drift(r->cert, csr, &r->drift, &err) != 0) {
		r->drift_state = DRIFT_BAD_CSR;
		log_pki(&err, PKI_ERR_INPUT);
	} else
		r->drift_state = DRIFT_NONE;
	pki_csr_free(own);
}

/* "gen/..." when setdir/current is a symbolic link, else NULL. */
static char *
generation_of(const char *setdir)
{
	char	link[PATH_MAX], *p;
	ssize_t	n;

	if ((p = xasprintf("%s/current", setdir)) == NULL)
		return NULL;
	n = readlink(p, link, sizeof(link) - 1);
	free(p);
	if (n <= 0)
		return NULL;
	link[n] = '\0';
	return strdup(link);
}

/*
 * Adds a leaf row for certificate path (NAME.pem); csr, when not NULL, is
 * the description's CSR JSON, else the set's NAME-csr.json is used.
 */
static int
add_leaf(struct status_set *s, const char *path, const char *name,
    const struct pki_csr *csr)
{
	struct status_row	*r;
	char			*dir = NULL, *setdir = NULL, *keypath = NULL;
	char			*csrpath = NULL, *base;
	int			 ret = -1;

	if ((r = new_row(s)) == NULL)
		goto oom;
	if ((r->path = strdup(path)) == NULL || (r->name = name != NULL ?
	    strdup(name) : name_of(path)) == NULL ||
	    (dir = dir_of(path)) == NULL)
		goto oom;
	/* D/current/NAME.pem: the set directory is D. */
	base = strrchr(dir, '/');
	if (strcmp(base != NULL ? base + 1 : dir, "current") == 0)
		setdir = base != NULL ? strndup(dir, (size_t)(base - dir)) :
		    strdup(".");
	else
		setdir = strdup(dir);
	if (setdir == NULL ||
	    (keypath = xasprintf("%s/%s-key.pem", dir, r->name)) == NULL ||
	    (csrpath = xasprintf("%s/%s-csr.json", setdir, r->name)) == NULL)
		goto oom;
	r->generation = generation_of(setdir);
	load_cert(s, r);
	if (r->state == ROW_OK) {
		check_key(r, keypath);
		check_drift(r, csr, csrpath);
	}
	ret = 0;
	goto out;
 oom:
	log_err("out of memory");
 out:
	free(dir);
	free(setdir);
	free(keypath);
	free(csrpath);
	return ret;
}

/* The same CA twice (a directory's ca.pem copies): same serial and key. */
static int
ca_known(const struct status_set *s, const struct status_row *r)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		if (&s->rows[i] != r && s->rows[i].is_ca &&
		    s->rows[i].state == ROW_OK &&
		    strcmp(s->rows[i].f.serial, r->f.serial) == 0 &&
		    memcmp(s->rows[i].f.spki_sha256, r->f.spki_sha256, 32) == 0)
			return 1;
	return 0;
}

static int
add_ca(struct status_set *s, const char *path, const char *name)
{
	struct status_row	*r;

	if ((r = new_row(s)) == NULL || (r->path = strdup(path)) == NULL ||
	    (r->name = strdup(name)) == NULL) {
		log_err("out of memory");
		return -1;
	}
	r->is_ca = 1;
	load_cert(s, r);
	if (r->state == ROW_OK && ca_known(s, r)) {
		row_clear(r);
		s->n--;
	}
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
add_dir(struct status_set *s, const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		**names = NULL, **nn, *p = NULL;
	size_t		 n = 0, i, len;
	int		 ret = 0, haveca = 0;

	if ((d = opendir(dir)) == NULL) {
		log_err("%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len <= 4 || strcmp(de->d_name + len - 4, ".pem") != 0 ||
		    (len > 8 && strcmp(de->d_name + len - 8, "-key.pem") == 0))
			continue;
		if (strcmp(de->d_name, "ca.pem") == 0) {
			haveca = 1;
			continue;
		}
		if ((p = xasprintf("%s/%.*s-key.pem", dir, (int)(len - 4),
		    de->d_name)) == NULL)
			goto oom;
		if (stat(p, &st) == 0 || lstat(p, &st) == 0) {
			if ((nn = reallocarray(names, n + 1, sizeof(*nn))) ==
			    NULL)
				goto oom;
			names = nn;
			if ((names[n] = strdup(de->d_name)) == NULL)
				goto oom;
			n++;
		}
		free(p);
		p = NULL;
	}
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n && ret == 0; i++) {
		if ((p = xasprintf("%s/%s", dir, names[i])) == NULL)
			goto oom;
		ret = add_leaf(s, p, NULL, NULL);
		free(p);
		p = NULL;
	}
	if (ret == 0 && haveca) {
		if ((p = xasprintf("%s/ca.pem", dir)) == NULL)
			goto oom;
		ret = add_ca(s, p, "ca");
	}
	goto out;
 oom:
	log_err("out of memory");
	ret = -1;
 out:
	free(p);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	(void)closedir(d);
	return ret;
}

int
status_add_path(struct status_set *s, const char *path)
{
	struct status_row	*r;
	struct stat		 st;
	char			*name;
	size_t			 len;

	len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		char	*d = strndup(path, len);
		int	 ret;

		if (d == NULL)
			return -1;
		ret = add_dir(s, d);
		free(d);
		return ret;
	}
	if (add_leaf(s, path, NULL, NULL) != 0)
		return -1;
	/* A CA certificate named on the command line is a CA row. */
	r = &s->rows[s->n - 1];
	if (r->state == ROW_OK && r->f.is_ca) {
		if ((name = name_of(path)) == NULL)
			return -1;
		row_clear(r);
		s->n--;
		r = NULL;
		if (add_ca(s, path, name) != 0) {
			free(name);
			return -1;
		}
		free(name);
	}
	return 0;
}

int
status_add_cluster(struct status_set *s, const struct pki_cluster *cl,
    const char *dir, const char *member)
{
	struct pki_cluster_leaf_info	 li;
	const char			*cafile;
	char				*p = NULL;
	size_t				 i, n = pki_cluster_nleaves(cl);
	int				 found = 0, ret;

	for (i = 0; i < n; i++) {
		pki_cluster_leaf(cl, i, &li);
		if (member != NULL && strcmp(member, li.name) != 0)
			continue;
		found = 1;
		if ((p = xasprintf("%s/%s/%s.pem", dir, li.dir, li.name)) ==
		    NULL) {
			log_err("out of memory");
			return -1;
		}
		ret = add_leaf(s, p, li.name, li.csr);
		free(p);
		if (ret != 0)
			return -1;
	}
	if (member != NULL && !found) {
		log_err("-member: %s: no such member or client in the "
		    "description", member);
		return -1;
	}
	if ((cafile = pki_cluster_ca_cert_file(cl)) != NULL)
		return add_ca(s, cafile, "ca");
	if ((p = xasprintf("%s/ca.pem", dir)) == NULL) {
		log_err("out of memory");
		return -1;
	}
	ret = add_ca(s, p, "ca");
	free(p);
	return ret;
}

void
status_link(struct status_set *s)
{
	struct status_row	*l, *c;
	char			*pem;
	size_t			 i, j, len;
	int64_t			 t;

	for (j = 0; j < s->n; j++) {
		c = &s->rows[j];
		if (!c->is_ca || c->state != ROW_OK)
			continue;
		pem = NULL;
		if (pki_cert_encode(c->cert, &pem, &len, NULL) != 0)
			continue;
		for (i = 0; i < s->n; i++) {
			l = &s->rows[i];
			if (l->is_ca || l->state != ROW_OK || l->ca >= 0 ||
			    strcmp(l->f.issuer, c->f.subject) != 0)
				continue;
			/* Verify at a time both were valid, if any. */
			t = l->f.not_before > c->f.not_before ?
			    l->f.not_before : c->f.not_before;
			if (pki_cert_verify_bundle(l->cert, pem, len, c->path,
			    (time_t)t, NULL) == 0)
				l->ca = (long)j;
		}
		free(pem);
	}
}

size_t
status_problems(const struct status_set *s)
{
	size_t	i, n = 0;

	for (i = 0; i < s->n; i++)
		if (s->rows[i].state != ROW_OK ||
		    s->rows[i].key == KEY_UNREADABLE ||
		    s->rows[i].drift_state == DRIFT_BAD_CSR)
			n++;
	return n;
}

void
status_date(int64_t t, char *buf, size_t size)
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "@%lld", (long long)t);
}

void
status_left(int64_t sec, char *buf, size_t size)
{
	if (sec <= 0)
		snprintf(buf, size, "<expired>");
	else if (sec >= 86400)
		snprintf(buf, size, "%lldd", (long long)(sec / 86400));
	else if (sec >= 3600)
		snprintf(buf, size, "%lldh", (long long)(sec / 3600));
	else
		snprintf(buf, size, "%lldm", (long long)(sec / 60));
}

char *
status_drift_text(const struct status_row *r)
{
	size_t	i, len = 1;
	char	*s;

	if (r->drift_state == DRIFT_NO_CSR)
		return strdup("no csr json");
	if (r->drift_state == DRIFT_BAD_CSR)
		return strdup("bad csr json");
	if (!pki_drift_any(&r->drift))
		return strdup("none");
	for (i = 0; i < r->drift.nadd; i++)
		len += strlen(r->drift.add[i]) + 2;
	for (i = 0; i < r->drift.nremove; i++)
		len += strlen(r->drift.remove[i]) + 2;
	len += sizeof(" subject");
	if ((s = malloc(len)) == NULL)
		return NULL;
	*s = '\0';
	for (i = 0; i < r->drift.nadd; i++)
		snprintf(s + strlen(s), len - strlen(s), "%s+%s",
		    *s != '\0' ? " " : "", r->drift.add[i]);
	for (i = 0; i < r->drift.nremove; i++)
		snprintf(s + strlen(s), len - strlen(s), "%s-%s",
		    *s != '\0' ? " " : "", r->drift.remove[i]);
	if (r->drift.subject)
		snprintf(s + strlen(s), len - strlen(s), "%ssubject",
		    *s != '\0' ? " " : "");
	return s;
}
