/*
 * status.h: the certificate rows status, check and renew's metrics share:
 * what was found at each path (facts, key match, drift against the CSR
 * JSON, renewal time), collected from paths or a cluster directory.
 */
#ifndef STATUS_H
#define STATUS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "pki.h"

#define ROW_OK		0	/* read, facts valid */
#define ROW_MISSING	1	/* the certificate file does not exist */
#define ROW_UNREADABLE	2	/* exists but cannot be read or parsed */

#define KEY_MATCH	0
#define KEY_MISMATCH	1
#define KEY_MISSING	2
#define KEY_UNREADABLE	3

#define DRIFT_NONE	0	/* compared: see drift (may be empty) */
#define DRIFT_NO_CSR	1	/* no CSR JSON to compare with */
#define DRIFT_BAD_CSR	2	/* the CSR JSON cannot be read */

/* One certificate: a leaf (is_ca 0) or a CA (is_ca 1). */
struct status_row {
	char			*name;		/* NAME of NAME.pem, or "ca" */
	char			*path;		/* as given or built */
	int			 is_ca;
	int			 state;		/* ROW_* */
	char			*error;		/* when state != ROW_OK */
	struct pki_cert		*cert;
	struct pki_cert_facts	 f;		/* when state == ROW_OK */
	double			 percent_used;	/* of the lifetime, at now */
	int64_t			 seconds_left;	/* not_after - now */
	int			 has_renew_at;
	int64_t			 renew_at;
	int			 due;		/* now >= renew_at */
	char			*renew_error;	/* why there is no renew_at */
	int			 key;		/* KEY_*, leaves only */
	int			 drift_state;	/* DRIFT_*, leaves only */
	struct pki_drift	 drift;
	char			*generation;	/* "gen/..." or NULL */
	long			 ca;		/* leaves: issuing CA row, or -1 */
};

struct status_set {
	struct status_row	*rows;
	size_t			 n;
	time_t			 now;
	struct pki_renew_policy	 policy;
};

/* Starts an empty set evaluated at now with policy (borrowed, copied). */
void	status_init(struct status_set *s, time_t now,
	    const struct pki_renew_policy *policy);
/*
 * Adds the rows of one command-line PATH: a certificate file (a leaf
 * row, or a CA row when it is a CA certificate), or a directory (every
 * NAME.pem with a NAME-key.pem sibling, then ca.pem).  Returns 0, or -1
 * on an allocation failure (logged).
 */
int	status_add_path(struct status_set *s, const char *path);
/*
 * Adds every leaf of a cluster description (DIR/<leaf dir>/<name>.pem,
 * compared with the description's CSR JSON), restricted to member when
 * not NULL (an unknown name is an error, logged, -1), then the CA.
 */
int	status_add_cluster(struct status_set *s, const struct pki_cluster *cl,
	    const char *dir, const char *member);
/*
 * Finds each leaf's issuing CA among the CA rows (same issuer name and
 * the leaf verifies against it).
 */
void	status_link(struct status_set *s);
/* Number of rows that are missing or unreadable (key, CSR JSON too). */
size_t	status_problems(const struct status_set *s);
void	status_free(struct status_set *s);

/* Helpers for the printers: RFC 3339 UTC date and kubeadm-style "left". */
void	status_date(int64_t t, char *buf, size_t size);
void	status_left(int64_t seconds, char *buf, size_t size);
/* "none", "+DNS:x -IP:y subject", "no csr json" or "bad csr json". */
char	*status_drift_text(const struct status_row *r);

#endif
