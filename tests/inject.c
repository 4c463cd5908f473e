/*
 * inject.c: an LD_PRELOAD shim that makes chosen file-system calls fail,
 * for tests/cli/t-inject.sh.
 *
 * Configured by the environment:
 *   INJECT_CALL=KIND   the kind of call to fail: write (write, pwrite,
 *                      writev), fsync (fsync, fdatasync, syncfs), rename
 *                      (rename, renameat, renameat2), open (open, openat,
 *                      creat with O_CREAT), link (link, linkat, symlink,
 *                      symlinkat), mkdir (mkdir, mkdirat) or dlopen (a
 *                      library fails to load, as if it were not
 *                      installed; INJECT_ERRNO does not apply); unset:
 *                      none
 *   INJECT_ERRNO=NAME  the error to fail it with (ENOSPC, EIO, EACCES,
 *                      EDQUOT, EROFS, EPERM, ENOMEM; default EIO)
 *   INJECT_NTH=N       fail only the Nth matching call of that kind;
 *                      0 (the default) fails every one
 *   INJECT_PATH=STR    only calls on paths containing STR match (for a
 *                      descriptor, the path it was opened with, or
 *                      /proc/self/fd's name for it; *at() names are
 *                      taken relative to their directory's path)
 *   INJECT_LOG=FILE    append "KIND FUNCTION PATH" for every matching
 *                      call of every kind, failed ones marked " FAIL"
 *
 * Only the calls a program makes through the dynamic symbols are seen;
 * glibc's internal calls (stdio's writes, say) are not.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum kind {
	K_WRITE, K_FSYNC, K_RENAME, K_OPEN, K_LINK, K_MKDIR, K_DLOPEN, K__N
};
static const char *const kind_name[K__N] = {
	"write", "fsync", "rename", "open", "link", "mkdir", "dlopen"
};

#define MAXFD	4096

static char		*fd_path[MAXFD];
static int		 inited;
static int		 want = -1;	/* kind to fail, or -1 */
static int		 fail_errno = EIO;
static long		 nth;
static long		 count;
static const char	*match;
static const char	*logname;

