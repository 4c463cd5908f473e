/*
 * renew.h: what renew and rollback share: the sets they act on (from
 * certificate paths or a cluster description), the locks, and dates.
 */
#ifndef RENEW_H
#define RENEW_H

#include <stdint.h>
#include <time.h>

#include "pki.h"

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
	int				 member;	/* cluster mode: a
							   member's set */
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
	int			 shared_top;	/* -member: DIR locked shared */
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

/* A leaf signed anew (reissue.c): renew, ca rotate -phase reissue. */
struct reissued {
	struct pki_cert		*cert;
	struct pki_cert_facts	 f;
	char			*certpem;
	size_t			 certlen;
	char			*csrpem;
	size_t			 csrlen;
	char			*meta;		/* meta.json of its generation */
};

/*
 * Signs t's leaf anew with ts's CA at now: t's CSR JSON, t's profile, key
 * (the current key, or a new one with rekey), then checks it before it is
 * written: the pair matches, the chain verifies against the trust bundle
 * t's directory holds (the signing CA when there is none), the SANs and
 * subject are the CSR JSON's, no extended key usage of cur (the current
 * certificate's facts) is lost, it is valid now and, unless force, ends
 * no earlier than cur.  Returns CMD_RETURN_NORMAL with *out filled (free
 * with reissued_free), RENEW_EXIT_PRECOND when a check failed, or
 * CMD_RETURN_ERROR, each after printing why.
 */
int	reissue_sign(const struct targets *ts, const struct target *t,
	    const struct pki_cert_facts *cur, const struct pki_key *key,
	    time_t now, int rekey, int force, struct reissued *out);
void	reissued_free(struct reissued *rs);
/*
 * The staged generation gen of t holds cert (certlen bytes) and a key
 * matching it and key.  Returns 0, or -1 after printing why.
 */
int	reissue_check_staged(const struct target *t, const char *gen,
	    const char *cert, size_t certlen, const struct pki_key *key);
/* Reads file which of t's set: 0, 1 when it is missing, -1 after
 * printing an error. */
int	reissue_read_set(const struct target *t, int which, char **buf,
	    size_t *len);
/* "+DNS:x -IP:y subject" for a drift, into buf. */
struct pki_drift;
void	reissue_drift_text(const struct pki_drift *d, char *buf, size_t len);

#define RENEW_EXIT_RENEWED	10
#define RENEW_EXIT_BUSY		75
#define RENEW_EXIT_PRECOND	3

#endif
