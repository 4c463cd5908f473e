/*
 * tar.h: a POSIX ustar archive built in memory (pki/tar.c).
 */
#ifndef PKI_TAR_H
#define PKI_TAR_H

#include <sys/types.h>

#include <stdint.h>

/* One regular file of an archive. */
struct pki_tar_file {
	const char	*path;		/* relative: "etc/etcd/pki/etcd1.pem" */
	const void	*data;
	size_t		 len;
	mode_t		 mode;
	const char	*uname, *gname;	/* what tar unpacks by (as root) */
	unsigned long	 uid, gid;	/* used where the names are unknown */
	int64_t		 mtime;
};

/*
 * Appends f's header and contents to tb.  PKI_ERR_ARG when the path is
 * absolute or does not fit ustar's 100 + 155 bytes, or a name or value is
 * too large; PKI_ERR_ALLOC.
 */
int	pki_tar_add(struct pki_buf *tb, const struct pki_tar_file *f,
	    struct pki_error *err) PKI_MUST_CHECK;
/* Appends the two zero blocks that end an archive. */
int	pki_tar_end(struct pki_buf *tb, struct pki_error *err) PKI_MUST_CHECK;

#endif
