/*
 * set.c: certificate sets on disk (NAME.pem, NAME-key.pem, NAME.csr and
 * the directory's ca.pem), in the fixed layout (each FILE replaced in
 * place, the previous one kept as FILE.bak) or in generations, and the
 * directory lock that keeps runs apart (exclusive, or shared by runs
 * that each write one member's set of a shared directory).
 *
 * Generations layout of a directory D:
 *   D/gen/<YYYYMMDDTHHMMSS.uuuuuuZ>-<serial hex>/
 *                                            a complete set (+ meta.json
 *                                            when the caller gives one)
 *   D/current -> gen/<g>                     relative symbolic link
 *   D/NAME.pem -> current/NAME.pem           (likewise -key.pem, .csr,
 *                                             ca.pem)
 * A generation is built under gen/.tmp-<pid>-<random>, made durable
 * (unless the caller asks for no sync: one syncfs of its file system
 * covers every file's contents and the directory's entries, where an
 * fsync of each would cost a flush per file), and only then renamed to
 * its final name, so a generation with a final name is always complete.
 * "current" is switched by renaming a new link
 * (current.tmp-<pid>-<random>) over it: a reader opening D/NAME.pem and then D/NAME-key.pem resolves
 * "current" once per open, so it may see two generations across the
 * switch, but each file it opens is whole.
 *
 * Every name is resolved relative to a descriptor of D, with
 * AT_SYMLINK_NOFOLLOW / O_NOFOLLOW on every component this code creates
 * or removes, and every file is created O_CREAT|O_EXCL|O_NOFOLLOW with its
 * final mode, so nothing planted at one of these names is followed.
 * Leftovers of an interrupted run carry a recognisable pattern and are
 * removed by pki_set_open(); the caller holds D's lock throughout
 * (pki_dir_lock, or pki_dir_lock_shared when other runs write other sets
 * of D at the same time).
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "config.h"
#include "internal.h"

#define LOCK_NAME	".etcd-pki.lock"
/* Runs in a row that found the lock held: "RUNS SINCE\n" (see dir_lock). */
#define BUSY_NAME	".etcd-pki.busy"
#define GEN_DIR		"gen"
#define GEN_PREFIX	"gen/"
#define CURRENT		"current"
#define CURRENT_PREFIX	"current/"
#define ROOT_SUFFIX	".gen"		/* D/NAME.gen: a set's own */
#define META_NAME	"meta.json"
#define TMP_TAG		".tmp-"
#define BAK_SUFFIX	".bak"
/* Random characters in our temporary names. */
#define TMP_RANDLEN	12
/* Attempts at a fresh temporary name, and at a free generation name. */
#define TMP_TRIES	16
#define GEN_TRIES	1000
/* Longest serial accepted in a generation name (20 octets = 40 digits). */
#define SERIAL_MAX	64

/* What a configured name in D is. */
#define F_MISSING	0
#define F_REGULAR	1
#define F_LINK		2	/* a link "current/<file>" */
#define F_OTHER		3	/* anything else */

struct pki_set {
	char	*dir;
	char	*name;
	int	 dfd;
	int	 layout;
	char	*current;		/* "gen/<g>", or NULL */
	char	*file[PKI_SET__COUNT];	/* NAME.pem, ... ca.pem */
	char	*path[PKI_SET__COUNT];	/* D/NAME.pem, ... */
	/*
	 * Where current and gen/ live: D itself, or, in a directory that
	 * holds other sets too (per), the set's own D/NAME.gen (-1 until a
	 * conversion makes it), whose files do not include ca.pem.
	 */
	int	 rfd;
	int	 per;
	int	 nfiles;		/* files of the set (PKI_SET_*) */
	char	*root;			/* "NAME.gen" */
	char	*rdir;			/* D or D/NAME.gen, for messages */
	char	*pfx;			/* the links' "current/" or
					   "NAME.gen/current/" */
};

/* Order in which the fixed layout writes a set: the key first. */
static const int fixed_order[PKI_SET__COUNT] = {
	PKI_SET_KEY, PKI_SET_CERT, PKI_SET_CSR, PKI_SET_CA
};

/* ---- small helpers -------------------------------------------------- */

/* A name this code may use as a generation: not hidden, one component. */
static int
comp_valid(const char *c)
{
	size_t	len = strlen(c);

	return len > 0 && len < NAME_MAX && c[0] != '.' &&
	    strchr(c, '/') == NULL;
}

/* For "gen/<g>" with a valid g, returns g; else NULL. */
static const char *
gen_comp(const char *gen)
{
	if (gen == NULL || strncmp(gen, GEN_PREFIX, strlen(GEN_PREFIX)) != 0)
		return NULL;
	gen += strlen(GEN_PREFIX);
	return comp_valid(gen) ? gen : NULL;
}

/* Fills buf with "PREFIX.tmp-<pid>-<random>". */
static int
tmp_name(char *buf, size_t size, const char *prefix, struct pki_error *err)
{
	char	suffix[TMP_RANDLEN + 1];
	int	n, r;

	if ((r = pki_file_random(suffix, TMP_RANDLEN, err)) != PKI_OK)
		return r;
	n = snprintf(buf, size, "%s" TMP_TAG "%ld-%s", prefix, (long)getpid(),
	    suffix);
	if (n < 0 || (size_t)n >= size)
		return pki_err(err, PKI_ERR_INTERNAL, "%s: name too long",
		    prefix);
	return PKI_OK;
}

/* fsync that tolerates file systems which cannot sync a directory. */
static int
sync_fd(int fd)
{
	if (fsync(fd) == -1 && errno != EINVAL && errno != EROFS)
		return -1;
	return 0;
}

/*
 * A staged generation's files are synced all at once by sync_stage(), or
 * each as it is written where there is no syncfs.
 */
#ifdef HAVE_SYNCFS
#define SYNC_EACH	0
#else
#define SYNC_EACH	1
#endif

/*
 * Makes the generation being built in tfd durable, its files and its
 * entries: one syncfs, or (without it) an fsync of the directory, its
 * files having been fsync'ed as written.  Returns 0 or -1 (errno set).
 */
static int
sync_stage(int tfd)
{
#ifdef HAVE_SYNCFS
	if (syncfs(tfd) == -1 && errno != EINVAL && errno != EROFS)
		return -1;
	return 0;
#else
	return sync_fd(tfd);
#endif
}

/*
 * Reads the regular file name in dfd (not following a final symbolic
 * link when nofollow is set): at most PKI_MAX_INPUT bytes, NUL-terminated.
 * The buffer never leaves an unwiped copy behind (it may hold a key).
 * st (optional) receives the file's status.  path names it in messages.
 */
static int
read_at(int dfd, const char *name, int nofollow, const char *path,
    char **bufp, size_t *lenp, struct stat *stp, struct pki_error *err)
{
	struct stat	 st;
	char		*buf = NULL, *nbuf;
	size_t		 cap, len = 0;
	ssize_t		 n;
	int		 fd = -1, r = PKI_ERR_INTERNAL;

	*bufp = NULL;
	*lenp = 0;
	/* Never blocks: a FIFO planted here is refused, not waited on. */
	if ((fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0))) == -1) {
		r = pki_err_sys(err, errno, "%s: cannot read", path);
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		r = pki_err_sys(err, errno, "%s: cannot read", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = pki_err_not_regular(err, path, st.st_mode);
		goto out;
	}
	if (st.st_size > PKI_MAX_INPUT) {
		r = pki_err(err, PKI_ERR_TOO_BIG, "%s: larger than %d MiB",
		    path, PKI_MAX_INPUT / (1024 * 1024));
		goto out;
	}
	cap = (size_t)st.st_size + 1;
	if (cap < 256)
		cap = 256;
	if ((buf = malloc(cap)) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		if (len + 1 == cap) {
			/* The file grew meanwhile: move without a trace. */
			if (cap > PKI_MAX_INPUT) {
				r = pki_err(err, PKI_ERR_TOO_BIG,
				    "%s: larger than %d MiB", path,
				    PKI_MAX_INPUT / (1024 * 1024));
				goto out;
			}
			if ((nbuf = malloc(cap * 2)) == NULL) {
				r = pki_err(err, PKI_ERR_ALLOC,
				    "%s: out of memory", path);
				goto out;
			}
			memcpy(nbuf, buf, len);
			pki_secret_free(buf, cap);
			buf = nbuf;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r = pki_err_sys(err, errno, "%s: cannot read", path);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > PKI_MAX_INPUT) {
		r = pki_err(err, PKI_ERR_TOO_BIG, "%s: larger than %d MiB",
		    path, PKI_MAX_INPUT / (1024 * 1024));
		goto out;
	}
	buf[len] = '\0';
	if (stp != NULL)
		*stp = st;
	*bufp = buf;
	*lenp = len;
	buf = NULL;
	r = PKI_OK;
 out:
	if (buf != NULL)
		pki_secret_free(buf, cap);
	if (fd != -1)
		(void)close(fd);
	return r;
}

/* The mode for file which, like *like when given. */
static mode_t
file_mode(int which, const struct stat *like)
{
	if (which == PKI_SET_KEY)
		/* Never readable by others, whatever the old file was. */
		return like != NULL ? (like->st_mode & 0660) | 0600 : 0600;
	return like != NULL ? (like->st_mode & 0666) | 0600 : 0644;
}

/*
 * Copies the regular file sname in sdfd to the new file dname in ddfd
 * with the same mode and (when permitted) owner.
 */
static int
copy_at(int sdfd, const char *sname, int ddfd, const char *dname, int sync,
    const char *path, struct pki_error *err)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0;
	int		 r;

	if ((r = read_at(sdfd, sname, 1, path, &buf, &len, &st,
	    err)) != PKI_OK)
		return r;
	if (pki_file_write_new(ddfd, dname, buf, len, st.st_mode & 0777, &st,
	    sync) == -1)
		r = pki_err_sys(err, errno, "%s: cannot copy", path);
	pki_secret_free(buf, len + 1);
	return r;
}

