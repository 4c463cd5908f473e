/*
 * clpriv.h: what the cluster sources share.  Private to pki/.  The
 * objects depend on each other one way only (tests/cli/t-lib-deps.sh):
 * clissue.c uses clverify.c (the leaf check, file writing) and clfile.c
 * (reading); clverify.c uses clfile.c.
 */
#ifndef PKI_CLPRIV_H
#define PKI_CLPRIV_H

#include <sys/types.h>

#include <time.h>

#include "internal.h"
#include "cluster.h"

/* ---- clverify.c ----------------------------------------------------- */

/*
 * A check of one leaf's key material (certificate, key, request) in its
 * directory.  Every defect goes to problem(), or, when that is NULL, the
 * first one is copied into reason.  horizon (may be NULL) also makes a
 * certificate it finds due a defect (pki_due_eval); modes checks file modes;
 * expiry > 0 is the validity length expected instead of the profile's
 * (0 and horizon mode: not checked).
 */
struct pki_cl_check {
	const struct pki_cluster	*cl;
	size_t				 leaf;
	const struct pki_cert		*ca;
	time_t				 now;
	int64_t				 expiry;
	int				 check_length;
	const struct pki_due_rule	*horizon;
	int				 at_renewal;	/* horizon is renew's
							   rule: say so */
	int				 modes;
	const char			*prefix;	/* "etcd1/" */
	void				(*problem)(void *arg, const char *text);
	void				*arg;
	char				*reason;
	size_t				 reasonlen;
	size_t				 nproblems;
	time_t				 not_after;	/* out */
};

/* Returns 0 when the leaf is sound, -1 after reporting its defects. */
int	pki_cl_check_leaf(struct pki_cl_check *ck, int ldfd);

/* Reports one defect of ck (printf-style). */
void	pki_cl_problem(struct pki_cl_check *ck, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* The CSR's hosts joined with ", " (malloc'ed, NULL on ENOMEM). */
char	*pki_cl_join_hosts(const struct pki_csr *csr);

/* Writes dir/name (dfd is dir) as a one-file set unless it holds data. */
int	pki_cl_write_if_changed(int dfd, const char *dir, const char *name,
	    const void *data, size_t len, mode_t mode, struct pki_error *err)
	    PKI_MUST_CHECK;

/* ---- clfile.c ------------------------------------------------------- */

/*
 * Is name (in dfd) renew's link "current/NAME" of the generations layout?
 * Then via (size bytes) receives that path and 1 is returned.
 */
int	pki_cl_gen_link(int dfd, const char *name, char *via, size_t size);

/*
 * Reads path relative to dfd (at most PKI_MAX_INPUT bytes, no symlink)
 * into a NUL-terminated malloc'ed buffer; renew's link "current/NAME"
 * is read through.  Returns 0, or -1 with errno.
 */
int	pki_cl_slurpat(int dfd, const char *path, char **buf, size_t *len);
/*
 * Why pki_cl_slurpat() failed with errno e, as a message: "not a regular
 * file" for anything but a regular file, else strerror(e).
 */
const char	*pki_cl_strerror(int e);
/*
 * Calls fn(arg, pfd, in, name) for each directory in DIR (dfd) and
 * DIR/clients (in "" or "clients/", pfd its descriptor) named like the
 * temporary leaf directory of a cluster issue (".NAME.xxxxxx", six hex
 * digits): one that a killed run left, with a private key in it, when no
 * run holds the lock.  Returns 0, or -1 with errno set.
 */
int	pki_cl_leftovers(int dfd, void (*fn)(void *, int, const char *,
	    const char *), void *arg);
/* Fills err for pki_cl_slurpat()'s failure on path; returns its code. */
int	pki_cl_read_err(struct pki_error *err, int e, const char *path);

#endif /* PKI_CLPRIV_H */
