/*
 * file.c: writing a set of output files atomically, all or nothing.
 *
 * Every file of a set goes to a temporary file in its target directory,
 * created O_EXCL|O_NOFOLLOW with its final mode, written fully and
 * closed.  Only when all are complete and durable are the existing
 * targets hard-linked to backup names and the temporary files renamed
 * over them; if a rename fails, the backups are renamed back, so the set
 * on disk stays as it was.  Every name is resolved relative to a
 * descriptor of its directory, so the *at() calls all act on the same
 * directory even if it is renamed meanwhile.
 *
 * Durability costs two waits per set, whatever its size: the contents
 * of every temporary file before the first rename (so that no name can
 * survive a crash pointing at a file whose data did not), then the
 * directories after the last (so that success means the new names
 * survive).  The first is one syncfs(2) per file system for a set of
 * several files, instead of an fsync(2) per file: the same guarantee,
 * one flush; a single file is fsync'ed.
 */
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "config.h"
#include "internal.h"

/* Attempts at a fresh random temporary name before giving up. */
#define TMP_TRIES	16
/* Random characters in a temporary name (".NAME.XXXXXX"). */
#define TMP_RANDLEN	6
/* Longest part of the target's name copied into a temporary name. */
#define TMP_BASEMAX	100

/* Per-file state of one pki_file_write_set() call. */
struct wfile {
	const struct pki_file	*f;
	const struct pki_owner	*owner;		/* or NULL: the caller's */
	char			*dir;		/* directory part of f->path */
	const char		*base;		/* last component, in f->path */
	int			 dfd;		/* the directory, or -1 */
	int			 dfd_sync;	/* dfd may be fsync'ed */
	int			 existed;	/* target existed before */
	char			*tmp;		/* temporary name, when created */
	char			*bak;		/* backup link name, when made */
};

/*
 * Returns the process umask without changing it when /proc says what it
 * is (Linux >= 4.7); otherwise sets and restores it.
 */
mode_t
pki_file_umask(void)
{
	char	 buf[4096], *p, *end;
	ssize_t	 r;
	size_t	 len = 0;
	long	 v;
	mode_t	 old;
	int	 fd;

	if ((fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)) != -1) {
		while (len < sizeof(buf) - 1) {
			r = read(fd, buf + len, sizeof(buf) - 1 - len);
			if (r == -1 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			len += (size_t)r;
		}
		(void)close(fd);
		buf[len] = '\0';
		p = strstr(buf, "\nUmask:");
		if (p != NULL) {
			p += strlen("\nUmask:");
			errno = 0;
			v = strtol(p, &end, 8);
			if (errno == 0 && end != p && v >= 0 && v <= 0777)
				return (mode_t)v;
		}
	}
	old = umask(077);
	(void)umask(old);
	return old;
}

/*
 * Fills buf with a fresh hidden name ".BASE.TAGXXXXXX" (BASE cut to
 * TMP_BASEMAX bytes, X random).  Returns 0 or an error.
 */
static int
file_tmpname(char *buf, size_t size, const char *base, const char *tag,
    struct pki_error *err)
{
	char	suffix[TMP_RANDLEN + 1];
	int	n, r;

	if ((r = pki_file_random(suffix, TMP_RANDLEN, err)) != PKI_OK)
		return r;
	n = snprintf(buf, size, ".%.*s.%s%s", TMP_BASEMAX, base, tag, suffix);
	if (n < 0 || (size_t)n >= size)
		return pki_err(err, PKI_ERR_INTERNAL, "temporary name too long");
	return PKI_OK;
}

int
pki_file_is_tmp_of(const char *name, const char *base)
{
	size_t	blen = strlen(base), i;

	if (blen > TMP_BASEMAX)
		blen = TMP_BASEMAX;
	if (blen == 0 || name[0] != '.' || strncmp(name + 1, base, blen) != 0 ||
	    name[blen + 1] != '.')
		return 0;
	name += blen + 2;
	if (strncmp(name, "old.", 4) == 0)
		name += 4;
	for (i = 0; i < TMP_RANDLEN; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9')))
			return 0;
	return name[TMP_RANDLEN] == '\0';
}

int
pki_file_tmp_create(int dfd, const char *base, char *name, size_t size,
    struct pki_error *err)
{
	int	fd, i, r;

	for (i = 0; i < TMP_TRIES; i++) {
		if ((r = file_tmpname(name, size, base, "", err)) != PKI_OK)
			return r;
		if ((fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600)) != -1) {
			(void)close(fd);
			return PKI_OK;
		}
		if (errno != EEXIST)
			return pki_err_sys(err, errno, "%s: cannot create",
			    name);
	}
	return pki_err_sys(err, EEXIST, "%s: no free temporary name", base);
}

