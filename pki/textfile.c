/*
 * textfile.c: one node_exporter textfile shared by several commands.
 * status and renew may be given the same -metrics-file; each run
 * replaces its own series and keeps the others': the merge below, under
 * a lock on the file's directory, before the atomic write.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pki.h"
#include "internal.h"

/* One metric family: its # HELP and # TYPE lines and its samples. */
struct fam {
	char		*name;
	struct pki_buf	 head;
	struct pki_strv	 samples;
};

struct fams {
	struct fam	*v;
	size_t		 n;
	int		 oom;
};

static void
fams_clear(struct fams *fs)
{
	size_t	i;

	for (i = 0; i < fs->n; i++) {
		free(fs->v[i].name);
		free(fs->v[i].head.b);
		pki_strv_clear(&fs->v[i].samples);
	}
	free(fs->v);
	memset(fs, 0, sizeof(*fs));
}

/* The family named name (len bytes), added when absent; NULL: no memory. */
static struct fam *
fams_get(struct fams *fs, const char *name, size_t len)
{
	struct fam	*nv;
	size_t		 i;

	for (i = 0; i < fs->n; i++)
		if (strlen(fs->v[i].name) == len &&
		    strncmp(fs->v[i].name, name, len) == 0)
			return &fs->v[i];
	if ((nv = reallocarray(fs->v, fs->n + 1, sizeof(*nv))) == NULL) {
		fs->oom = 1;
		return NULL;
	}
	fs->v = nv;
	memset(&nv[fs->n], 0, sizeof(nv[fs->n]));
	if ((nv[fs->n].name = strndup(name, len)) == NULL) {
		fs->oom = 1;
		return NULL;
	}
	return &fs->v[fs->n++];
}

/*
 * Splits Prometheus text into families: "# HELP NAME" and "# TYPE NAME"
 * lines go to NAME's head, a sample to the family of its metric name;
 * other comments and blank lines are dropped.
 */
static void
fams_parse(struct fams *fs, const char *text)
{
	const char	*line, *end, *name;
	struct fam	*f;
	size_t		 len, nlen;
	int		 head;

	for (line = text; *line != '\0'; line = *end != '\0' ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		len = (size_t)(end - line);
		head = len > 7 && (strncmp(line, "# HELP ", 7) == 0 ||
		    strncmp(line, "# TYPE ", 7) == 0);
		if (len == 0 || (line[0] == '#' && !head))
			continue;
		name = head ? line + 7 : line;
		nlen = strcspn(name, head ? " \n" : "{ \n");
		if (nlen == 0 || (f = fams_get(fs, name, nlen)) == NULL)
			continue;
		if (head) {
			pki_buf_addn(&f->head, line, len + 1);
			fs->oom |= f->head.oom;
		} else {
			char	*s = strndup(line, len);

			if (s == NULL || pki_strv_push(&f->samples, s) != 0)
				fs->oom = 1;
			free(s);
		}
	}
}

/*
 * The value of label key in sample, unescaped (\\, \", \n), into buf
 * (truncated to size); 0 when the sample has no such label.
 */
static int
label_of(const char *sample, const char *key, char *buf, size_t size)
{
	const char	*p = strchr(sample, '{');
	size_t		 klen = strlen(key), n;
	char		 c;
	int		 match;

	if (p == NULL)
		return 0;
	for (p++; *p != '\0' && *p != '}'; ) {
		p += strspn(p, ", ");
		match = strncmp(p, key, klen) == 0 && p[klen] == '=';
		if ((p = strchr(p, '"')) == NULL)
			return 0;
		for (n = 0, p++; *p != '\0' && *p != '"'; p++) {
			c = *p;
			if (c == '\\' && p[1] != '\0') {
				p++;
				c = *p == 'n' ? '\n' : *p;
			}
			if (n + 1 < size)
				buf[n++] = c;
		}
		if (match) {
			buf[n] = '\0';
			return 1;
		}
		if (*p == '"')
			p++;
	}
	return 0;
}

/* A path label's file still exists. */
static int
path_exists(const char *path)
{
	struct stat	st;

	return path[0] != '\0' && stat(path, &st) == 0;
}

/*
 * Whether an old sample of family f stays beside own (this run's family
 * of the same name, or NULL): another command's run (label command), or
 * a certificate this run does not report that is still there (label
 * path).  Anything else is this run's to replace.
 */
