/*
 * rolling.c: "-restart rolling": its flags and the commands the library's
 * session runs (pki_roll_conf.run).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "log.h"
#include "opts.h"
#include "rolling.h"

#define DEFAULT_RESTART_CMD	"systemctl restart etcd"

/* Parses a Go duration flag into milliseconds (>= min_ms). */
static int
duration_ms(const struct opts *o, enum opt_id id, const char *flag,
    long min_ms, long *ms)
{
	struct pki_error	 err;
	const char		*v = opts_str(o, id);
	int64_t			 ns;
	int			 r;

	if (v == NULL)
		return 0;
	memset(&err, 0, sizeof(err));
	if ((r = pki_duration_parse(v, &ns, &err)) != 0) {
		log_err("%s: %s", flag, err.text);
		return -1;
	}
	if (ns < (int64_t)min_ms * 1000000 || ns / 1000000 > 86400000L) {
		log_err("%s: %s: must be between %ldms and 24h", flag, v,
		    min_ms);
		return -1;
	}
	*ms = (long)(ns / 1000000);
	return 0;
}

/* pki_roll_conf.run: the member's restart, stop or start command. */
static int
run_member(void *arg, int which, const char *member, int timeout_s)
{
	const struct rolling	*rl = arg;
	const struct run_cmd	*rc;
	char			*env[2] = { NULL, NULL };
	int			 st;

	rc = which == PKI_ROLL_STOP ? &rl->stop : which == PKI_ROLL_START ?
	    &rl->start : &rl->restart;
	if (asprintf(&env[0], "ETCD_PKI_MEMBER=%s", member) == -1) {
		log_err("out of memory");
		return -1;
	}
	st = run_exec(rc, env, timeout_s);
	free(env[0]);
	return st;
}

int
rolling_flags(const struct opts *o, struct rolling *rl)
{
	struct pki_roll_conf	*c = &rl->conf;
	struct pki_error	 err;

	memset(&err, 0, sizeof(err));
	memset(c, 0, sizeof(*c));
	c->gate_timeout_ms = PKI_ROLL_GATE_MS;
	c->settle_ms = PKI_ROLL_SETTLE_MS;
	c->lock_ttl_s = PKI_ROLL_LOCK_TTL_S;
	c->max_lag = PKI_ROLL_MAX_LAG;
	rl->record = opts_str(o, OPT_RECORD);
	if (duration_ms(o, OPT_GATE_TIMEOUT, "-gate-timeout", 1000,
	    &c->gate_timeout_ms) != 0 ||
	    duration_ms(o, OPT_SETTLE, "-settle", 0, &c->settle_ms) != 0)
		return -1;
	if (o->set[OPT_LOCK_TTL]) {
		long	ms = 0;

		if (duration_ms(o, OPT_LOCK_TTL, "-lock-ttl", 5000, &ms) != 0)
			return -1;
		c->lock_ttl_s = ms / 1000;
	}
	if (o->set[OPT_MAX_LAG]) {
		if (o->i[OPT_MAX_LAG] < 0) {
			log_err("-max-lag: %ld: must not be negative",
			    o->i[OPT_MAX_LAG]);
			return -1;
		}
		c->max_lag = (uint64_t)o->i[OPT_MAX_LAG];
	}
	if (pki_roll_conf_check(c, &err) != 0) {
		log_pki(&err, PKI_ERR_ARG);
		return -1;
	}
	if (rl->restart.argv == NULL && rl->stop.argv == NULL &&
	    run_parse(&rl->restart, "-restart-cmd", DEFAULT_RESTART_CMD) != 0)
		return -1;
	c->restart_text = rl->restart.text;
	c->stop_text = rl->stop.argv != NULL ? rl->stop.text : NULL;
	c->start_text = rl->start.text;
	c->run = run_member;
	c->run_arg = rl;
	return 0;
}

void
rolling_free(struct rolling *rl)
{
	run_free(&rl->restart);
	run_free(&rl->stop);
	run_free(&rl->start);
}