static ssize_t	(*real_write)(int, const void *, size_t);
static ssize_t	(*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t	(*real_writev)(int, const struct iovec *, int);
static int	(*real_fsync)(int);
static int	(*real_fdatasync)(int);
static int	(*real_syncfs)(int);
static int	(*real_rename)(const char *, const char *);
static int	(*real_renameat)(int, const char *, int, const char *);
static int	(*real_renameat2)(int, const char *, int, const char *,
		    unsigned int);
static int	(*real_open)(const char *, int, ...);
static int	(*real_openat)(int, const char *, int, ...);
static int	(*real_close)(int);
static int	(*real_link)(const char *, const char *);
static int	(*real_linkat)(int, const char *, int, const char *, int);
static int	(*real_symlink)(const char *, const char *);
static int	(*real_symlinkat)(const char *, int, const char *);
static int	(*real_mkdir)(const char *, mode_t);
static int	(*real_mkdirat)(int, const char *, mode_t);
static void	*(*real_dlopen)(const char *, int);

static void *
sym(const char *name)
{
	void	*p = dlsym(RTLD_NEXT, name);

	if (p == NULL)
		abort();
	return p;
}

static void
init(void)
{
	static const struct { const char *name; int e; } errs[] = {
		{ "ENOSPC", ENOSPC }, { "EIO", EIO }, { "EACCES", EACCES },
		{ "EDQUOT", EDQUOT }, { "EROFS", EROFS }, { "EPERM", EPERM },
		{ "ENOMEM", ENOMEM }, { "EEXIST", EEXIST },
	};
	const char	*s;
	size_t		 i;

	if (__atomic_load_n(&inited, __ATOMIC_ACQUIRE))
		return;
	real_write = (ssize_t (*)(int, const void *, size_t))sym("write");
	real_pwrite = (ssize_t (*)(int, const void *, size_t, off_t))
	    sym("pwrite");
	real_writev = (ssize_t (*)(int, const struct iovec *, int))
	    sym("writev");
	real_fsync = (int (*)(int))sym("fsync");
	real_fdatasync = (int (*)(int))sym("fdatasync");
	real_syncfs = (int (*)(int))sym("syncfs");
	real_rename = (int (*)(const char *, const char *))sym("rename");
	real_renameat = (int (*)(int, const char *, int, const char *))
	    sym("renameat");
	real_renameat2 = (int (*)(int, const char *, int, const char *,
	    unsigned int))sym("renameat2");
	real_open = (int (*)(const char *, int, ...))sym("open");
	real_openat = (int (*)(int, const char *, int, ...))sym("openat");
	real_close = (int (*)(int))sym("close");
	real_link = (int (*)(const char *, const char *))sym("link");
	real_linkat = (int (*)(int, const char *, int, const char *, int))
	    sym("linkat");
	real_symlink = (int (*)(const char *, const char *))sym("symlink");
	real_symlinkat = (int (*)(const char *, int, const char *))
	    sym("symlinkat");
	real_mkdir = (int (*)(const char *, mode_t))sym("mkdir");
	real_mkdirat = (int (*)(int, const char *, mode_t))sym("mkdirat");
	real_dlopen = (void *(*)(const char *, int))sym("dlopen");

	if ((s = getenv("INJECT_CALL")) != NULL)
		for (i = 0; i < K__N; i++)
			if (strcmp(s, kind_name[i]) == 0)
				want = (int)i;
	if ((s = getenv("INJECT_ERRNO")) != NULL)
		for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
			if (strcmp(s, errs[i].name) == 0)
				fail_errno = errs[i].e;
	if ((s = getenv("INJECT_NTH")) != NULL)
		nth = strtol(s, NULL, 10);
	if ((s = getenv("INJECT_PATH")) != NULL && *s != '\0')
		match = s;
	if ((s = getenv("INJECT_LOG")) != NULL && *s != '\0')
		logname = s;
	__atomic_store_n(&inited, 1, __ATOMIC_RELEASE);
}

/* The path of descriptor fd into buf (what it was opened as, if known). */
static const char *
fdname(int fd, char *buf, size_t size)
{
	char	 proc[64];
	char	*p;
	ssize_t	 n;

	if (fd == AT_FDCWD)
		fd = -1;
	if (fd >= 0 && fd < MAXFD &&
	    (p = __atomic_load_n(&fd_path[fd], __ATOMIC_ACQUIRE)) != NULL) {
		snprintf(buf, size, "%s", p);
		return buf;
	}
	if (fd == -1)
		snprintf(proc, sizeof(proc), "/proc/self/cwd");
	else
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, buf, size - 1);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	return buf;
}

/* dir's path joined with name (name alone when absolute). */
static const char *
atname(int dfd, const char *name, char *buf, size_t size)
{
	char	dir[PATH_MAX];
	int	n;

	if (name == NULL)
		name = "";
	if (name[0] == '/') {
		snprintf(buf, size, "%s", name);
		return buf;
	}
	fdname(dfd, dir, sizeof(dir));
	n = snprintf(buf, size, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= size)
		buf[0] = '\0';		/* too long: matches nothing */
	return buf;
}

static void
fd_remember(int fd, const char *path)
{
	char	*p = NULL, *old;

	if (fd < 0 || fd >= MAXFD)
		return;
	if (path != NULL)
		p = strdup(path);
	old = __atomic_exchange_n(&fd_path[fd], p, __ATOMIC_ACQ_REL);
	free(old);
}

static void
logline(const char *line)
{
	int	fd, e = errno;

	if ((fd = real_open(logname, O_WRONLY | O_CREAT | O_APPEND |
	    O_CLOEXEC, 0644)) != -1) {
		(void)real_write(fd, line, strlen(line));
		(void)real_close(fd);
	}
	errno = e;
}

