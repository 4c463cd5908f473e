/*
 * cmd-ca-rotate.c: "etcd-pki ca rotate": a cluster's CA replaced by a new
 * one in three phases, add-trust, reissue and drop-old (rollover.md
 * 8.9).  The flags are read here; the rotation is the library's
 * (pki_rot_open, pki_rot_run).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"
#include "notes.h"
#include "rolling.h"
#include "rotate.h"
#include "run.h"

static const int ca_rotate_opts[] = {
	OPT_PHASE, OPT_CLUSTER, OPT_MEMBER, OPT_RESTART, OPT_RESTART_CMD,
	OPT_STOP_CMD, OPT_START_CMD, OPT_GATE_TIMEOUT, OPT_SETTLE,
	OPT_LOCK_TTL, OPT_MAX_LAG, OPT_RECORD, OPT_TIMEOUT, OPT_QUIET,
	OPT_CA_KEY_PASSWORD, OPT_STRICT, OPT_FORMAT, OPT_LOGLEVEL, OPT_END
};

/* PKI_ERR_ARG is a usage error, PKI_ERR_BUSY "later". */
static int
open_status(int r)
{
	if (r == PKI_ERR_ARG)
		return CMD_RETURN_USAGE;
	return r == PKI_ERR_BUSY ? notes_exit(PKI_RUN_BUSY) :
	    CMD_RETURN_ERROR;
}

int
rotate_open(const struct opts *o, int lock, const struct pki_notify *nt,
    const struct pki_parse_opts *po, struct pki_cluster **cl,
    struct pki_rotation **ro)
{
	struct pki_rot_opts	 ro_;
	char			*pw = NULL;
	size_t			 pwlen = 0;
	int			 r;

	*cl = NULL;
	*ro = NULL;
	memset(&ro_, 0, sizeof(ro_));
	/* Checked as the flags were parsed (opts.c); 0: the default. */
	ro_.probe_timeout_ms = (int)opts_ms(o, OPT_TIMEOUT, 0);
	if (opts_str(o, OPT_CLUSTER) == NULL) {
		log_err("need -cluster DESC DIR (ca rotate and ca status work "
		    "on a cluster's directory)");
		return CMD_RETURN_USAGE;
	}
	if (o->nargs != 1) {
		log_err("-cluster DESC needs one argument, the cluster's "
		    "directory DIR (got %d)", o->nargs);
		return CMD_RETURN_USAGE;
	}
	if ((r = load_cluster(o, opts_str(o, OPT_CLUSTER), cl)) !=
	    CMD_RETURN_NORMAL)
		return r;
	ro_.member = opts_str(o, OPT_MEMBER);
	ro_.lock = lock;
	ro_.sign_policy = po;
	ro_.nt = *nt;
	ro_.progress = notes_progress;
	if (load_password(o, &pw, &pwlen) != CMD_RETURN_NORMAL)
		return CMD_RETURN_ERROR;
	ro_.ca_key_password = pw;
	ro_.ca_key_passwordlen = pwlen;
	r = pki_rot_open(*cl, opts_str(o, OPT_CLUSTER), o->args[0], &ro_, ro);
	pki_secret_free(pw, pwlen);
	if (r != 0)
		return open_status(r);
	return CMD_RETURN_NORMAL;
}

/* -phase (its choices in the order of PKI_ROT_*), or -1 after an error. */
static int
parse_phase(const struct opts *o)
{
	static const int	phases[] = { PKI_ROT_ADD_TRUST, PKI_ROT_REISSUE,
	    PKI_ROT_DROP_OLD };
	int			i = opts_enum(o, OPT_PHASE, -1);

	if (i >= 0)
		return phases[i];
	log_err("-phase: missing: must be add-trust, reissue or drop-old");
	return -1;
}

/*
 * -restart rolling (the default; rl filled) or none: 1, 0, or -1 after a
 * usage error.
 */