static int
keep_old(const char *sample, const struct fam *own, const char *command)
{
	char	v[4096], w[4096];
	size_t	i;

	if (label_of(sample, "command", v, sizeof(v)))
		return command == NULL || strcmp(v, command) != 0;
	if (!label_of(sample, "path", v, sizeof(v)))
		return 0;
	for (i = 0; own != NULL && i < own->samples.n; i++)
		if (label_of(own->samples.v[i], "path", w, sizeof(w)) &&
		    strcmp(v, w) == 0)
			return 0;
	return path_exists(v);
}

/* Appends f's head and samples and the old ones to keep. */
static void
emit(struct pki_buf *b, const struct fam *own, const struct fam *old,
    const char *command)
{
	const struct fam	*f = own != NULL ? own : old;
	size_t			 i, kept = 0;

	for (i = 0; old != NULL && i < old->samples.n; i++)
		kept += keep_old(old->samples.v[i], own, command);
	if ((own == NULL || own->samples.n == 0) && kept == 0)
		return;
	if (f->head.b != NULL)
		pki_buf_add(b, f->head.b);
	for (i = 0; own != NULL && i < own->samples.n; i++)
		pki_buf_printf(b, "%s\n", own->samples.v[i]);
	for (i = 0; old != NULL && i < old->samples.n; i++)
		if (keep_old(old->samples.v[i], own, command))
			pki_buf_printf(b, "%s\n", old->samples.v[i]);
}

int
pki_textfile_merge(const char *old, const char *own, const char *command,
    char **out, struct pki_error *err)
{
	struct fams	 fo, fn;
	struct pki_buf	 b;
	struct fam	*f;
	size_t		 i, j;
	int		 r = PKI_ERR_ALLOC;

	*out = NULL;
	memset(&fo, 0, sizeof(fo));
	memset(&fn, 0, sizeof(fn));
	memset(&b, 0, sizeof(b));
	fams_parse(&fn, own);
	fams_parse(&fo, old != NULL ? old : "");
	if (fo.oom || fn.oom)
		goto out;
	for (i = 0; i < fn.n; i++) {
		for (f = NULL, j = 0; j < fo.n && f == NULL; j++)
			if (strcmp(fo.v[j].name, fn.v[i].name) == 0)
				f = &fo.v[j];
		emit(&b, &fn.v[i], f, command);
	}
	for (j = 0; j < fo.n; j++) {
		for (f = NULL, i = 0; i < fn.n && f == NULL; i++)
			if (strcmp(fo.v[j].name, fn.v[i].name) == 0)
				f = &fn.v[i];
		if (f == NULL)
			emit(&b, NULL, &fo.v[j], command);
	}
	if (b.oom || (b.b == NULL && (b.b = strdup("")) == NULL))
		goto out;
	*out = b.b;
	b.b = NULL;
	r = PKI_OK;
 out:
	free(b.b);
	fams_clear(&fo);
	fams_clear(&fn);
	return r == PKI_OK ? r : pki_err(err, r, "out of memory");
}

int
pki_status_metrics_write(const struct pki_status *s, const char *path,
    const char *command, int exit_code, struct pki_error *err)
{
	struct pki_error	 e;
	struct pki_file		 file;
	char			*own = NULL, *old = NULL, *text = NULL;
	char			*dcopy = NULL;
	size_t			 oldlen = 0;
	int			 dfd = -1, r;

	memset(&e, 0, sizeof(e));
	if ((r = pki_status_metrics(s, command, exit_code, &own,
	    err)) != PKI_OK)
		return pki_err(err, r, "%s: out of memory", path);
	/* Runs writing this file take turns: the lock is its directory's. */
	if ((dcopy = strdup(path)) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "%s: out of memory", path);
		goto out;
	}
	if ((dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || flock(dfd, LOCK_EX) == -1) {
		r = pki_err_sys(err, errno, "%s: cannot lock its directory",
		    path);
		goto out;
	}
	if ((r = pki_input_read(path, 0, PKI_MAX_INPUT, &old, &oldlen,
	    &e)) != PKI_OK && !(r == PKI_ERR_IO && e.sys_errno == ENOENT)) {
		r = pki_err(err, r, "%s", e.text);
		goto out;
	}
	if ((r = pki_textfile_merge(old, own, command, &text, err)) != PKI_OK)
		goto out;
	file.path = path;
	file.data = text;
	file.len = strlen(text);
	file.mode = 0644;
	r = pki_file_write_set(&file, 1, err);
 out:
	if (dfd != -1)
		(void)close(dfd);
	free(dcopy);
	free(own);
	free(old);
	free(text);
	return r;
}
