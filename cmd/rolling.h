/*
 * rolling.h: the flags of "-restart rolling" (renew, ca rotate) and the
 * commands it runs; the restart itself is the library's (pki_roll_*).
 */
#ifndef ROLLING_H
#define ROLLING_H

#include <stdint.h>

#include "pki.h"
#include "run.h"

struct opts;

/* The flags of a rolling restart, and the session's configuration. */
struct rolling {
	struct run_cmd		 restart;	/* -restart-cmd (default
						   systemctl restart etcd) */
	struct run_cmd		 stop, start;	/* -stop-cmd/-start-cmd */
	const char		*record;	/* -record FILE, or NULL */
	int			 quiet;
	struct pki_progress	*pg;		/* the progress line, restarted
						   as "what N/TOTAL" */
	const char		*what;
	struct pki_roll_conf	 conf;		/* filled by rolling_flags:
						   its commands are rl's */
};

/*
 * Parses the rolling flags of o into rl (restart/stop/start already
 * parsed by the caller into rl) and fills rl->conf, whose commands are
 * run from rl (which must not move afterwards).  Returns 0, or -1 after
 * printing a usage error (-lock-ttl not longer than -gate-timeout, ...).
 */
int	rolling_flags(const struct opts *o, struct rolling *rl);
void	rolling_free(struct rolling *rl);

#endif