static int
parse_restart(const struct opts *o, struct rolling *rl)
{
	if (opts_enum(o, OPT_RESTART, OPT_RESTART_ROLLING) ==
	    OPT_RESTART_NONE) {
		if (o->set[OPT_RESTART_CMD] || o->set[OPT_STOP_CMD] ||
		    o->set[OPT_START_CMD] || o->set[OPT_GATE_TIMEOUT] ||
		    o->set[OPT_SETTLE] || o->set[OPT_LOCK_TTL] ||
		    o->set[OPT_MAX_LAG] || o->set[OPT_RECORD]) {
			log_err("-restart none writes files only: the flags of "
			    "-restart rolling do not apply");
			return -1;
		}
		return 0;
	}
	rl->quiet = o->b[OPT_QUIET];
	if (run_parse_opt(&rl->restart, o, OPT_RESTART_CMD) != 0 ||
	    run_parse_opt(&rl->stop, o, OPT_STOP_CMD) != 0 ||
	    run_parse_opt(&rl->start, o, OPT_START_CMD) != 0 ||
	    rolling_flags(o, rl) != 0)
		return -1;
	return 1;
}

static int
cmd_ca_rotate_exec(struct opts *o)
{
	struct pki_rotation	*ro = NULL;
	struct pki_cluster	*cl = NULL;
	struct rolling		 rl;
	struct notes		 out;
	struct pki_notify	 nt;
	struct pki_parse_opts	 po;
	struct pki_progress	 pg;
	int			 phase, rolling, ret;

	memset(&rl, 0, sizeof(rl));
	memset(&out, 0, sizeof(out));
	/* What it signs must verify: no -allow-invalid-issuer here. */
	load_parse_opts(o, &po);
	po.no_allowance_flag = 1;
	if ((phase = parse_phase(o)) < 0)
		return CMD_RETURN_USAGE;
	if ((rolling = parse_restart(o, &rl)) < 0) {
		rolling_free(&rl);
		return CMD_RETURN_USAGE;
	}
	out.quiet = rl.quiet;
	out.record = rl.record;
	progress_start(&pg, "ca rotate: leaves reissued", out.quiet);
	out.pg = rl.pg = &pg;
	rl.what = "ca rotate: members restarted";
	nt.note = notes_print;
	nt.arg = &out;
	if ((ret = rotate_open(o, 1, &nt, &po, &cl, &ro)) ==
	    CMD_RETURN_NORMAL && (ret = notes_doc_start(&out, o, "ca rotate",
	    json_pack("{s:s,s:s}", "phase", opts_str(o, OPT_PHASE), "restart",
	    rolling ? "rolling" : "none"))) == CMD_RETURN_NORMAL)
		ret = notes_doc_end(&out, pki_rot_run(ro, phase, rolling ?
		    &rl.conf : NULL), -1);
	progress_clear(&pg);
	pki_rot_free(ro);
	pki_cluster_free(cl);
	rolling_free(&rl);
	return ret;
}

const struct cmd_entry cmd_ca_rotate_entry = {
	"ca rotate",
	"replace the cluster's CA: add-trust, reissue, drop-old",
	"        PROG ca rotate -phase add-trust|reissue|drop-old -cluster DESC\n"
	"            [-member NAME] [-restart rolling|none] [flags] DIR\n"
	"\n"
	"Replaces DIR/ca.pem by a new CA in three phases, each run once for\n"
	"the cluster and rerun to resume: add-trust makes DIR/ca-next.pem and\n"
	"adds it to every member's and client's bundle DIR/LEAF/ca.pem;\n"
	"reissue makes it the signing CA (the old one kept as ca-prev.pem)\n"
	"and re-signs every leaf with its key; drop-old leaves only the new\n"
	"CA in the bundles and retires the old one as\n"
	"ca-retired-SERIAL.pem.  Members are restarted one at a time\n"
	"(-restart rolling, the default) or not (-restart none: files only).\n"
	"Exit status: 0 the phase was complete, 10 something changed, 3 not\n"
	"this phase yet (the message says what is missing), 75 the lock is\n"
	"held, 4/5 a restart was rolled back (or that failed), 1 error.",
	ca_rotate_opts,
	cmd_ca_rotate_exec,
	1,
	0
};

