/*
 * clfile.c: reading the files of a cluster directory, for clissue.c and
 * clverify.c (declared in clpriv.h): a member's NAME may be renew's link
 * "current/NAME" of the generations layout, which is followed; no other
 * symbolic link is.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "clpriv.h"

/*
 * The errno of pki_cl_slurpat() for anything but a regular file (Linux
 * has no EFTYPE; nothing else in it fails with EINVAL).
 */
#define PKI_CL_ENOTREG	EINVAL

int
pki_cl_gen_link(int dfd, const char *name, char *via, size_t size)
{
	char	lnk[NAME_MAX + 16];
	ssize_t	n;

	if (strchr(name, '/') != NULL ||
	    (n = readlinkat(dfd, name, lnk, sizeof(lnk) - 1)) <= 0)
		return 0;
	lnk[n] = '\0';
	if (strncmp(lnk, "current/", 8) != 0 || strcmp(lnk + 8, name) != 0 ||
	    (size_t)n >= size)
		return 0;
	memcpy(via, lnk, (size_t)n + 1);
	return 1;
}

int
pki_cl_slurpat(int dfd, const char *path, char **buf, size_t *len)
{
	struct stat	 st;
	char		*b = NULL;
	size_t		 n = 0;
	ssize_t		 r;
	int		 fd, e;

	*buf = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO is refused below, not waited on. */
	if ((fd = openat(dfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	    O_NOCTTY | O_NONBLOCK)) == -1) {
		char	via[NAME_MAX + 16];

		/* renew's generations: NAME is a link "current/NAME". */
		if (errno != ELOOP || !pki_cl_gen_link(dfd, path, via,
		    sizeof(via)))
			return -1;
		if ((fd = openat(dfd, via, O_RDONLY | O_CLOEXEC |
		    O_NOFOLLOW | O_NOCTTY | O_NONBLOCK)) == -1)
			return -1;
	}
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = PKI_CL_ENOTREG;
		goto fail;
	}
	if (st.st_size > PKI_MAX_INPUT) {
		errno = EFBIG;
		goto fail;
	}
	if ((b = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	while (n < (size_t)st.st_size) {
		r = read(fd, b + n, (size_t)st.st_size - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto fail;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	(void)close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
 fail:
	e = errno;
	(void)close(fd);
	pki_secret_free(b, b != NULL ? (size_t)st.st_size + 1 : 0);
	errno = e;
	return -1;
}

const char *
pki_cl_strerror(int e)
{
	return e == PKI_CL_ENOTREG ? "not a regular file" : strerror(e);
}

int
pki_cl_read_err(struct pki_error *err, int e, const char *path)
{
	if (e == PKI_CL_ENOTREG)
		return pki_err(err, PKI_ERR_INPUT, "%s: cannot read: not a "
		    "regular file", path);
	return pki_err_sys(err, e, "%s: cannot read", path);
}

/* 1 if name is ".BASE.xxxxxx" (x a lower-case hex digit, BASE not empty). */
static int
is_leaf_tmp(const char *name)
{
	size_t	len = strlen(name), i;

	if (name[0] != '.' || len < 9 || name[len - 7] != '.')
		return 0;
	for (i = len - 6; i < len; i++)
		if (!isxdigit((unsigned char)name[i]) ||
		    isupper((unsigned char)name[i]))
			return 0;
	return 1;
}

/* pki_cl_leftovers() in one directory; in is "" or "clients/". */
static int
leftovers_in(int pfd, const char *in,
    void (*fn)(void *, int, const char *, const char *), void *arg)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	int		 e;

	if ((d = pki_dir_open_at(pfd, ".")) == NULL)
		return -1;
	while ((errno = 0, de = readdir(d)) != NULL)
		if (is_leaf_tmp(de->d_name) && fstatat(pfd, de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
			fn(arg, pfd, in, de->d_name);
	e = errno;
	(void)closedir(d);
	errno = e;
	return e != 0 ? -1 : 0;
}

void
pki_cl_sweep_set(int dfd, const char *const *names, size_t n)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	size_t		 i;

	if ((d = pki_dir_open_at(dfd, ".")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.')
			continue;
		for (i = 0; i < n; i++)
			if (pki_file_is_tmp_of(de->d_name, names[i]))
				break;
		if (i < n && fstatat(dfd, de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
			(void)unlinkat(dfd, de->d_name, 0);
	}
	(void)closedir(d);
}

int
pki_cl_leftovers(int dfd, void (*fn)(void *, int, const char *,
    const char *), void *arg)
{
	int	cfd, r;

	if ((r = leftovers_in(dfd, "", fn, arg)) == -1)
		return -1;
	if ((cfd = openat(dfd, "clients", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	r = leftovers_in(cfd, "clients/", fn, arg);
	(void)close(cfd);
	return r;
}
