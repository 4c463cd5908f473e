/*
 * clpriv.h: what the cluster sources share.  Private to pki/.  The
 * objects depend on each other one way only (tests/cli/t-lib-deps.sh):
 * clissue.c uses clverify.c (the leaf check, file writing), clfile.c
 * (reading) and clcrl.c (the inventory and the CRL); clverify.c uses
 * clfile.c and clcrl.c.
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
	int				 pair_ok;	/* out: the key matched
							   the certificate */
	/* The inventory's revoked certificates: the leaf must not be one. */
	const struct pki_crl_entry	*revoked;
	size_t				 nrevoked;
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
/*
 * Removes from directory dfd the temporary files and backup links that a
 * killed run's file set left for the n files of names (regular files
 * named so for one of them, pki_file_is_tmp_of), a new CA's key among
 * them, when no run holds the lock.  Failures are ignored.
 */
void	pki_cl_sweep_set(int dfd, const char *const *names, size_t n);
/* Fills err for pki_cl_slurpat()'s failure on path; returns its code. */
int	pki_cl_read_err(struct pki_error *err, int e, const char *path);

/* ---- clcrl.c -------------------------------------------------------- */

/*
 * What cluster issue records and the CRL it puts in place.  An existing
 * DIR/inventory.db is changed in a transaction (inv) committed as the
 * last step of the commit (pki_cl_record_commit, the hook of
 * pki_file_write_set_hook), so that it changes with the files or not at
 * all; a new one is built in a temporary file of DIR (tmpname, its name
 * pki_file_tmp_create's) that joins the commit as a prepared file
 * (PKI_FILE_PREPARED), so that its pages stay out of memory.
 */
struct pki_cl_record {
	struct pki_inventory	*inv;
	int			 fresh;		/* a new inventory */
	char			*tmppath;	/* fresh: DIR/tmpname */
	const char		*tmpname;	/* in tmppath */
	struct pki_cluster_crl	 crl;
	size_t			 recorded;
};

/*
 * The inventory cluster issue records into: begin opens it (or a new
 * one in a temporary file), add records certificates issued at now (any
 * number of calls), end records as found whatever of the directory the
 * inventory lacks, then takes the CRL DIR needs (pki_cluster_crl_make
 * without a policy: signed anew only when missing or wrong) and, for a
 * new inventory, completes its file.  Clear rec with
 * pki_cl_record_clear(), which rolls back what was not committed and
 * removes a temporary file the commit did not put in place.
 */
int	pki_cl_record_begin(const char *dir, struct pki_cl_record *rec,
	    struct pki_error *err) PKI_MUST_CHECK;
int	pki_cl_record_add(struct pki_cl_record *rec,
	    const struct pki_inv_add *v, size_t n, int64_t now,
	    struct pki_error *err) PKI_MUST_CHECK;
int	pki_cl_record_end(struct pki_cl_record *rec,
	    const struct pki_cluster *cl, const char *dir,
	    const struct pki_cert *ca, const struct pki_key *cakey,
	    int64_t now, struct pki_error *err) PKI_MUST_CHECK;
/* Commits rec's transaction (arg: the struct pki_cl_record). */
int	pki_cl_record_commit(void *arg, struct pki_error *err);
void	pki_cl_record_clear(struct pki_cl_record *rec);

/*
 * The files that put crl in place and that differ from it: DIR/crl.der,
 * DIR/crl.pem, DIR/db-config.json (when dbconf is not NULL), a new
 * DIR/inventory.db (dbtmp, when not NULL: the name in DIR of its
 * complete temporary file, PKI_FILE_PREPARED) and, with
 * fragments, the copies in every member directory that exists.  *f and
 * *paths (n entries) are freed with pki_cl_files_free().
 */
int	pki_cl_crl_files(const struct pki_cluster *cl, const char *dir,
	    const struct pki_cluster_crl *crl, const char *dbconf,
	    const char *dbtmp, struct pki_file **f, char ***paths,
	    size_t *n, struct pki_error *err) PKI_MUST_CHECK;
void	pki_cl_files_free(struct pki_file *f, char **paths, size_t n);

/*
 * The certificates DIR's inventory records as revoked and not expired at
 * now (none when there is no inventory).  *v is malloc'ed.
 */
int	pki_cl_revoked(const char *dir, int64_t now, struct pki_crl_entry **v,
	    size_t *n, struct pki_error *err) PKI_MUST_CHECK;
/* The entry of serial in v, or NULL. */
const struct pki_crl_entry *pki_cl_revoked_find(const struct pki_crl_entry *v,
	    size_t n, const char *serial);
/*
 * cluster verify's checks of the CRL: DIR/crl.der readable, signed by
 * ca, its nextUpdate ahead, listing exactly v (the revoked certificates);
 * crl.pem the same CRL; each member's copies (fragments) the same.  Calls
 * problem() once per defect; returns their number.
 */
size_t	pki_cl_crl_verify(const struct pki_cluster *cl, const char *dir,
	    const struct pki_cert *ca, int64_t now,
	    const struct pki_crl_entry *v, size_t n,
	    void (*problem)(void *, const char *), void *arg);

#endif /* PKI_CLPRIV_H */