/*
 * Removes name in dfd: a directory with the files in it (one level: this
 * code never creates deeper ones), anything else by unlink, never
 * following a symbolic link.  Returns 0, or -1 with errno set.
 */
static int
remove_tree(int dfd, const char *name)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	int		 fd, e = 0;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dfd, name, 0);
	if ((d = pki_dir_open_at(dfd, name)) == NULL)
		return -1;
	fd = dirfd(d);
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(fd, de->d_name, 0) == -1 && (errno != EISDIR ||
		    unlinkat(fd, de->d_name, AT_REMOVEDIR) == -1) && e == 0)
			e = errno;
	}
	if (errno != 0 && e == 0)
		e = errno;
	(void)closedir(d);
	if (unlinkat(dfd, name, AT_REMOVEDIR) == -1)
		return -1;
	if (e != 0) {
		errno = e;
		return -1;
	}
	return 0;
}

/* Opens the directory name in dfd without following a link. */
static int
open_dir_at(int dfd, const char *name)
{
	return openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
}

/*
 * Who owns a new private key and its mode (pki_owner_key decides, with
 * u->owner first).  The old key file *like, found in the directory gdfd
 * (a generation, or -1 for D itself), lends its owner, group and
 * group-read bit only when the caller vouches for the old pair
 * (u->key_owner_ok: the old key matched its certificate) and no user
 * other than root, the caller and the old key's owner can write that
 * file or any directory from it up to D (gen/<g>, gen/, D): someone who
 * could have planted it never receives the new key.  Otherwise the key
 * is the caller's, 0600, and u->note (when given) says why.  Returns the
 * status to copy the owner from (own, or like for a conversion).
 */
static const struct stat *
key_owner(const struct pki_set *s, int gdfd, const struct pki_set_update *u,
    const struct stat *like, mode_t *mode, struct stat *own)
{
	struct stat	 st;
	const char	*why = NULL;
	int		 gfd;

	if (like != NULL && u->key_owner_ok == PKI_KEYOWN_SAME) {
		*mode = file_mode(PKI_SET_KEY, like);
		return like;	/* the old file's own data */
	}
	if (like == NULL || (u->owner != NULL && u->owner->has_user))
		;	/* nothing to inherit, or not from it */
	else if (u->key_owner_ok != PKI_KEYOWN_PAIR)
		why = "its key did not match its certificate";
	else if (pki_owner_others_write(like, like->st_uid))
		why = "another user could write the key file";
	else if (fstat(s->dfd, &st) == -1 ||
	    pki_owner_others_write(&st, like->st_uid))
		why = "another user could write the directory";
	else if (gdfd != -1) {
		if (fstat(gdfd, &st) == -1 ||
		    pki_owner_others_write(&st, like->st_uid))
			why = "another user could write the generation";
		else if (s->per && (fstat(s->rfd, &st) == -1 ||
		    pki_owner_others_write(&st, like->st_uid)))
			why = "another user could write the set's NAME.gen/";
		else if ((gfd = open_dir_at(s->rfd, GEN_DIR)) == -1)
			why = "gen/ cannot be examined";
		else {
			if (fstat(gfd, &st) == -1 ||
			    pki_owner_others_write(&st, like->st_uid))
				why = "another user could write gen/";
			(void)close(gfd);
		}
	}
	return pki_owner_key(u->owner, like, why, s->path[PKI_SET_KEY], own,
	    mode, u->note, u->notelen);
}

/*
 * Reads D/current into buf; returns 0 if it is a link "gen/<g>" with a
 * valid g, -1 with errno set otherwise (EINVAL: a link of another form).
 */
