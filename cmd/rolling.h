/*
 * rolling.h: the flags of "-restart rolling" (renew, ca rotate) and the
 * commands it runs; the restart itself is the library's (pki_roll_*).
 */
#ifndef ROLLING_H
#define ROLLING_H

#include <stdint.h>

#include "pki.h"
#include "notes.h"
#include "run.h"

struct opts;
struct targets;
struct target;

#define RENEW_EXIT_ROLLED_BACK		4
#define RENEW_EXIT_ROLLBACK_FAILED	5

/* The flags of a rolling restart, and the session's configuration. */
struct rolling {
	struct run_cmd		 restart;	/* -restart-cmd (default
						   systemctl restart etcd) */
	struct run_cmd		 stop, start;	/* -stop-cmd/-start-cmd */
	const char		*record;	/* -record FILE, or NULL */
	int			 quiet;
	struct pki_roll_conf	 conf;		/* filled by rolling_flags */
	struct notes		 out;		/* where the session's notes go */
	struct pki_notify	 nt;
};

/*
 * Parses the rolling flags of o into rl (restart/stop/start already
 * parsed by the caller into rl; quiet set by it too) and fills rl->conf.
 * Returns 0, or -1 after printing a usage error (-lock-ttl not longer
 * than -gate-timeout, ...).
 */
int	rolling_flags(const struct opts *o, struct rolling *rl);
void	rolling_free(struct rolling *rl);
/* Points rl's configuration and notes at rl itself (after a copy). */
void	rolling_bind(struct rolling *rl);

struct rolling_session;

/*
 * A client certificate of ca for a trust probe (pki_probe_cert_new).
 * Returns 0, or -1 after printing why.
 */
int	rolling_probe_cert(const struct pki_cert *ca,
	    const struct pki_key *cakey, struct pki_cert **cert,
	    struct pki_key **key);
/*
 * pki_roll_begin for member t of ts (cluster mode).  Returns
 * CMD_RETURN_NORMAL with *out, RENEW_EXIT_BUSY, RENEW_EXIT_PRECOND or
 * CMD_RETURN_ERROR, each after printing why.
 */
int	rolling_begin(struct rolling *rl, const struct targets *ts,
	    const struct target *t, struct rolling_session **out);
/*
 * pki_roll_switch: CMD_RETURN_NORMAL, RENEW_EXIT_ROLLED_BACK,
 * RENEW_EXIT_ROLLBACK_FAILED or CMD_RETURN_ERROR.
 */
int	rolling_switch(struct rolling_session *s, struct pki_set *set,
	    const char *gen, const struct pki_roll_expect *want,
	    const struct pki_roll_expect *old);
/* pki_roll_end: 0, or -1 when the lock could not be released. */
int	rolling_end(struct rolling_session *s);

#endif
