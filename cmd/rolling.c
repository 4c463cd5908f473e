/*
 * rolling.c: "-restart rolling": its flags and the commands the library's
 * session runs (pki_roll_conf.run).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "log.h"
#include "notes.h"
#include "opts.h"
#include "rolling.h"

#define DEFAULT_RESTART_CMD	"systemctl restart etcd"

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

/* pki_roll_conf.restarted: the line becomes "WHAT members restarted". */
static void
rolled(void *arg, size_t done, size_t total)
{
	struct rolling	*rl = arg;

	if (done == 0 && rl->pg != NULL) {
		progress_clear(rl->pg);
		progress_start(rl->pg, rl->what, rl->quiet);
	}
	if (rl->pg != NULL)
		progress_update(rl->pg, done, total);
}

int
rolling_flags(const struct opts *o, struct rolling *rl)
{
	struct pki_roll_conf	*c = &rl->conf;
	struct pki_error	 err;

	memset(&err, 0, sizeof(err));
	memset(c, 0, sizeof(*c));
	/* The values were checked as the flags were parsed (opts.c). */
	c->gate_timeout_ms = opts_ms(o, OPT_GATE_TIMEOUT, PKI_ROLL_GATE_MS);
	c->settle_ms = opts_ms(o, OPT_SETTLE, PKI_ROLL_SETTLE_MS);
	c->lock_ttl_s = opts_ms(o, OPT_LOCK_TTL, PKI_ROLL_LOCK_TTL_S * 1000) /
	    1000;
	c->max_lag = (uint64_t)opts_int(o, OPT_MAX_LAG, PKI_ROLL_MAX_LAG);
	rl->record = opts_str(o, OPT_RECORD);
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
	c->restarted = rolled;
	c->restarted_arg = rl;
	return 0;
}

void
rolling_free(struct rolling *rl)
{
	run_free(&rl->restart);
	run_free(&rl->stop);
	run_free(&rl->start);
}