static int
read_current(int dfd, char *buf, size_t size)
{
	ssize_t	n;

	if ((n = readlinkat(dfd, CURRENT, buf, size - 1)) == -1)
		return -1;
	if ((size_t)n >= size - 1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	buf[n] = '\0';
	if (gen_comp(buf) == NULL) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* Opens generation gen ("gen/<g>") of s; *fd is -1 on failure. */
static int
open_gen(const struct pki_set *s, const char *gen, int *fd,
    struct pki_error *err)
{
	const char	*g;
	int		 gfd;

	*fd = -1;
	if ((g = gen_comp(gen)) == NULL)
		return pki_err(err, PKI_ERR_ARG, "%s: \"%s\": not a generation",
		    s->dir, gen == NULL ? "(null)" : gen);
	if ((gfd = open_dir_at(s->rfd, GEN_DIR)) == -1)
		return pki_err_sys(err, errno, "%s/%s: cannot open", s->rdir,
		    GEN_DIR);
	*fd = open_dir_at(gfd, g);
	(void)close(gfd);
	if (*fd == -1)
		return pki_err_sys(err, errno, "%s/%s: cannot open", s->rdir,
		    gen);
	return PKI_OK;
}

/*
 * What the configured name of file which is: F_MISSING, F_REGULAR,
 * F_LINK ("current/<file>") or F_OTHER; -1 with errno on error.
 */
static int
file_state(const struct pki_set *s, int which, struct stat *stp)
{
	char	buf[PATH_MAX];
	ssize_t	n;

	if (fstatat(s->dfd, s->file[which], stp, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? F_MISSING : -1;
	if (S_ISREG(stp->st_mode))
		return F_REGULAR;
	if (!S_ISLNK(stp->st_mode))
		return F_OTHER;
	if ((n = readlinkat(s->dfd, s->file[which], buf, sizeof(buf) - 1)) ==
	    -1)
		return -1;
	buf[n] = '\0';
	if (strncmp(buf, s->pfx, strlen(s->pfx)) == 0 &&
	    strcmp(buf + strlen(s->pfx), s->file[which]) == 0)
		return F_LINK;
	return F_OTHER;
}

/* file_state() with an error message; *state receives the state. */
static int
file_state_err(const struct pki_set *s, int which, int *state,
    struct stat *stp, struct pki_error *err)
{
	if ((*state = file_state(s, which, stp)) == -1)
		return pki_err_sys(err, errno, "%s: cannot stat",
		    s->path[which]);
	if (*state == F_OTHER)
		return pki_err(err, PKI_ERR_INPUT, "%s: not a regular file "
		    "nor a link to %s%s", s->path[which], s->pfx,
		    s->file[which]);
	return PKI_OK;
}

/* ---- leftovers of interrupted runs ---------------------------------- */

/* 1 if s is ".tmp-" followed by anything. */
static int
is_tmp(const char *s)
{
	return strncmp(s, TMP_TAG, strlen(TMP_TAG)) == 0;
}

/* 1 if name in D is a leftover of set s. */
static int
is_leftover(const struct pki_set *s, const char *name)
{
	size_t	i, flen;

	if (strncmp(name, CURRENT, strlen(CURRENT)) == 0 &&
	    is_tmp(name + strlen(CURRENT)))
		return 1;
	for (i = 0; i < PKI_SET__COUNT; i++) {
		flen = strlen(s->file[i]);
		if (strncmp(name, s->file[i], flen) == 0 &&
		    (is_tmp(name + flen) ||
		    (strncmp(name + flen, BAK_SUFFIX, strlen(BAK_SUFFIX)) ==
		    0 && is_tmp(name + flen + strlen(BAK_SUFFIX)))))
			return 1;
		if (pki_file_is_tmp_of(name, s->file[i]))
			return 1;
	}
	return 0;
}

/* Removes every leftover in fd matching match(s, name). */
static int
sweep(const struct pki_set *s, int fd, const char *where,
    int (*match)(const struct pki_set *, const char *),
    struct pki_error *err)
{
	struct dirent	*de;
	DIR		*d;
	int		 dfd, r = PKI_OK;

	if ((dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return pki_err_sys(err, errno, "%s: cannot open", where);
	if ((d = fdopendir(dfd)) == NULL) {
		r = pki_err_sys(err, errno, "%s: cannot open", where);
		(void)close(dfd);
		return r;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (!match(s, de->d_name))
			continue;
		if (remove_tree(fd, de->d_name) == -1 && errno != ENOENT &&
		    r == PKI_OK)
			r = pki_err_sys(err, errno, "%s/%s: cannot remove",
			    where, de->d_name);
	}
	if (errno != 0 && r == PKI_OK)
		r = pki_err_sys(err, errno, "%s: cannot list", where);
	(void)closedir(d);
	return r;
}

static int
is_gen_leftover(const struct pki_set *s, const char *name)
{
	return is_tmp(name);
}

/* Removes what an interrupted run left in D and D/gen. */
static int
cleanup(const struct pki_set *s, struct pki_error *err)
{
	char	where[PATH_MAX];
	int	gfd, r;

	if ((r = sweep(s, s->dfd, s->dir, is_leftover, err)) != PKI_OK)
		return r;
	if (s->rfd == -1)
		return PKI_OK;
	if (s->rfd != s->dfd && (r = sweep(s, s->rfd, s->rdir, is_leftover,
	    err)) != PKI_OK)
		return r;
	if ((gfd = open_dir_at(s->rfd, GEN_DIR)) == -1)
		return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ?
		    PKI_OK : pki_err_sys(err, errno, "%s/%s: cannot open",
		    s->rdir, GEN_DIR);
	snprintf(where, sizeof(where), "%s/%s", s->rdir, GEN_DIR);
	r = sweep(s, gfd, where, is_gen_leftover, err);
	(void)close(gfd);
	return r;
}

/* ---- lock ----------------------------------------------------------- */

/*
 * Reads DIR's busy count (the descriptor of DIR is dfd): 0 with *runs = 0
 * when there is none, -1 when it cannot be read or parsed.
 */
static int
busy_read(int dfd, unsigned *runs, int64_t *since)
{
	char		 buf[64], *end;
	unsigned long	 n;
	long long	 t;
	ssize_t		 len;
	int		 fd;

	*runs = 0;
	*since = 0;
	if ((fd = openat(dfd, BUSY_NAME, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	len = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	errno = 0;
	n = strtoul(buf, &end, 10);
	if (errno != 0 || end == buf || *end != ' ' || n > UINT_MAX)
		return -1;
	t = strtoll(end + 1, &end, 10);
	if (errno != 0 || *end != '\n')
		return -1;
	*runs = (unsigned)n;
	*since = t;
	return 0;
}

/*
 * Counts one more run that found DIR's lock held, so that a run that
 * hangs while it holds the lock shows (pki_dir_lock_busy).  Best effort:
 * the count is written atomically, and a failure only loses it.
 */
static void
busy_note(int dfd, const char *dir)
{
	struct pki_file	 f;
	unsigned	 runs;
	int64_t		 since;
	char		 text[64], path[PATH_MAX];

	if (busy_read(dfd, &runs, &since) == -1 || runs == 0) {
		runs = 0;
		since = (int64_t)time(NULL);
	}
	snprintf(text, sizeof(text), "%u %lld\n", runs + 1, (long long)since);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, BUSY_NAME) >=
	    sizeof(path))
		return;
	f.path = path;
	f.data = text;
	f.len = strlen(text);
	f.mode = 0644;
	if (pki_file_write_set(&f, 1, NULL) != PKI_OK)
		return;		/* the count is lost, nothing else */
}

int
pki_dir_lock_busy(const char *dir, unsigned *runs, int64_t *since)
{
	int	dfd, r;

	*runs = 0;
	*since = 0;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	r = busy_read(dfd, runs, since);
	(void)close(dfd);
	return r;
}

static int
dir_lock(const char *dir, int op, int *fd, struct pki_error *err)
{
	struct stat	st;
	char		path[PATH_MAX];
	int		dfd = -1, lfd = -1, r = PKI_ERR_INTERNAL;

	*fd = -1;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return pki_err_sys(err, errno, "%s: cannot open", dir);
	if ((lfd = openat(dfd, LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC, 0600)) == -1) {
		r = pki_err_sys(err, errno, "%s/%s: cannot open", dir,
		    LOCK_NAME);
		goto out;
	}
	if (fstat(lfd, &st) == -1) {
		r = pki_err_sys(err, errno, "%s/%s: cannot open", dir,
		    LOCK_NAME);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(path, sizeof(path), "%s/%s", dir, LOCK_NAME);
		r = pki_err_not_regular(err, path, st.st_mode);
		goto out;
	}
	while (flock(lfd, op | LOCK_NB) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK) {
			r = pki_err(err, PKI_ERR_BUSY, "%s: another etcd-pki "
			    "run holds %s/%s", dir, dir, LOCK_NAME);
			busy_note(dfd, dir);
		} else
			r = pki_err_sys(err, errno, "%s/%s: cannot lock", dir,
			    LOCK_NAME);
		goto out;
	}
	/* Taken: the runs that found it held are over. */
	if (unlinkat(dfd, BUSY_NAME, 0) == 0 && op == LOCK_EX)
		(void)sync_fd(dfd);
	*fd = lfd;
	lfd = -1;
	r = PKI_OK;
 out:
	if (lfd != -1)
		(void)close(lfd);
	(void)close(dfd);
	return r;
}

int
pki_dir_lock(const char *dir, int *fd, struct pki_error *err)
{
	return dir_lock(dir, LOCK_EX, fd, err);
}

int
pki_dir_lock_shared(const char *dir, int *fd, struct pki_error *err)
{
	return dir_lock(dir, LOCK_SH, fd, err);
}

/* ---- open ----------------------------------------------------------- */

void
pki_strv_free(char **v, size_t n)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
pki_set_free(struct pki_set *s)
{
	size_t	i;

	if (s == NULL)
		return;
	if (s->rfd != -1 && s->rfd != s->dfd)
		(void)close(s->rfd);
	if (s->dfd != -1)
		(void)close(s->dfd);
	free(s->root);
	free(s->rdir);
	free(s->pfx);
	for (i = 0; i < PKI_SET__COUNT; i++) {
		free(s->file[i]);
		free(s->path[i]);
	}
	free(s->current);
	free(s->name);
	free(s->dir);
	free(s);
}

/*
 * Why the generation gen ("gen/<g>", st its status) cannot be the active
 * one, or NULL: made by another user than the caller or root, writable
 * by group or others, or named from a time more than PKI_GEN_SKEW
 * seconds ahead of the clock (it would sort after every generation made
 * from now on).
 */
static const char *
gen_untrusted(const char *gen, const struct stat *st)
{
	struct tm	tm;
	const char	*end;

	if ((st->st_uid != 0 && st->st_uid != geteuid()) ||
	    (st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return "not made by this user (owned by another one, or "
		    "writable by group or others)";
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(gen + strlen(GEN_PREFIX), "%Y%m%dT%H%M%S",
	    &tm)) == NULL || *end != '.')
		return "not a generation name (YYYYMMDDTHHMMSS.uuuuuuZ-SERIAL)";
	if (timegm(&tm) > time(NULL) + PKI_GEN_SKEW)
		return "named from the future (more than " PKI_GEN_SKEW_TEXT
		    " ahead of the clock)";
	return NULL;
}

/*
 * The generation dfd's current points at, into buf: 1 and *st its
 * status; 0 when there is no current (the fixed layout); -1 when current
 * is not a link to a directory in gen/; -2 when current cannot be
 * examined (errno set).
 */
static int
current_gen(int dfd, char *buf, size_t size, struct stat *st)
{
	if (fstatat(dfd, CURRENT, st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : -2;
	if (!S_ISLNK(st->st_mode) || read_current(dfd, buf, size) == -1)
		return -1;
	/* gen itself must be a directory, not a link to one. */
	if (fstatat(dfd, GEN_DIR, st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISDIR(st->st_mode) ||
	    fstatat(dfd, buf, st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISDIR(st->st_mode))
		return -1;
	return 1;
}

const char *
pki_set_gen_untrusted(const char *dir, char *gen, size_t size)
{
	struct stat	 st;
	const char	*why = NULL;
	int		 dfd;

	if (size > 0)
		gen[0] = '\0';
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return NULL;
	if (current_gen(dfd, gen, size, &st) == 1)
		why = gen_untrusted(gen, &st);
	(void)close(dfd);
	return why;
}

/* Detects the layout of s (see pki_set_open). */
static int
detect_layout(struct pki_set *s, struct pki_error *err)
{
	struct stat	st;
	char		buf[PATH_MAX];
	const char	*why;
	int		r;

	free(s->current);
	s->current = NULL;
	s->layout = PKI_LAYOUT_FIXED;
	if (s->rfd == -1 ||
	    (r = current_gen(s->rfd, buf, sizeof(buf), &st)) == 0)
		return PKI_OK;
	if (r == -2)
		return pki_err_sys(err, errno, "%s/%s: cannot stat", s->rdir,
		    CURRENT);
	if (r == -1)
		goto bad;
	if ((why = gen_untrusted(buf, &st)) != NULL)
		return pki_err(err, PKI_ERR_INPUT, "%s/%s -> %s: refused: %s",
		    s->rdir, CURRENT, buf, why);
	if ((s->current = strdup(buf)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	s->layout = PKI_LAYOUT_GENERATIONS;
	return PKI_OK;
 bad:
	return pki_err(err, PKI_ERR_INPUT, "%s/%s: not a link into %s/",
	    s->rdir, CURRENT, GEN_DIR);
}

/*
 * 1 when D holds another set than s: its generations (D/current) hold no
 * NAME.pem while D/NAME.pem is a file of its own, or another set's
 * certificate and key (X.pem and X-key.pem: etcd2, or the CA's own ca)
 * are there.  0 otherwise, -1 when D cannot be listed.
 */
static int
shared_dir(const struct pki_set *s)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	char		 p[PATH_MAX];
	size_t		 l;
	int		 fd, found = 0;

	if (fstatat(s->dfd, CURRENT, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		/* A current that is not sound is detect_layout's to refuse. */
		if (current_gen(s->dfd, p, sizeof(p), &st) != 1)
			return 0;
		snprintf(p, sizeof(p), CURRENT_PREFIX "%s",
		    s->file[PKI_SET_CERT]);
		return fstatat(s->dfd, p, &st, 0) == -1 && errno == ENOENT &&
		    fstatat(s->dfd, s->file[PKI_SET_CERT], &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
	}
	if ((fd = openat(s->dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			(void)close(fd);
		return -1;
	}
	while (!found && (de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		if (l <= 8 || strcmp(de->d_name + l - 8, "-key.pem") != 0 ||
		    strcmp(de->d_name, s->file[PKI_SET_KEY]) == 0 ||
		    de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%.*s.pem", (int)(l - 8), de->d_name);
		found = fstatat(s->dfd, p, &st, AT_SYMLINK_NOFOLLOW) == 0;
	}
	(void)closedir(d);
	return found;
}

/* Where s's generations live (see struct pki_set). */
static int
choose_root(struct pki_set *s, struct pki_error *err)
{
	struct stat	st;
	int		sh;

	s->rfd = s->dfd;
	s->nfiles = PKI_SET__COUNT;
	if (fstatat(s->dfd, s->root, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISDIR(st.st_mode))
			return pki_err(err, PKI_ERR_INPUT, "%s/%s: not a "
			    "directory", s->dir, s->root);
		if ((s->rfd = open_dir_at(s->dfd, s->root)) == -1)
			return pki_err_sys(err, errno, "%s/%s: cannot open",
			    s->dir, s->root);
		sh = 1;
	} else if (errno != ENOENT)
		return pki_err_sys(err, errno, "%s/%s: cannot stat", s->dir,
		    s->root);
	else if ((sh = shared_dir(s)) == -1)
		return pki_err_sys(err, errno, "%s: cannot list", s->dir);
	else if (sh)
		s->rfd = -1;
	s->per = sh;
	if (sh)
		s->nfiles = PKI_SET_CA;
	if ((sh && (asprintf(&s->rdir, "%s/%s", s->dir, s->root) == -1 ||
	    asprintf(&s->pfx, "%s/" CURRENT_PREFIX, s->root) == -1)) ||
	    (!sh && ((s->rdir = strdup(s->dir)) == NULL ||
	    (s->pfx = strdup(CURRENT_PREFIX)) == NULL))) {
		s->rdir = s->pfx = NULL;
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	}
	return PKI_OK;
}

int
pki_set_open(const char *dir, const char *name, struct pki_set **out,
    struct pki_error *err)
{
	struct pki_set			*s = NULL;
	size_t				 i;
	int				 r = PKI_ERR_INTERNAL, n;

	*out = NULL;
	if (dir == NULL || *dir == '\0' || name == NULL || *name == '\0' ||
	    strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return pki_err(err, PKI_ERR_ARG, "%s: invalid set name \"%s\"",
		    dir == NULL ? "(null)" : dir, name == NULL ? "(null)" :
		    name);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	s->dfd = s->rfd = -1;
	if ((s->dir = strdup(dir)) == NULL || (s->name = strdup(name)) ==
	    NULL || asprintf(&s->root, "%s" ROOT_SUFFIX, name) == -1) {
		s->root = NULL;
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	for (i = 0; i < PKI_SET__COUNT; i++) {
		if (i == PKI_SET_CERT)
			n = asprintf(&s->file[i], "%s.pem", name);
		else if (i == PKI_SET_KEY)
			n = asprintf(&s->file[i], "%s-key.pem", name);
		else if (i == PKI_SET_CSR)
			n = asprintf(&s->file[i], "%s.csr", name);
		else
			n = asprintf(&s->file[i], "ca.pem");
		if (n == -1) {
			s->file[i] = NULL;
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
			goto out;
		}
		if (strlen(s->file[i]) + 40 > NAME_MAX) {
			r = pki_err(err, PKI_ERR_ARG, "%s: set name too long",
			    dir);
			goto out;
		}
		if (asprintf(&s->path[i], "%s/%s", dir, s->file[i]) == -1) {
			s->path[i] = NULL;
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
			goto out;
		}
	}
	if ((s->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		r = pki_err_sys(err, errno, "%s: cannot open", dir);
		goto out;
	}
	if ((r = choose_root(s, err)) != PKI_OK ||
	    (r = cleanup(s, err)) != PKI_OK ||
	    (r = detect_layout(s, err)) != PKI_OK)
		goto out;
	*out = s;
	s = NULL;
	r = PKI_OK;
 out:
	pki_set_free(s);
	return r;
}

int
pki_set_layout(const struct pki_set *s)
{
	return s->layout;
}

const char *
pki_set_current(const struct pki_set *s)
{
	return s->layout == PKI_LAYOUT_GENERATIONS ? s->current : NULL;
}

const char *
pki_set_links_to(const struct pki_set *s)
{
	return s->pfx;
}

const char *
pki_set_path(const struct pki_set *s, int which)
{
	if (which < 0 || which >= PKI_SET__COUNT)
		return NULL;
	return s->path[which];
}

/* ---- reading -------------------------------------------------------- */

int
pki_set_read_gen(const struct pki_set *s, const char *gen, int which,
    char **buf, size_t *len, struct pki_error *err)
{
	char	path[PATH_MAX];
	int	gfd, r;

	*buf = NULL;
	*len = 0;
	if (which < 0 || which >= PKI_SET__COUNT)
		return pki_err(err, PKI_ERR_ARG, "%s: no such file %d", s->dir,
		    which);
	if ((r = open_gen(s, gen, &gfd, err)) != PKI_OK)
		return r;
	snprintf(path, sizeof(path), "%s/%s/%s", s->dir, gen, s->file[which]);
	r = read_at(gfd, s->file[which], 1, path, buf, len, NULL, err);
	(void)close(gfd);
	return r;
}

int
pki_set_read(const struct pki_set *s, int which, char **buf, size_t *len,
    struct pki_error *err)
{
	char	cur[PATH_MAX];

	*buf = NULL;
	*len = 0;
	if (which < 0 || which >= PKI_SET__COUNT)
		return pki_err(err, PKI_ERR_ARG, "%s: no such file %d", s->dir,
		    which);
	if (s->layout == PKI_LAYOUT_FIXED || which >= s->nfiles)
		return read_at(s->dfd, s->file[which], 0, s->path[which], buf,
		    len, NULL, err);
	/* Where "current" points now, which may be newer than s->current. */
	if (read_current(s->rfd, cur, sizeof(cur)) == -1)
		return errno == EINVAL ? pki_err(err, PKI_ERR_INPUT,
		    "%s/%s: not a link into %s/", s->rdir, CURRENT, GEN_DIR) :
		    pki_err_sys(err, errno, "%s/%s: cannot read", s->rdir,
		    CURRENT);
	return pki_set_read_gen(s, cur, which, buf, len, err);
}

/* ---- generations ---------------------------------------------------- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
pki_set_generations(const struct pki_set *s, char ***gens, size_t *n,
    struct pki_error *err)
{
	struct pki_strv	 sv = { NULL, 0 };
	struct dirent	*de;
	struct stat	 st;
	DIR		*d = NULL;
	char		 buf[PATH_MAX];
	int		 gfd, r = PKI_ERR_INTERNAL;

	*gens = NULL;
	*n = 0;
	if (s->rfd == -1)
		return PKI_OK;
	if ((gfd = open_dir_at(s->rfd, GEN_DIR)) == -1) {
		if (errno == ENOENT)
			return PKI_OK;
		return pki_err_sys(err, errno, "%s/%s: cannot open", s->rdir,
		    GEN_DIR);
	}
	if ((d = fdopendir(gfd)) == NULL) {
		r = pki_err_sys(err, errno, "%s/%s: cannot open", s->rdir,
		    GEN_DIR);
		(void)close(gfd);
		goto out;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (!comp_valid(de->d_name) || fstatat(gfd, de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISDIR(st.st_mode))
			continue;
		snprintf(buf, sizeof(buf), GEN_PREFIX "%s", de->d_name);
		if ((r = pki_strv_push(&sv, buf)) != PKI_OK) {
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
			goto out;
		}
	}
	if (errno != 0) {
		r = pki_err_sys(err, errno, "%s/%s: cannot list", s->rdir,
		    GEN_DIR);
		goto out;
	}
	if (sv.n > 0)
		qsort(sv.v, sv.n, sizeof(*sv.v), cmp_str);
	*gens = sv.v;
	*n = sv.n;
	sv.v = NULL;
	sv.n = 0;
	r = PKI_OK;
 out:
	if (d != NULL)
		(void)closedir(d);
	pki_strv_clear(&sv);
	return r;
}

/*
 * Makes D/gen (0755) when missing; *created tells whether it was.  Returns
 * a descriptor of it in *gfd.
 */
static int
gen_dir(const struct pki_set *s, int *gfd, int *created,
    struct pki_error *err)
{
	*created = 0;
	if (mkdirat(s->rfd, GEN_DIR, 0755) == 0)
		*created = 1;
	else if (errno != EEXIST)
		return pki_err_sys(err, errno, "%s/%s: cannot create", s->rdir,
		    GEN_DIR);
	if ((*gfd = open_dir_at(s->rfd, GEN_DIR)) == -1)
		return pki_err_sys(err, errno, "%s/%s: cannot open", s->rdir,
		    GEN_DIR);
	/* Readers (etcd) must traverse it whatever the umask. */
	if (*created && fchmod(*gfd, 0755) == -1)
		return pki_err_sys(err, errno, "%s/%s: cannot chmod", s->rdir,
		    GEN_DIR);
	return PKI_OK;
}

/* 1 if serial is 1..SERIAL_MAX hex digits. */
static int
serial_valid(const char *serial)
{
	size_t	i;

	if (serial == NULL || *serial == '\0' || strlen(serial) > SERIAL_MAX)
		return 0;
	for (i = 0; serial[i] != '\0'; i++)
		if (!((serial[i] >= '0' && serial[i] <= '9') ||
		    (serial[i] >= 'a' && serial[i] <= 'f') ||
		    (serial[i] >= 'A' && serial[i] <= 'F')))
			return 0;
	return 1;
}

/*
 * The time part of a new generation's name, YYYYMMDDTHHMMSS.uuuuuuZ in
 * UTC: now, with the clock's microseconds when now is the current second,
 * moved to 1 us after the newest existing generation when it would not
 * sort after it (several renewals in one second, a clock set back), so
 * that the names sort in the order the generations were made.
 */
static int
gen_stamp(const struct pki_set *s, time_t now, char *stamp, size_t len,
    struct pki_error *err)
{
	struct timespec	 ts;
	struct tm	 tm, lt;
	char		**g = NULL, *end;
	size_t		 n = 0;
	long		 usec = 0, lu = 0;
	time_t		 lsec;
	int		 r;

	if (clock_gettime(CLOCK_REALTIME, &ts) == 0 && ts.tv_sec == now)
		usec = ts.tv_nsec / 1000;
	if ((r = pki_set_generations(s, &g, &n, err)) != PKI_OK)
		return r;
	memset(&lt, 0, sizeof(lt));
	if (n > 0 && (end = strptime(g[n - 1] + strlen(GEN_DIR) + 1,
	    "%Y%m%dT%H%M%S", &lt)) != NULL) {
		if (*end == '.')
			lu = strtol(end + 1, NULL, 10);
		lsec = timegm(&lt);
		if (lsec > now || (lsec == now && lu >= usec)) {
			now = lsec;
			usec = lu + 1;
			if (usec >= 1000000) {
				now++;
				usec = 0;
			}
		}
	}
	pki_strv_free(g, n);
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(stamp, len, "%Y%m%dT%H%M%S", &tm) == 0 ||
	    (size_t)snprintf(stamp + strlen(stamp), len - strlen(stamp),
	    ".%06ldZ", usec) >= len - strlen(stamp))
		return pki_err(err, PKI_ERR_ARG, "%s: invalid time %lld",
		    s->dir, (long long)now);
	return PKI_OK;
}

/*
 * Builds a new generation from base (a descriptor of the generation to
 * start from, or -1) and u under gen/.tmp-*, and renames it to its final
 * name.  For a file written anew, the mode and owner follow the file of
 * that name in base, else the regular file in D (a conversion), else the
 * defaults (key 0600, others 0644).
 */
static int
stage(struct pki_set *s, int base, const struct pki_set_update *u,
    char **genp, struct pki_error *err)
{
	struct stat	 st, own;
	const struct stat *like;
	struct dirent	*de;
	DIR		*d = NULL;
	mode_t		 mode;
	char		 tmp[NAME_MAX + 1], final[NAME_MAX + 1];
	char		 stamp[32], path[PATH_MAX];
	time_t		 now;
	size_t		 i;
	int		 gfd = -1, tfd = -1, bfd = -1, lfd, created = 0;
	int		 r = PKI_ERR_INTERNAL, k, replaced, sync = !u->no_sync;
	int		 staged = 0;

	*genp = NULL;
	if (!serial_valid(u->serial_hex))
		return pki_err(err, PKI_ERR_ARG, "%s: invalid serial \"%s\"",
		    s->dir, u->serial_hex == NULL ? "(null)" : u->serial_hex);
	now = u->now != 0 ? u->now : time(NULL);
	if ((r = gen_dir(s, &gfd, &created, err)) != PKI_OK ||
	    (r = gen_stamp(s, now, stamp, sizeof(stamp), err)) != PKI_OK)
		goto out;
	for (k = 0; k < TMP_TRIES; k++) {
		if ((r = tmp_name(tmp, sizeof(tmp), "", err)) != PKI_OK)
			goto out;
		if (mkdirat(gfd, tmp, 0700) == 0)
			break;
		if (errno != EEXIST) {
			r = pki_err_sys(err, errno, "%s/%s/%s: cannot create",
			    s->rdir, GEN_DIR, tmp);
			goto out;
		}
	}
	if (k == TMP_TRIES) {
		r = pki_err_sys(err, EEXIST, "%s/%s: cannot create", s->rdir,
		    GEN_DIR);
		goto out;
	}
	staged = 1;
	snprintf(path, sizeof(path), "%s/%s/%s", s->rdir, GEN_DIR, tmp);
	if ((tfd = open_dir_at(gfd, tmp)) == -1 || fchmod(tfd, 0755) == -1) {
		r = pki_err_sys(err, errno, "%s: cannot open", path);
		goto out;
	}

	/* What stays: every regular file of base not replaced by u. */
	if (base != -1) {
		if ((bfd = openat(base, ".", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) == -1 || (d = fdopendir(bfd)) == NULL) {
			r = pki_err_sys(err, errno, "%s/%s: cannot list",
			    s->rdir, s->current);
			goto out;
		}
		bfd = -1;
		while ((errno = 0, de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.' || fstatat(base, de->d_name,
			    &st, AT_SYMLINK_NOFOLLOW) == -1 ||
			    !S_ISREG(st.st_mode))
				continue;
			replaced = strcmp(de->d_name, META_NAME) == 0 &&
			    u->meta != NULL;
			for (i = 0; i < PKI_SET__COUNT; i++)
				if (strcmp(de->d_name, s->file[i]) == 0 &&
				    u->data[i] != NULL)
					replaced = 1;
			if (replaced ||
			    linkat(base, de->d_name, tfd, de->d_name, 0) == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s", s->rdir,
			    s->current, de->d_name);
			if ((r = copy_at(base, de->d_name, tfd, de->d_name,
			    sync && SYNC_EACH, path, err)) != PKI_OK)
				goto out;
		}
		if (errno != 0) {
			r = pki_err_sys(err, errno, "%s/%s: cannot list",
			    s->rdir, s->current);
			goto out;
		}
	}

	/* What changes. */
	for (i = 0; i <= PKI_SET__COUNT; i++) {
		const char	*name = i < PKI_SET__COUNT ? s->file[i] :
				    META_NAME;
		const char	*data = i < PKI_SET__COUNT ? u->data[i] :
				    u->meta;
		size_t		 len = i < PKI_SET__COUNT ? u->len[i] :
				    u->metalen;

		if (data == NULL)
			continue;
		like = NULL;
		lfd = -1;
		if (base != -1 && fstatat(base, name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
			like = &st;
			lfd = base;
		} else if (fstatat(s->dfd, name, &st, AT_SYMLINK_NOFOLLOW) ==
		    0 && S_ISREG(st.st_mode))
			like = &st;
		if (i == PKI_SET_KEY)
			like = key_owner(s, lfd, u, like, &mode, &own);
		else
			mode = file_mode(i < PKI_SET__COUNT ? (int)i :
			    PKI_SET_CERT, like);
		if (pki_file_write_new(tfd, name, data, len, mode, like,
		    sync && SYNC_EACH) == -1) {
			r = pki_err_sys(err, errno, "%s/%s/%s/%s: cannot write",
			    s->rdir, GEN_DIR, tmp, name);
			goto out;
		}
	}
	if (sync && sync_stage(tfd) == -1) {
		r = pki_err_sys(err, errno, "%s/%s/%s: cannot sync", s->rdir,
		    GEN_DIR, tmp);
		goto out;
	}

	/* Complete: give it its name, never replacing another one. */
	for (k = 1; k <= GEN_TRIES; k++) {
		if (k == 1)
			snprintf(final, sizeof(final), "%s-%s", stamp,
			    u->serial_hex);
		else
			snprintf(final, sizeof(final), "%s-%s-%d", stamp,
			    u->serial_hex, k);
		if (renameat2(gfd, tmp, gfd, final, RENAME_NOREPLACE) == 0)
			break;
		if (errno == EEXIST || errno == ENOTEMPTY)
			continue;
		if (errno != EINVAL && errno != ENOSYS) {
			r = pki_err_sys(err, errno, "%s/%s/%s: cannot rename",
			    s->rdir, GEN_DIR, final);
			goto out;
		}
		/* No RENAME_NOREPLACE here: we hold the lock, so check. */
		if (fstatat(gfd, final, &st, AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		if (renameat(gfd, tmp, gfd, final) == 0)
			break;
		r = pki_err_sys(err, errno, "%s/%s/%s: cannot rename", s->rdir,
		    GEN_DIR, final);
		goto out;
	}
	if (k > GEN_TRIES) {
		r = pki_err_sys(err, EEXIST, "%s/%s/%s: cannot rename", s->rdir,
		    GEN_DIR, final);
		goto out;
	}
	staged = 0;
	if (sync && (sync_fd(gfd) == -1 || (created && sync_fd(s->rfd) ==
	    -1))) {
		r = pki_err_sys(err, errno, "%s/%s: cannot sync", s->rdir,
		    GEN_DIR);
		/* Not durable: not a generation either. */
		(void)remove_tree(gfd, final);
		goto out;
	}
	if (asprintf(genp, GEN_PREFIX "%s", final) == -1) {
		*genp = NULL;
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	r = PKI_OK;
 out:
	if (d != NULL)
		(void)closedir(d);
	if (bfd != -1)
		(void)close(bfd);
	if (tfd != -1)
		(void)close(tfd);
	if (staged)
		(void)remove_tree(gfd, tmp);
	if (gfd != -1)
		(void)close(gfd);
	return r;
}

/*
 * Checks that every file of s in D is a link to current/ or missing (a
 * conversion that was interrupted must be finished first).
 */
static int
check_links(const struct pki_set *s, struct pki_error *err)
{
	struct stat	st;
	size_t		i;
	int		state, r;

	for (i = 0; i < (size_t)s->nfiles; i++) {
		if ((r = file_state_err(s, (int)i, &state, &st, err)) !=
		    PKI_OK)
			return r;
		if (state == F_REGULAR)
			return pki_err(err, PKI_ERR_INPUT, "%s: a regular "
			    "file, not a link to %s%s (conversion to "
			    "generations unfinished)", s->path[i],
			    s->pfx, s->file[i]);
	}
	return PKI_OK;
}

/* Renames a new link to gen over D/current. */
static int
place_current(struct pki_set *s, const char *gen, struct pki_error *err)
{
	char	tmp[NAME_MAX + 1];
	int	k, r;

	for (k = 0; k < TMP_TRIES; k++) {
		if ((r = tmp_name(tmp, sizeof(tmp), CURRENT, err)) != PKI_OK)
			return r;
		if (symlinkat(gen, s->rfd, tmp) == 0)
			break;
		if (errno != EEXIST)
			return pki_err_sys(err, errno, "%s/%s: cannot create",
			    s->rdir, tmp);
	}
	if (k == TMP_TRIES)
		return pki_err_sys(err, EEXIST, "%s/%s: cannot create", s->rdir,
		    CURRENT);
	if (renameat(s->rfd, tmp, s->rfd, CURRENT) == -1) {
		r = pki_err_sys(err, errno, "%s/%s: cannot replace", s->rdir,
		    CURRENT);
		(void)unlinkat(s->rfd, tmp, 0);
		return r;
	}
	return PKI_OK;
}

/*
 * Points D/current at gen.  If the switch cannot be made durable, current
 * goes back to the previous generation (when there is one) and the call
 * fails.
 */
static int
switch_current(struct pki_set *s, const char *gen, int no_sync,
    struct pki_error *err)
{
	char	*cur = NULL;
	int	 r;

	if ((cur = strdup(gen)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	if ((r = place_current(s, gen, err)) != PKI_OK) {
		free(cur);
		return r;
	}
	if (!no_sync && sync_fd(s->rfd) == -1) {
		r = pki_err_sys(err, errno, "%s: cannot sync", s->rdir);
		if (s->current != NULL &&
		    place_current(s, s->current, NULL) == PKI_OK) {
			free(cur);
			return r;
		}
	}
	free(s->current);
	s->current = cur;
	s->layout = PKI_LAYOUT_GENERATIONS;
	return r;
}

/*
 * Replaces each regular file of s in D by its link current/<file>, and
 * creates the link for a missing file that gen (the current generation,
 * open as gfd) holds.  The caller has checked the regular files' contents.
 */
static int
link_files(struct pki_set *s, int gfd, int no_sync, struct pki_error *err)
{
	struct stat	 st;
	char		 tmp[NAME_MAX + 1], target[PATH_MAX];
	size_t		 i;
	int		 state, k, r, changed = 0;

	for (i = 0; i < (size_t)s->nfiles; i++) {
		if ((r = file_state_err(s, (int)i, &state, &st, err)) !=
		    PKI_OK)
			return r;
		if (state == F_LINK)
			continue;
		if (state == F_MISSING && (fstatat(gfd, s->file[i], &st,
		    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(st.st_mode)))
			continue;
		snprintf(target, sizeof(target), "%s%s", s->pfx, s->file[i]);
		for (k = 0; k < TMP_TRIES; k++) {
			if ((r = tmp_name(tmp, sizeof(tmp), s->file[i],
			    err)) != PKI_OK)
				return r;
			if (symlinkat(target, s->dfd, tmp) == 0)
				break;
			if (errno != EEXIST)
				return pki_err_sys(err, errno,
				    "%s/%s: cannot create", s->rdir, tmp);
		}
		if (k == TMP_TRIES)
			return pki_err_sys(err, EEXIST, "%s: cannot link",
			    s->path[i]);
		if (renameat(s->dfd, tmp, s->dfd, s->file[i]) == -1) {
			r = pki_err_sys(err, errno, "%s: cannot replace",
			    s->path[i]);
			(void)unlinkat(s->dfd, tmp, 0);
			return r;
		}
		changed = 1;
	}
	if (changed && !no_sync && sync_fd(s->dfd) == -1)
		return pki_err_sys(err, errno, "%s: cannot sync", s->dir);
	return PKI_OK;
}

int
pki_set_stage(struct pki_set *s, const struct pki_set_update *u,
    char **gen, struct pki_error *err)
{
	int	bfd, r;

	*gen = NULL;
	if (s->layout != PKI_LAYOUT_GENERATIONS || s->current == NULL)
		return pki_err(err, PKI_ERR_ARG, "%s: not in the generations "
		    "layout", s->dir);
	if ((r = check_links(s, err)) != PKI_OK)
		return r;
	if ((r = open_gen(s, s->current, &bfd, err)) != PKI_OK)
		return r;
	r = stage(s, bfd, u, gen, err);
	(void)close(bfd);
	return r;
}

int
pki_set_activate(struct pki_set *s, const char *gen, int no_sync,
    struct pki_error *err)
{
	struct stat	st;
	int		gfd = -1, r, which;
	int		need[] = { PKI_SET_CERT, PKI_SET_KEY };
	size_t		i;

	if (s->layout != PKI_LAYOUT_GENERATIONS)
		return pki_err(err, PKI_ERR_ARG, "%s: not in the generations "
		    "layout", s->dir);
	if ((r = check_links(s, err)) != PKI_OK)
		return r;
	if ((r = open_gen(s, gen, &gfd, err)) != PKI_OK)
		return r;
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		which = need[i];
		if (fstatat(gfd, s->file[which], &st, AT_SYMLINK_NOFOLLOW) ==
		    -1) {
			r = pki_err_sys(err, errno, "%s/%s/%s: cannot activate",
			    s->dir, gen, s->file[which]);
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			r = pki_err(err, PKI_ERR_INPUT, "%s/%s/%s: not a "
			    "regular file", s->dir, gen, s->file[which]);
			goto out;
		}
	}
	if ((r = switch_current(s, gen, no_sync, err)) != PKI_OK)
		goto out;
	/* A file that the new generation adds gets its link. */
	r = link_files(s, gfd, no_sync, err);
 out:
	(void)close(gfd);
	return r;
}

int
pki_set_discard(struct pki_set *s, const char *gen, struct pki_error *err)
{
	const char	*g;
	int		 gfd, r = PKI_OK;

	if ((g = gen_comp(gen)) == NULL)
		return pki_err(err, PKI_ERR_ARG, "%s: \"%s\": not a generation",
		    s->dir, gen == NULL ? "(null)" : gen);
	if (s->current != NULL && strcmp(s->current, gen) == 0)
		return pki_err(err, PKI_ERR_ARG, "%s/%s: the current "
		    "generation", s->rdir, gen);
	if ((gfd = open_dir_at(s->rfd, GEN_DIR)) == -1)
		return pki_err_sys(err, errno, "%s/%s: cannot open", s->rdir,
		    GEN_DIR);
	if (remove_tree(gfd, g) == -1)
		r = pki_err_sys(err, errno, "%s/%s: cannot remove", s->rdir,
		    gen);
	(void)close(gfd);
	return r;
}

int
pki_set_prune(struct pki_set *s, int keep, size_t *removed,
    struct pki_error *err)
{
	char	**gens = NULL;
	size_t	  n = 0, cur, i, nrm;
	int	  gfd = -1, r;

	*removed = 0;
	if (keep < 0)
		return pki_err(err, PKI_ERR_ARG, "%s: keep %d < 0", s->dir,
		    keep);
	if (s->layout != PKI_LAYOUT_GENERATIONS || s->current == NULL)
		return PKI_OK;
	if ((r = pki_set_generations(s, &gens, &n, err)) != PKI_OK)
		return r;
	for (cur = 0; cur < n; cur++)
		if (strcmp(gens[cur], s->current) == 0)
			break;
	if (cur == n) {
		r = pki_err(err, PKI_ERR_INPUT, "%s/%s: missing", s->rdir,
		    s->current);
		goto out;
	}
	/* gens[0..cur) are older than current, oldest first. */
	nrm = cur > (size_t)keep ? cur - (size_t)keep : 0;
	if (nrm > 0 && (gfd = open_dir_at(s->rfd, GEN_DIR)) == -1) {
		r = pki_err_sys(err, errno, "%s/%s: cannot open", s->rdir,
		    GEN_DIR);
		goto out;
	}
	for (i = 0; i < nrm; i++) {
		if (remove_tree(gfd, gen_comp(gens[i])) == -1) {
			r = pki_err_sys(err, errno, "%s/%s: cannot remove",
			    s->rdir, gens[i]);
			goto out;
		}
		(*removed)++;
	}
	r = PKI_OK;
 out:
	if (gfd != -1)
		(void)close(gfd);
	pki_strv_free(gens, n);
	return r;
}

/* ---- conversion ----------------------------------------------------- */

/* Per set: makes D/NAME.gen (0755) for the first generation. */
static int
make_root(struct pki_set *s, int no_sync, struct pki_error *err)
{
	if (s->rfd != -1)
		return PKI_OK;
	if (mkdirat(s->dfd, s->root, 0755) == -1 && errno != EEXIST)
		return pki_err_sys(err, errno, "%s: cannot create", s->rdir);
	if ((s->rfd = open_dir_at(s->dfd, s->root)) == -1 ||
	    fchmod(s->rfd, 0755) == -1)
		return pki_err_sys(err, errno, "%s: cannot open", s->rdir);
	if (!no_sync && sync_fd(s->dfd) == -1)
		return pki_err_sys(err, errno, "%s: cannot sync", s->dir);
	return PKI_OK;
}

int
pki_set_convert(struct pki_set *s, time_t not_before, const char *serial_hex,
    int no_sync, struct pki_error *err)
{
	struct pki_set_update	 u;
	struct stat		 st;
	char			*buf[PKI_SET__COUNT] = { NULL }, *cur = NULL;
	char			*gen = NULL;
	size_t			 len[PKI_SET__COUNT] = { 0 }, clen = 0, i;
	int			 state[PKI_SET__COUNT], gfd = -1;
	int			 r = PKI_ERR_INTERNAL, need = 0;

	memset(&u, 0, sizeof(u));
	for (i = 0; i < (size_t)s->nfiles; i++)
		if ((r = file_state_err(s, (int)i, &state[i], &st, err)) !=
		    PKI_OK)
			goto out;

	if (s->layout == PKI_LAYOUT_FIXED) {
		/* The first generation: copies of the fixed files. */
		for (i = 0; i < (size_t)s->nfiles; i++) {
			if (state[i] == F_MISSING && (i == PKI_SET_CERT ||
			    i == PKI_SET_KEY)) {
				r = pki_err_sys(err, ENOENT, "%s: cannot "
				    "convert", s->path[i]);
				goto out;
			}
			if (state[i] == F_LINK) {
				r = pki_err(err, PKI_ERR_INPUT, "%s: a link "
				    "to %s%s, but %s/%s is missing",
				    s->path[i], s->pfx, s->file[i],
				    s->rdir, CURRENT);
				goto out;
			}
			if (state[i] == F_REGULAR)
				need = 1;
		}
		if (need && (r = make_root(s, no_sync, err)) != PKI_OK)
			goto out;
	} else {
		/*
		 * An interrupted conversion (regular files equal to those
		 * of current), or another set joining D's generations.
		 */
		if ((r = open_gen(s, s->current, &gfd, err)) != PKI_OK)
			goto out;
		for (i = 0; i < (size_t)s->nfiles; i++) {
			if (state[i] != F_REGULAR)
				continue;
			if (fstatat(gfd, s->file[i], &st,
			    AT_SYMLINK_NOFOLLOW) == -1 && errno == ENOENT) {
				need = 1;
				continue;
			}
			if ((r = pki_set_read_gen(s, s->current, (int)i, &cur,
			    &clen, err)) != PKI_OK ||
			    (r = read_at(s->dfd, s->file[i], 1, s->path[i],
			    &buf[i], &len[i], NULL, err)) != PKI_OK)
				goto out;
			if (clen != len[i] || memcmp(cur, buf[i], clen) != 0) {
				r = pki_err(err, PKI_ERR_INPUT, "%s: differs "
				    "from %s/%s/%s", s->path[i], s->rdir,
				    s->current, s->file[i]);
				goto out;
			}
			pki_secret_free(cur, clen + 1);
			cur = NULL;
			pki_secret_free(buf[i], len[i] + 1);
			buf[i] = NULL;
		}
	}

	if (need) {
		for (i = 0; i < (size_t)s->nfiles; i++) {
			if (state[i] != F_REGULAR)
				continue;
			if (gfd != -1 && fstatat(gfd, s->file[i], &st,
			    AT_SYMLINK_NOFOLLOW) == 0)
				continue;
			if ((r = read_at(s->dfd, s->file[i], 1, s->path[i],
			    &buf[i], &len[i], NULL, err)) != PKI_OK)
				goto out;
			u.data[i] = buf[i];
			u.len[i] = len[i];
		}
		u.serial_hex = serial_hex;
		/* Never a name from the future (gen_untrusted). */
		u.now = not_before < time(NULL) ? not_before : time(NULL);
		u.no_sync = no_sync;
		u.key_owner_ok = PKI_KEYOWN_SAME;
		if ((r = stage(s, gfd, &u, &gen, err)) != PKI_OK ||
		    (r = switch_current(s, gen, no_sync, err)) != PKI_OK)
			goto out;
		if (gfd != -1)
			(void)close(gfd);
		if ((r = open_gen(s, s->current, &gfd, err)) != PKI_OK)
			goto out;
	}
	if (gfd != -1)
		r = link_files(s, gfd, no_sync, err);
	else
		r = PKI_OK;	/* Nothing to convert: no regular files. */
 out:
	for (i = 0; i < PKI_SET__COUNT; i++)
		pki_secret_free(buf[i], len[i] + 1);
	if (cur != NULL)
		pki_secret_free(cur, clen + 1);
	free(gen);
	if (gfd != -1)
		(void)close(gfd);
	return r;
}

/* ---- fixed layout --------------------------------------------------- */

/*
 * Copies D/src to the new D/PREFIX.tmp-* (same mode and owner), then
 * renames that over D/dst.
 */
static int
copy_over(struct pki_set *s, const char *src, const char *dst,
    const char *prefix, int sync, struct pki_error *err)
{
	char	tmp[NAME_MAX + 1], path[PATH_MAX];
	int	k, r = PKI_ERR_INTERNAL;

	snprintf(path, sizeof(path), "%s/%s", s->dir, src);
	for (k = 0; k < TMP_TRIES; k++) {
		if ((r = tmp_name(tmp, sizeof(tmp), prefix, err)) != PKI_OK)
			return r;
		r = copy_at(s->dfd, src, s->dfd, tmp, sync, path, err);
		if (r == PKI_OK)
			break;
		if (err == NULL || err->sys_errno != EEXIST)
			return r;
	}
	if (r != PKI_OK)
		return r;
	if (renameat(s->dfd, tmp, s->dfd, dst) == -1) {
		r = pki_err_sys(err, errno, "%s/%s: cannot replace", s->dir,
		    dst);
		(void)unlinkat(s->dfd, tmp, 0);
		return r;
	}
	return PKI_OK;
}

/*
 * The previous contents go to NAME.bak in the same pki_file_write_set()
 * as the new files, so a failure anywhere leaves both as they were.
 */
int
pki_set_replace_fixed(struct pki_set *s, const struct pki_set_update *u,
    struct pki_error *err)
{
	struct pki_file	 files[2 * PKI_SET__COUNT];
	struct pki_owner keyown, bakown[PKI_SET__COUNT];
	const struct pki_owner *owners[2 * PKI_SET__COUNT];
	struct stat	 st, bst, own;
	const struct stat *kst;
	char		*bakpath[PKI_SET__COUNT], *old[PKI_SET__COUNT];
	size_t		 oldlen[PKI_SET__COUNT];
	mode_t		 bakmode[PKI_SET__COUNT];
	size_t		 i, n = 0, nb = 0;
	int		 which, state, r;

	if (s->layout != PKI_LAYOUT_FIXED)
		return pki_err(err, PKI_ERR_ARG, "%s: not in the fixed layout",
		    s->dir);
	for (i = 0; i < PKI_SET__COUNT; i++) {
		bakpath[i] = NULL;
		old[i] = NULL;
		oldlen[i] = 0;
	}
	for (i = 0; i < PKI_SET__COUNT; i++) {
		which = fixed_order[i];
		if (u->data[which] == NULL)
			continue;
		if ((r = file_state_err(s, which, &state, &st, err)) != PKI_OK)
			goto out;
		if (state == F_LINK) {
			r = pki_err(err, PKI_ERR_INPUT, "%s: a link to %s%s",
			    s->path[which], s->pfx, s->file[which]);
			goto out;
		}
		files[n].path = s->path[which];
		files[n].data = u->data[which];
		files[n].len = u->len[which];
		owners[n] = NULL;
		if (which == PKI_SET_KEY) {
			kst = key_owner(s, -1, u, state == F_REGULAR ? &st :
			    NULL, &files[n].mode, &own);
			memset(&keyown, 0, sizeof(keyown));
			keyown.has_user = keyown.has_group = 1;
			keyown.uid = kst->st_uid;
			keyown.gid = kst->st_gid;
			owners[n] = &keyown;
		} else
			files[n].mode = file_mode(which, state == F_REGULAR ?
			    &st : NULL);
		n++;
		if (state != F_REGULAR)
			continue;
		if ((r = read_at(s->dfd, s->file[which], 1, s->path[which],
		    &old[nb], &oldlen[nb], &bst, err)) != PKI_OK)
			goto out;
		bakmode[nb] = bst.st_mode & 0777;
		/* The old contents stay their owner's. */
		memset(&bakown[nb], 0, sizeof(bakown[nb]));
		bakown[nb].has_user = bakown[nb].has_group = 1;
		bakown[nb].uid = bst.st_uid;
		bakown[nb].gid = bst.st_gid;
		if (asprintf(&bakpath[nb], "%s" BAK_SUFFIX,
		    s->path[which]) == -1) {
			bakpath[nb] = NULL;
			nb++;
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
			goto out;
		}
		nb++;
	}
	/* The backups first: renamed before the files they keep. */
	memmove(files + nb, files, n * sizeof(files[0]));
	memmove(owners + nb, owners, n * sizeof(owners[0]));
	for (i = 0; i < nb; i++) {
		files[i].path = bakpath[i];
		files[i].data = old[i];
		files[i].len = oldlen[i];
		files[i].mode = bakmode[i];
		owners[i] = &bakown[i];
	}
	r = pki_file_write_set_owned(files, owners, n + nb, NULL, NULL, err);
 out:
	for (i = 0; i < PKI_SET__COUNT; i++) {
		if (old[i] != NULL)
			pki_secret_free(old[i], oldlen[i] + 1);
		free(bakpath[i]);
	}
	return r;
}

int
pki_set_restore_fixed(struct pki_set *s, int no_sync, struct pki_error *err)
{
	struct stat	 st;
	char		 bak[NAME_MAX + 1];
	size_t		 i;
	int		 which, r, n = 0;

	if (s->layout != PKI_LAYOUT_FIXED)
		return pki_err(err, PKI_ERR_ARG, "%s: not in the fixed layout",
		    s->dir);
	for (i = 0; i < PKI_SET__COUNT; i++) {
		which = fixed_order[i];
		snprintf(bak, sizeof(bak), "%s" BAK_SUFFIX, s->file[which]);
		if (fstatat(s->dfd, bak, &st, AT_SYMLINK_NOFOLLOW) == -1) {
			if (errno == ENOENT)
				continue;
			return pki_err_sys(err, errno, "%s/%s: cannot stat",
			    s->dir, bak);
		}
		if (!S_ISREG(st.st_mode))
			return pki_err(err, PKI_ERR_INPUT, "%s/%s: not a "
			    "regular file", s->dir, bak);
		if ((r = copy_over(s, bak, s->file[which], s->file[which],
		    !no_sync, err)) != PKI_OK)
			return r;
		n++;
	}
	if (n == 0)
		return pki_err_sys(err, ENOENT, "%s" BAK_SUFFIX ": cannot "
		    "restore", s->path[PKI_SET_CERT]);
	if (!no_sync && sync_fd(s->dfd) == -1)
		return pki_err_sys(err, errno, "%s: cannot sync", s->dir);
	return PKI_OK;
}
