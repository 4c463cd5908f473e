/*
 * renew.h: what renew and rollback share: the sets they act on (from
 * certificate paths or a cluster description), the locks, and dates.
 */
#ifndef RENEW_H
#define RENEW_H

#include <stdint.h>
#include <time.h>

struct opts;
struct pki_csr;
struct pki_profile;
struct pki_cluster;
struct pki_cert;
struct pki_key;
struct pki_config;
struct pki_set;

/* One certificate set to act on. */
struct target {
	char				*dir;	/* D */
	char				*name;	/* NAME: D/NAME.pem */
	char				*label;	/* as printed: the member name,
						   or the path given */
	struct pki_csr			*csr_own;
	const struct pki_csr		*csr;	/* NULL: no CSR JSON found */
	char				*csr_path;
	const struct pki_profile	*profile;
	struct pki_set			*set;
};

/* Everything renew and rollback read before they act. */
struct targets {
	struct target		*t;
	size_t			 n;
	struct pki_cluster	*cl;
	const char		*topdir;	/* cluster mode: DIR */
	struct pki_config	*cfg;
	struct pki_cert		*ca;
	struct pki_key		*cakey;
	char			*capem;		/* the signing CA certificate */
	size_t			 capemlen;
	int			*locks;
	size_t			 nlocks;
};

/*
 * Fills ts from the command line: CERT... (with -ca/-ca-key and
 * -config/-profile when signing is wanted) or -cluster DESC DIR
 * [-member M].  signer: also load the CA key and the profiles.  Returns
 * CMD_RETURN_*.
 */
int	targets_load(const struct opts *o, int signer, struct targets *ts);
/*
 * Locks every directory of ts (DIR first in cluster mode) and opens each
 * set.  Returns CMD_RETURN_NORMAL, 75 when a lock is held elsewhere, or
 * CMD_RETURN_ERROR.
 */
int	targets_lock_open(struct targets *ts);
void	targets_free(struct targets *ts);

#define RENEW_EXIT_RENEWED	10
#define RENEW_EXIT_BUSY		75
#define RENEW_EXIT_PRECOND	3

#endif
