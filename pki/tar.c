/*
 * tar.c: a POSIX ustar archive in memory, for the files cluster export
 * hands to a node (regular files only: a node's directories keep their
 * owners and modes when the archive is unpacked over them).
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "tar.h"

#define TAR_BLOCK	512

/* Writes v as a zero-padded octal number of width - 1 digits and a NUL. */
static int
octal(char *field, size_t width, unsigned long long v)
{
	int	n;

	n = snprintf(field, width, "%0*llo", (int)width - 1, v);
	return n < 0 || (size_t)n >= width ? -1 : 0;
}

/* Splits path into ustar's prefix and name; -1 when it does not fit. */
static int
split_path(const char *path, char *prefix, char *name)
{
	size_t		 len = strlen(path);
	const char	*slash;

	if (len < 100) {
		memcpy(name, path, len);
		return 0;
	}
	/* The last slash that leaves a name under 100 and a prefix under 155. */
	for (slash = path + len - 1; slash > path; slash--) {
		if (*slash != '/')
			continue;
		if (strlen(slash + 1) >= 100 || strlen(slash + 1) == 0)
			return -1;
		if ((size_t)(slash - path) >= 155)
			continue;
		memcpy(prefix, path, (size_t)(slash - path));
		memcpy(name, slash + 1, strlen(slash + 1));
		return 0;
	}
	return -1;
}

int
pki_tar_add(struct pki_buf *tb, const struct pki_tar_file *f,
    struct pki_error *err)
{
	unsigned char	h[TAR_BLOCK];
	unsigned long	sum = 0;
	size_t		i, pad;

	memset(h, 0, sizeof(h));
	if (f->path[0] == '\0' || f->path[0] == '/' ||
	    split_path(f->path, (char *)h + 345, (char *)h) == -1)
		return pki_err(err, PKI_ERR_ARG, "%s: not a relative path that "
		    "fits a tar header", f->path);
	if (strlen(f->uname) >= 32 || strlen(f->gname) >= 32)
		return pki_err(err, PKI_ERR_ARG, "%s: owner %s:%s: names of "
		    "at most 31 characters", f->path, f->uname, f->gname);
	if (octal((char *)h + 100, 8, f->mode & 07777) == -1 ||
	    octal((char *)h + 108, 8, f->uid) == -1 ||
	    octal((char *)h + 116, 8, f->gid) == -1 ||
	    octal((char *)h + 124, 12, f->len) == -1 ||
	    octal((char *)h + 136, 12, f->mtime > 0 ?
	    (unsigned long long)f->mtime : 0) == -1)
		return pki_err(err, PKI_ERR_ARG, "%s: a value too large for a "
		    "tar header", f->path);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memcpy(h + 265, f->uname, strlen(f->uname));
	memcpy(h + 297, f->gname, strlen(f->gname));
	memset(h + 148, ' ', 8);
	for (i = 0; i < sizeof(h); i++)
		sum += h[i];
	(void)snprintf((char *)h + 148, 8, "%06lo", sum);
	h[155] = ' ';
	pki_buf_addn(tb, (const char *)h, sizeof(h));
	pki_buf_addn(tb, f->data, f->len);
	memset(h, 0, sizeof(h));
	pad = (TAR_BLOCK - f->len % TAR_BLOCK) % TAR_BLOCK;
	pki_buf_addn(tb, (const char *)h, pad);
	if (tb->oom)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	return PKI_OK;
}

int
pki_tar_end(struct pki_buf *tb, struct pki_error *err)
{
	static const char	zero[2 * TAR_BLOCK];

	pki_buf_addn(tb, zero, sizeof(zero));
	if (tb->oom)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	return PKI_OK;
}
