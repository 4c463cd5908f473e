/*
 * rolling.h: "-restart rolling", a member's restart coordinated through
 * etcd itself: the cluster-wide lock (etcd's v3 lock on a lease), the
 * gates before the restart (every member healthy, no alarm, quorum kept
 * with this member down, leadership moved away), the switch of the
 * member's set inside the restart, the gates after it (healthy, caught
 * up, the expected certificate served and trust loaded), and the
 * automatic rollback when they fail.  Shared by renew and ca rotate.
 */
#ifndef ROLLING_H
#define ROLLING_H

#include <stdint.h>

#include "run.h"

struct opts;
struct targets;
struct target;
struct pki_set;
struct pki_cert;
struct pki_key;

/* The name of the lock in etcd ("etcdctl lock etcd-pki-rollover" takes it
 * too). */
#define ROLLING_LOCK_NAME	"etcd-pki-rollover"

#define RENEW_EXIT_ROLLED_BACK		4
#define RENEW_EXIT_ROLLBACK_FAILED	5

/* The flags of a rolling restart. */
struct rolling {
	struct run_cmd	 restart;	/* -restart-cmd (default systemctl
					   restart etcd) */
	struct run_cmd	 stop, start;	/* -stop-cmd/-start-cmd instead */
	long		 gate_timeout_ms;	/* -gate-timeout, 120 s */
	long		 settle_ms;		/* -settle, 30 s */
	long		 lock_ttl_s;		/* -lock-ttl, 300 s */
	uint64_t	 max_lag;		/* -max-lag, 100 */
	const char	*record;		/* -record FILE, or NULL */
	int		 quiet;
};

/*
 * Parses the rolling flags of o into rl (restart/stop/start already
 * parsed by the caller into rl).  Returns 0, or -1 after printing a
 * usage error (-lock-ttl not longer than -gate-timeout, ...).
 */
int	rolling_flags(const struct opts *o, struct rolling *rl);
void	rolling_free(struct rolling *rl);

/* What the member must show after its restart. */
struct rolling_expect {
	const char		*serial_hex;	/* served on its client and
						   peer ports; NULL: any */
	const struct pki_cert	*trust_ca;	/* it accepts a client
						   certificate of this CA */
	const struct pki_key	*trust_key;
	const struct pki_cert	*distrust_ca;	/* it refuses one of this
						   CA */
	const struct pki_key	*distrust_key;
};

struct rolling_session;

/*
 * A client certificate of ca (fresh P-256 key, CN "etcd-pki probe",
 * clientAuth, 15 minutes), made for a trust probe and never written.
 * Returns 0, or -1 after printing why.
 */
int	rolling_probe_cert(const struct pki_cert *ca,
	    const struct pki_key *cakey, struct pki_cert **cert,
	    struct pki_key **key);

/*
 * For member t of ts (cluster mode): connects to the cluster with t's
 * own certificate, key and trust bundle, through the other members'
 * client URLs; takes the cluster-wide lock on a lease of -lock-ttl
 * (RENEW_EXIT_BUSY at once when another holder has it); checks the gates
 * (every member healthy and started, no alarm, quorum with t down); moves
 * leadership to a healthy follower when t leads.  Returns
 * CMD_RETURN_NORMAL with *out, RENEW_EXIT_BUSY, RENEW_EXIT_PRECOND (a
 * gate failed: nothing changed, the lock released) or CMD_RETURN_ERROR,
 * each after printing why.
 */
int	rolling_begin(struct rolling *rl, const struct targets *ts,
	    const struct target *t, struct rolling_session **out);

/*
 * Inside the session: stops the member (-stop-cmd), switches t's set to
 * gen (pki_set_activate; gen NULL: no switch, a restart only), starts it
 * (-start-cmd), or switches and runs -restart-cmd; then waits up to
 * -gate-timeout for the gates after the restart (healthy, raft index
 * within -max-lag of the leader, every member healthy, want).  When they
 * fail and gen was switched, switches back to the generation that was
 * current before, restarts again and checks against old.  Returns
 * CMD_RETURN_NORMAL, RENEW_EXIT_ROLLED_BACK, RENEW_EXIT_ROLLBACK_FAILED
 * (the member may be down: page someone), or CMD_RETURN_ERROR (nothing
 * switched, nothing restarted), each after printing why.
 */
int	rolling_switch(struct rolling_session *s, struct pki_set *set,
	    const char *gen, const struct rolling_expect *want,
	    const struct rolling_expect *old);

/*
 * Waits -settle, releases the lock and revokes the lease (the session is
 * freed).  Returns 0, or -1 when the lock could not be released (it
 * expires with its lease).
 */
int	rolling_end(struct rolling_session *s);

#endif