/*
 * Decides about one call of kind k on path a (and b): returns 1 if it
 * must fail (errno set), 0 if it goes ahead.
 */
static int
decide(enum kind k, const char *fn, const char *a, const char *b)
{
	char	line[2 * PATH_MAX + 64];
	long	c;
	int	fail = 0;

	init();
	if (match != NULL && (a == NULL || strstr(a, match) == NULL) &&
	    (b == NULL || strstr(b, match) == NULL))
		return 0;
	if ((int)k == want) {
		c = __atomic_add_fetch(&count, 1, __ATOMIC_ACQ_REL);
		if (nth == 0 || c == nth)
			fail = 1;
	}
	if (logname != NULL) {
		snprintf(line, sizeof(line), "%s %s %s%s%s%s\n", kind_name[k],
		    fn, a != NULL ? a : "", b != NULL ? " " : "",
		    b != NULL ? b : "", fail ? " FAIL" : "");
		logline(line);
	}
	if (fail)
		errno = fail_errno;
	return fail;
}

static int
fd_decide(enum kind k, const char *fn, int fd)
{
	char	buf[PATH_MAX];

	init();
	if (match == NULL && logname == NULL && (int)k != want)
		return 0;
	return decide(k, fn, fdname(fd, buf, sizeof(buf)), NULL);
}

ssize_t
write(int fd, const void *p, size_t n)
{
	init();
	if (fd > 2 && fd_decide(K_WRITE, "write", fd))
		return -1;
	return real_write(fd, p, n);
}

ssize_t
pwrite(int fd, const void *p, size_t n, off_t off)
{
	init();
	if (fd_decide(K_WRITE, "pwrite", fd))
		return -1;
	return real_pwrite(fd, p, n, off);
}

ssize_t pwrite64(int, const void *, size_t, off_t);
ssize_t
pwrite64(int fd, const void *p, size_t n, off_t off)
{
	return pwrite(fd, p, n, off);
}

ssize_t
writev(int fd, const struct iovec *iov, int n)
{
	init();
	if (fd > 2 && fd_decide(K_WRITE, "writev", fd))
		return -1;
	return real_writev(fd, iov, n);
}

int
fsync(int fd)
{
	init();
	if (fd_decide(K_FSYNC, "fsync", fd))
		return -1;
	return real_fsync(fd);
}

int
fdatasync(int fd)
{
	init();
	if (fd_decide(K_FSYNC, "fdatasync", fd))
		return -1;
	return real_fdatasync(fd);
}

int
syncfs(int fd)
{
	init();
	if (fd_decide(K_FSYNC, "syncfs", fd))
		return -1;
	return real_syncfs(fd);
}

int
rename(const char *a, const char *b)
{
	char	pa[PATH_MAX], pb[PATH_MAX];

	init();
	if (decide(K_RENAME, "rename", atname(AT_FDCWD, a, pa, sizeof(pa)),
	    atname(AT_FDCWD, b, pb, sizeof(pb))))
		return -1;
	return real_rename(a, b);
}

int
renameat(int da, const char *a, int db, const char *b)
{
	char	pa[PATH_MAX], pb[PATH_MAX];

	init();
	if (decide(K_RENAME, "renameat", atname(da, a, pa, sizeof(pa)),
	    atname(db, b, pb, sizeof(pb))))
		return -1;
	return real_renameat(da, a, db, b);
}

int
renameat2(int da, const char *a, int db, const char *b, unsigned int fl)
{
	char	pa[PATH_MAX], pb[PATH_MAX];

	init();
	if (decide(K_RENAME, "renameat2", atname(da, a, pa, sizeof(pa)),
	    atname(db, b, pb, sizeof(pb))))
		return -1;
	return real_renameat2(da, a, db, b, fl);
}

