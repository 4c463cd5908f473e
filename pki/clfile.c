/*
 * clfile.c: reading the files of a cluster directory, for clissue.c and
 * clverify.c (declared in clpriv.h): a member's NAME may be renew's link
 * "current/NAME" of the generations layout, which is followed; no other
 * symbolic link is.
 */
#include <sys/stat.h>
#include <sys/types.h>

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
