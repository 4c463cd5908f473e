/*
 * cmd-rollback.c: "etcd-pki rollback": its flags and the restart command;
 * the rollback itself is the library's (pki_rollback_run).
 */
#include <stdio.h>
#include <string.h>

#include "pki.h"
#include "cmd.h"
#include "log.h"
#include "notes.h"
#include "run.h"
#include "sets.h"

static const int rollback_opts[] = {
	OPT_CLUSTER, OPT_MEMBER, OPT_TO, OPT_FORCE, OPT_RESTART_CMD,
	OPT_NO_SYNC, OPT_STRICT, OPT_FORMAT, OPT_LOGLEVEL, OPT_END
};

/* -restart-cmd after the rollback: 0, or -1 after printing why. */
static int
restart_cmd(void *arg)
{
	if (run_exec(arg, NULL, 300) == 0)
		return 0;
	log_err("-restart-cmd failed after the rollback");
	return -1;
}

static int
cmd_rollback_exec(struct opts *o)
{
	struct pki_rollback_opts	 ro;
	struct pki_error		 err;
	struct notes			 out;
	struct sets			 s;
	struct run_cmd			 restart;
	int				 ret;

	memset(&ro, 0, sizeof(ro));
	memset(&err, 0, sizeof(err));
	memset(&out, 0, sizeof(out));
	memset(&s, 0, sizeof(s));
	memset(&restart, 0, sizeof(restart));
	if (run_parse_opt(&restart, o, OPT_RESTART_CMD) != 0)
		return CMD_RETURN_USAGE;
	ro.to = opts_str(o, OPT_TO);
	ro.force = o->b[OPT_FORCE];
	ro.no_sync = o->b[OPT_NO_SYNC];
	ro.restart = restart.argv != NULL ? restart_cmd : NULL;
	ro.arg = &restart;
	ro.nt.note = notes_print;
	ro.nt.arg = &out;
	if ((ret = sets_load(o, 0, &ro.nt, &s)) != CMD_RETURN_NORMAL)
		goto out;
	if (ro.to != NULL && sets_count(&s) != 1) {
		log_err("-to names a generation of one set; %zu are given "
		    "(use -member)", sets_count(&s));
		ret = CMD_RETURN_USAGE;
		goto out;
	}
	if ((ret = sets_lock(&s)) != CMD_RETURN_NORMAL)
		goto out;
	if (pki_rollback_check(s.ts, ro.to, &err) != 0) {
		log_pki(&err, PKI_ERR_ARG);
		ret = CMD_RETURN_USAGE;
		goto out;
	}
	if ((ret = notes_doc_start(&out, o, "rollback", json_pack("{s:s?}",
	    "to", ro.to))) == CMD_RETURN_NORMAL)
		ret = notes_doc_end(&out, pki_rollback_run(s.ts, &ro), -1);
 out:
	sets_free(&s);
	run_free(&restart);
	return ret;
}

const struct cmd_entry cmd_rollback_entry = {
	"rollback",
	"switch a renewed set back to the previous generation",
	"        PROG rollback [flags] CERT...\n"
	"        PROG rollback [flags] -cluster DESC [-member NAME] DIR\n"
	"\n"
	"Points DIR/current back at the generation before it (or -to GEN),\n"
	"after checking that its key matches its certificate; in the fixed\n"
	"layout, puts the *.bak files of the last renewal back.  A generation\n"
	"with another key than the current one needs -restart-cmd (or\n"
	"-force).  Exit status: 0 rolled back, 3 nothing to roll back to or\n"
	"a check failed, 75 another run holds the lock, 1 error, 2 usage.",
	rollback_opts,
	cmd_rollback_exec,
	1,
	0
};