static int
do_openat(const char *fn, int dfd, const char *name, int flags, mode_t mode)
{
	char	path[PATH_MAX];
	int	fd;

	init();
	atname(dfd, name, path, sizeof(path));
	if ((flags & O_CREAT) && decide(K_OPEN, fn, path, NULL))
		return -1;
	if (dfd == AT_FDCWD)
		fd = real_open(name, flags, mode);
	else
		fd = real_openat(dfd, name, flags, mode);
	if (fd != -1)
		fd_remember(fd, path);
	return fd;
}

int
open(const char *name, int flags, ...)
{
	va_list	ap;
	mode_t	mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return do_openat("open", AT_FDCWD, name, flags, mode);
}

int open64(const char *, int, ...);
int
open64(const char *name, int flags, ...)
{
	va_list	ap;
	mode_t	mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return do_openat("open", AT_FDCWD, name, flags, mode);
}

int
openat(int dfd, const char *name, int flags, ...)
{
	va_list	ap;
	mode_t	mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return do_openat("openat", dfd, name, flags, mode);
}

int openat64(int, const char *, int, ...);
int
openat64(int dfd, const char *name, int flags, ...)
{
	va_list	ap;
	mode_t	mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return do_openat("openat", dfd, name, flags, mode);
}

int
creat(const char *name, mode_t mode)
{
	return do_openat("creat", AT_FDCWD, name,
	    O_WRONLY | O_CREAT | O_TRUNC, mode);
}

int
close(int fd)
{
	init();
	fd_remember(fd, NULL);
	return real_close(fd);
}

int
link(const char *a, const char *b)
{
	char	pa[PATH_MAX], pb[PATH_MAX];

	init();
	if (decide(K_LINK, "link", atname(AT_FDCWD, a, pa, sizeof(pa)),
	    atname(AT_FDCWD, b, pb, sizeof(pb))))
		return -1;
	return real_link(a, b);
}

int
linkat(int da, const char *a, int db, const char *b, int fl)
{
	char	pa[PATH_MAX], pb[PATH_MAX];

	init();
	if (decide(K_LINK, "linkat", atname(da, a, pa, sizeof(pa)),
	    atname(db, b, pb, sizeof(pb))))
		return -1;
	return real_linkat(da, a, db, b, fl);
}

int
symlink(const char *target, const char *b)
{
	char	pb[PATH_MAX];

	init();
	if (decide(K_LINK, "symlink", atname(AT_FDCWD, b, pb, sizeof(pb)),
	    NULL))
		return -1;
	return real_symlink(target, b);
}

int
symlinkat(const char *target, int db, const char *b)
{
	char	pb[PATH_MAX];

	init();
	if (decide(K_LINK, "symlinkat", atname(db, b, pb, sizeof(pb)), NULL))
		return -1;
	return real_symlinkat(target, db, b);
}

int
mkdir(const char *name, mode_t mode)
{
	char	p[PATH_MAX];

	init();
	if (decide(K_MKDIR, "mkdir", atname(AT_FDCWD, name, p, sizeof(p)),
	    NULL))
		return -1;
	return real_mkdir(name, mode);
}

int
mkdirat(int dfd, const char *name, mode_t mode)
{
	char	p[PATH_MAX];

	init();
	if (decide(K_MKDIR, "mkdirat", atname(dfd, name, p, sizeof(p)), NULL))
		return -1;
	return real_mkdirat(dfd, name, mode);
}

/*
 * A library that "is not installed": the real dlopen of a path that does
 * not exist, so that dlerror() says what it says for a missing library.
 */
void *
dlopen(const char *name, int flags)
{
	char	gone[PATH_MAX];

	init();
	if (name != NULL && decide(K_DLOPEN, "dlopen", name, NULL)) {
		snprintf(gone, sizeof(gone), "/nonexistent-inject/%s",
		    strrchr(name, '/') != NULL ? strrchr(name, '/') + 1 :
		    name);
		return real_dlopen(gone, flags);
	}
	return real_dlopen(name, flags);
}