/*
 * n unpredictable bytes from the kernel (getrandom(2)), or from OpenSSL
 * where the kernel has no getrandom.  A temporary name needs no more: the
 * kernel's generator costs a system call, where OpenSSL's first
 * RAND_bytes sets up its DRBG (70% of a cfssljson run's instructions).
 */
static int
name_random(unsigned char *buf, size_t n, struct pki_error *err)
{
	size_t	off = 0;
	ssize_t	r;

	while (off < n) {
		if ((r = getrandom(buf + off, n - off, 0)) > 0) {
			off += (size_t)r;
			continue;
		}
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && errno == ENOSYS)
			break;
		return pki_err_sys(err, errno, "getrandom");
	}
	if (off < n && RAND_bytes(buf + off, (int)(n - off)) != 1)
		return pki_err_ssl(err, PKI_ERR_CRYPTO, "RAND_bytes");
	return PKI_OK;
}

int
pki_file_random(char *buf, size_t n, struct pki_error *err)
{
	static const char	 chars[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char		 rnd[64];
	size_t			 i;
	int			 r;

	if (n > sizeof(rnd))
		return pki_err(err, PKI_ERR_INTERNAL, "random name too long");
	if ((r = name_random(rnd, n, err)) != PKI_OK)
		return r;
	for (i = 0; i < n; i++)
		buf[i] = chars[rnd[i] % (sizeof(chars) - 1)];
	buf[n] = '\0';
	return PKI_OK;
}

int
pki_file_writeall(int fd, const void *data, size_t len)
{
	const unsigned char	*p = data;
	ssize_t			 r;

	while (len > 0) {
		r = write(fd, p, len);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0) {
			errno = EIO;
			return -1;
		}
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

/*
 * Splits w->f->path into directory and last component, opens the
 * directory and checks that the target is not a directory.
 */
static int
file_prepare(struct wfile *w, struct pki_error *err)
{
	const char	*path = w->f->path, *slash;
	struct stat	 st;

	if ((slash = strrchr(path, '/')) == NULL) {
		w->dir = strdup(".");
		w->base = path;
	} else {
		if (slash == path)
			w->dir = strdup("/");
		else
			w->dir = strndup(path, (size_t)(slash - path));
		w->base = slash + 1;
	}
	if (w->dir == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "%s: out of memory", path);
	if (*w->base == '\0' || strcmp(w->base, ".") == 0 ||
	    strcmp(w->base, "..") == 0)
		goto isdir;

	w->dfd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	w->dfd_sync = 1;
#ifdef O_PATH
	if (w->dfd == -1 && errno == EACCES) {
		/* A write-only directory: usable, but cannot be fsync'ed. */
		w->dfd = open(w->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		w->dfd_sync = 0;
	}
#endif
	if (w->dfd == -1)
		return pki_err_sys(err, errno, "%s: cannot write", path);

	if (fstatat(w->dfd, w->base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISDIR(st.st_mode))
			goto isdir;
		w->existed = 1;
	} else if (errno != ENOENT)
		return pki_err_sys(err, errno, "%s: cannot write", path);
	return PKI_OK;

 isdir:
	pki_err(err, PKI_ERR_IO, "%s: is a directory", path);
	if (err != NULL)
		err->sys_errno = EISDIR;
	return PKI_ERR_IO;
}

int
pki_file_write_new(int dfd, const char *name, const void *data, size_t len,
    mode_t mode, const struct stat *owner, int sync)
{
	int	fd, e;

	/* Group and other bits only once the owner is right. */
	if ((fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode & 0700)) == -1)
		return -1;
	/* Only root may give a file away; otherwise it stays ours. */
	if (owner != NULL && (owner->st_uid != geteuid() ||
	    owner->st_gid != getegid()) &&
	    fchown(fd, owner->st_uid, owner->st_gid) == -1 && errno != EPERM)
		goto fail;
	/* The umask may have narrowed mode; make it exact. */
	if (fchmod(fd, mode) == -1 || pki_file_writeall(fd, data, len) == -1 ||
	    (sync && fsync(fd) == -1))
		goto fail;
	/* Linux always releases the descriptor, even on EINTR. */
	if (close(fd) == -1 && errno != EINTR) {
		e = errno;
		(void)unlinkat(dfd, name, 0);
		errno = e;
		return -1;
	}
	return 0;
 fail:
	e = errno;
	(void)close(fd);
	(void)unlinkat(dfd, name, 0);
	errno = e;
	return -1;
}

/*
 * Takes over the file the caller prepared for w (PKI_FILE_PREPARED: its
 * name is w->f->data) as its temporary file: owner (when not NULL) and
 * exactly mode as pki_file_write_new gives them, fsync'ed when sync is
 * set.  From here on the set removes it on failure.
 */
static int
file_adopt(struct wfile *w, mode_t mode, const struct stat *owner, int sync,
    struct pki_error *err)
{
	struct stat	st;
	int		fd;

	if ((w->tmp = strdup(w->f->data)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "%s: out of memory",
		    w->f->path);
	if ((fd = openat(w->dfd, w->tmp, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return pki_err_sys(err, errno, "%s/%s: cannot open", w->dir,
		    w->tmp);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		(void)close(fd);
		return pki_err(err, PKI_ERR_IO, "%s/%s: not a regular file",
		    w->dir, w->tmp);
	}
	if ((owner != NULL && (owner->st_uid != st.st_uid ||
	    owner->st_gid != st.st_gid) && fchown(fd, owner->st_uid,
	    owner->st_gid) == -1 && errno != EPERM) || fchmod(fd, mode) == -1 ||
	    (sync && fsync(fd) == -1)) {
		int	e = errno;

		(void)close(fd);
		return pki_err_sys(err, e, "%s: cannot write", w->f->path);
	}
	(void)close(fd);
	return PKI_OK;
}

/*
 * Creates the temporary file of w with exactly mode, writes it, fsyncs it
 * when sync is set and closes it.  On failure the temporary file is
 * removed again.
 */
static int
file_write_tmp(struct wfile *w, mode_t mode, int sync, struct pki_error *err)
{
	const struct pki_owner	*o = w->owner;
	struct stat		 own;
	char			 name[NAME_MAX + 1];
	int			 i, r = PKI_ERR_INTERNAL;

	memset(&own, 0, sizeof(own));
	if (o != NULL) {
		own.st_uid = o->has_user ? o->uid : geteuid();
		own.st_gid = o->has_group ? o->gid : getegid();
	}
	if (w->f->len == PKI_FILE_PREPARED)
		return file_adopt(w, mode, o != NULL ? &own : NULL, sync, err);
	for (i = 0; i < TMP_TRIES; i++) {
		if ((r = file_tmpname(name, sizeof(name), w->base, "",
		    err)) != PKI_OK)
			return r;
		if (pki_file_write_new(w->dfd, name, w->f->data, w->f->len,
		    mode, o != NULL ? &own : NULL, sync) == 0)
			break;
		if (errno != EEXIST)
			return pki_err_sys(err, errno, "%s: cannot write",
			    w->f->path);
	}
	if (i == TMP_TRIES)
		return pki_err_sys(err, EEXIST, "%s: cannot write", w->f->path);
	if ((w->tmp = strdup(name)) == NULL) {
		(void)unlinkat(w->dfd, name, 0);
		return pki_err(err, PKI_ERR_ALLOC, "%s: out of memory",
		    w->f->path);
	}
	return PKI_OK;
}

/*
 * Hard-links the existing target of w to a backup name.  A failure is not
 * an error: the file is then replaced without a way back.
 */
static void
file_backup(struct wfile *w)
{
	char	name[NAME_MAX + 1];
	int	i;

	for (i = 0; i < TMP_TRIES; i++) {
		if (file_tmpname(name, sizeof(name), w->base, "old.",
		    NULL) != PKI_OK)
			return;
		if (linkat(w->dfd, w->base, w->dfd, name, 0) == 0) {
			w->bak = strdup(name);
			if (w->bak == NULL)
				(void)unlinkat(w->dfd, name, 0);
			return;
		}
		if (errno != EEXIST)
			return;
	}
}

/*
 * Puts back what the target of w was before the call: the backup over
 * the replaced target, or no file where there was none.  Returns 0 or -1.
 */
static int
file_restore(struct wfile *w)
{
	if (w->bak != NULL) {
		if (renameat(w->dfd, w->bak, w->dfd, w->base) == -1)
			return -1;
		free(w->bak);
		w->bak = NULL;
		return 0;
	}
	if (!w->existed)
		return unlinkat(w->dfd, w->base, 0);
	return -1;
}

/*
 * Undoes the renames of ws[0..i-1] in reverse order, noting in err when
 * one could not be undone (its backup is then kept).
 */
static void
file_undo(struct wfile *ws, size_t i, struct pki_error *err)
{
	size_t	len;
	int	lost = 0;

	while (i-- > 0) {
		if (file_restore(&ws[i]) == 0)
			continue;
		/* Keep a backup that could not go back. */
		free(ws[i].bak);
		ws[i].bak = NULL;
		lost = 1;
	}
	if (lost && err != NULL) {
		len = strlen(err->text);
		snprintf(err->text + len, sizeof(err->text) - len,
		    " (earlier files of the set not restored)");
	}
}

/*
 * Whether the temporary files of ws are synced together (one syncfs per
 * file system) rather than each when written: for several files whose
 * directories could all be opened for reading (syncfs needs such a
 * descriptor).
 */
static int
file_sync_together(const struct wfile *ws, size_t n)
{
#ifdef HAVE_SYNCFS
	size_t	i;

	if (n < 2)
		return 0;
	for (i = 0; i < n; i++)
		if (!ws[i].dfd_sync)
			return 0;
	return 1;
#else
	(void)ws;
	(void)n;
	return 0;
#endif
}

/*
 * One syncfs per file system the temporary files of ws are on.  Returns
 * PKI_OK or PKI_ERR_IO (err names the directory, also as its source).
 */
static int
file_sync_tmps(const struct wfile *ws, size_t n, struct pki_error *err)
{
#ifdef HAVE_SYNCFS
	struct stat	a, b;
	size_t		i, j;
	int		r;

	for (i = 0; i < n; i++) {
		if (fstat(ws[i].dfd, &a) == -1)
			return pki_err_sys(err, errno, "%s: cannot sync",
			    ws[i].dir);
		for (j = 0; j < i; j++)
			if (fstat(ws[j].dfd, &b) == 0 && a.st_dev == b.st_dev)
				break;
		if (j < i)
			continue;
		if (syncfs(ws[i].dfd) == -1 && errno != EINVAL &&
		    errno != EROFS) {
			r = pki_err_sys(err, errno, "%s: cannot sync",
			    ws[i].dir);
			pki_err_source(err, ws[i].dir);
			return r;
		}
	}
#else
	(void)ws;
	(void)n;
	(void)err;
#endif
	return PKI_OK;
}

/* Returns 1 if the directory of w is the same as one before it. */
static int
file_dir_seen(const struct wfile *ws, size_t i)
{
	struct stat	a, b;
	size_t		j;

	if (fstat(ws[i].dfd, &a) == -1)
		return 0;
	for (j = 0; j < i; j++)
		if (ws[j].dfd_sync && fstat(ws[j].dfd, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return 1;
	return 0;
}

int
pki_file_write_set(const struct pki_file *files, size_t n,
    struct pki_error *err)
{
	return pki_file_write_set_hook(files, n, NULL, NULL, err);
}

int
pki_file_write_set_hook(const struct pki_file *files, size_t n,
    int (*hook)(void *arg, struct pki_error *err), void *arg,
    struct pki_error *err)
{
	return pki_file_write_set_owned(files, NULL, n, hook, arg, err);
}

int
pki_file_write_set_owned(const struct pki_file *files,
    const struct pki_owner *const *owners, size_t n,
    int (*hook)(void *arg, struct pki_error *err), void *arg,
    struct pki_error *err)
{
	struct wfile	*ws = NULL;
	mode_t		 mask, mode;
	size_t		 i, j;
	int		 r = PKI_ERR_INTERNAL, together;

	if (n == 0)
		return hook != NULL ? hook(arg, err) : PKI_OK;
	if (files == NULL)
		return pki_err(err, PKI_ERR_ARG, "no files to write");
	for (i = 0; i < n; i++) {
		if (files[i].path == NULL || *files[i].path == '\0')
			return pki_err(err, PKI_ERR_ARG, "empty file name");
		if (files[i].data == NULL && files[i].len != 0)
			return pki_err(err, PKI_ERR_ARG, "%s: no data",
			    files[i].path);
		if (files[i].len == PKI_FILE_PREPARED &&
		    (*(const char *)files[i].data == '\0' ||
		    strchr(files[i].data, '/') != NULL))
			return pki_err(err, PKI_ERR_ARG, "%s: a prepared file "
			    "is a name in its directory", files[i].path);
		for (j = 0; j < i; j++)
			if (strcmp(files[i].path, files[j].path) == 0)
				return pki_err(err, PKI_ERR_ARG,
				    "%s: named twice", files[i].path);
	}
	if ((ws = calloc(n, sizeof(*ws))) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	for (i = 0; i < n; i++) {
		ws[i].f = &files[i];
		ws[i].owner = owners != NULL ? owners[i] : NULL;
		ws[i].dfd = -1;
	}
	mask = pki_file_umask();

	/* Every target must be writable before anything is created. */
	for (i = 0; i < n; i++)
		if ((r = file_prepare(&ws[i], err)) != PKI_OK) {
			pki_err_source(err, files[i].path);
			goto out;
		}

	/*
	 * A private mode (no group or other bits, 0600 for keys) is used
	 * exactly, whatever the umask; others are narrowed by the umask.
	 */
	together = file_sync_together(ws, n);
	for (i = 0; i < n; i++) {
		mode = files[i].mode & 0777;
		if ((mode & 077) != 0 && ws[i].owner == NULL)
			mode &= ~mask;
		if ((r = file_write_tmp(&ws[i], mode, !together,
		    err)) != PKI_OK) {
			pki_err_source(err, files[i].path);
			goto out;
		}
	}
	/* The contents are durable before any name points at them. */
	if (together && (r = file_sync_tmps(ws, n, err)) != PKI_OK)
		goto out;

	for (i = 0; i < n; i++)
		if (ws[i].existed)
			file_backup(&ws[i]);

	for (i = 0; i < n; i++) {
		if (renameat(ws[i].dfd, ws[i].tmp, ws[i].dfd,
		    ws[i].base) == -1) {
			r = pki_err_sys(err, errno, "%s: cannot write",
			    files[i].path);
			pki_err_source(err, files[i].path);
			file_undo(ws, i, err);
			goto out;
		}
		free(ws[i].tmp);
		ws[i].tmp = NULL;
	}

	/*
	 * The new names must survive a crash.  If they may not, the old
	 * files are put back: the call fails with the set as it was.
	 */
	r = PKI_OK;
	for (i = 0; i < n; i++) {
		if (!ws[i].dfd_sync || file_dir_seen(ws, i))
			continue;
		if (fsync(ws[i].dfd) == -1 && errno != EINVAL &&
		    errno != EROFS) {
			r = pki_err_sys(err, errno, "%s: cannot sync",
			    ws[i].dir);
			pki_err_source(err, ws[i].dir);
			file_undo(ws, n, err);
			break;
		}
	}
	/* The last step that may fail: undone with the set. */
	if (r == PKI_OK && hook != NULL && (r = hook(arg, err)) != PKI_OK)
		file_undo(ws, n, err);

 out:
	if (ws != NULL) {
		for (i = 0; i < n; i++) {
			if (ws[i].tmp != NULL)
				(void)unlinkat(ws[i].dfd, ws[i].tmp, 0);
			if (ws[i].bak != NULL)
				(void)unlinkat(ws[i].dfd, ws[i].bak, 0);
			if (ws[i].dfd != -1)
				(void)close(ws[i].dfd);
			free(ws[i].tmp);
			free(ws[i].bak);
			free(ws[i].dir);
		}
		free(ws);
	}
	return r;
}

/* ---- removing and renaming (ca rotate) ------------------------------- */

/* fsyncs the directory path is in; a failure is ignored (the names are
 * then only as durable as the file system makes them). */
static void
sync_parent(const char *path)
{
	const char	*slash = strrchr(path, '/');
	char		*dir;
	int		 fd;

	if ((dir = slash == NULL ? strdup(".") : slash == path ? strdup("/") :
	    strndup(path, (size_t)(slash - path))) == NULL)
		return;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		(void)close(fd);
	}
	free(dir);
}

int
pki_file_remove(const char *const *paths, size_t n, struct pki_error *err)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (unlink(paths[i]) == -1 && errno != ENOENT)
			return pki_err_sys(err, errno, "%s: cannot remove",
			    paths[i]);
	for (i = 0; i < n; i++)
		sync_parent(paths[i]);
	return PKI_OK;
}

int
pki_file_rename(const char *from, const char *to, struct pki_error *err)
{
	if (rename(from, to) == -1)
		return pki_err_sys(err, errno, "%s: cannot rename to %s", from,
		    to);
	sync_parent(to);
	return PKI_OK;
}

/* ---- a trial write (renew -dry-run) -------------------------------------- */

static int
trial_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Writes files (by base name) into scratch and reads each back. */
static int
trial_files(const char *scratch, const struct pki_file *files, size_t n,
    struct pki_error *err)
{
	struct pki_file	*f = NULL;
	char		**paths = NULL, *buf;
	const char	*base;
	size_t		 i, len;
	int		 r, same;

	if ((f = calloc(n + 1, sizeof(*f))) == NULL ||
	    (paths = calloc(n + 1, sizeof(*paths))) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (files[i].len == PKI_FILE_PREPARED) {
			r = pki_err(err, PKI_ERR_ARG, "%s: a prepared file "
			    "cannot be tried", files[i].path);
			goto out;
		}
		f[i] = files[i];
		base = strrchr(files[i].path, '/');
		if (asprintf(&paths[i], "%s/%s", scratch, base != NULL ?
		    base + 1 : files[i].path) == -1) {
			paths[i] = NULL;
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
			goto out;
		}
		f[i].path = paths[i];
	}
	if ((r = pki_file_write_set(f, n, err)) != PKI_OK)
		goto out;
	for (i = 0; i < n; i++) {
		if ((r = pki_input_read(paths[i], 0, PKI_MAX_INPUT, &buf, &len,
		    err)) != PKI_OK)
			goto out;
		same = len == f[i].len && memcmp(buf, f[i].data, len) == 0;
		pki_secret_free(buf, len + 1);
		if (!same) {
			r = pki_err(err, PKI_ERR_MISMATCH, "%s: read back "
			    "differs", paths[i]);
			goto out;
		}
	}
	r = PKI_OK;
 out:
	for (i = 0; paths != NULL && i < n; i++)
		free(paths[i]);
	free(paths);
	free(f);
	return r;
}

int
pki_file_write_trial(const struct pki_file *files, size_t n,
    struct pki_error *err)
{
	const char	*tmp = getenv("TMPDIR");
	char		 scratch[4096];
	int		 r;

	snprintf(scratch, sizeof(scratch), "%s/etcd-pki-dry-run.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(scratch) == NULL)
		return pki_err_sys(err, errno, "%s", scratch);
	r = trial_files(scratch, files, n, err);
	(void)nftw(scratch, trial_rm, 8, FTW_DEPTH | FTW_PHYS);
	return r;
}

int
pki_file_absent(const char *path, struct pki_error *err)
{
	struct stat	st;

	if (lstat(path, &st) == 0)
		return pki_err(err, PKI_ERR_IO, "%s: file exists: not "
		    "overwriting it (remove it or choose another -o)", path);
	if (errno != ENOENT)
		return pki_err_sys(err, errno, "%s", path);
	return PKI_OK;
}
