/*
 * cmd-renew.c: "etcd-pki renew": its flags, hooks and exit status; the
 * renewal itself is the library's (pki_renew_run).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"
#include "notes.h"
#include "out.h"
#include "rolling.h"
#include "run.h"
#include "sets.h"

#define HOOK_TIMEOUT	300

static const int renew_opts[] = {
	OPT_CLUSTER, OPT_MEMBER, OPT_CA, OPT_CA_KEY, OPT_CA_KEY_PASSWORD,
	OPT_CONFIG, OPT_PROFILE, OPT_REMOTE, OPT_LABEL, OPT_TLS_REMOTE_CA,
	OPT_MUTUAL_TLS_CLIENT_CERT, OPT_MUTUAL_TLS_CLIENT_KEY, OPT_REMOTE_TIMEOUT,
	OPT_CSR_JSON, OPT_RENEW_BEFORE, OPT_STAGGER, OPT_FORCE,
	OPT_ALLOW_SAN_CHANGE, OPT_REKEY, OPT_REPLACE_KEY, OPT_KEEP, OPT_LAYOUT, OPT_RESTART,
	OPT_RESTART_CMD, OPT_STOP_CMD, OPT_START_CMD, OPT_PRE_HOOK,
	OPT_DEPLOY_HOOK, OPT_POST_HOOK, OPT_DRY_RUN, OPT_QUIET,
	OPT_METRICS_FILE, OPT_NO_SYNC, OPT_GATE_TIMEOUT, OPT_SETTLE,
	OPT_LOCK_TTL, OPT_MAX_LAG, OPT_RECORD, OPT_STRICT, OPT_FORMAT,
	OPT_LOGLEVEL, OPT_OWNER, OPT_MODE, OPT_ETCD_ENDPOINTS, OPT_ETCD_CACERT,
	OPT_ETCD_CERT, OPT_ETCD_KEY, OPT_END
};

struct renew {
	const struct opts	*o;
	struct sets		 s;
	struct pki_renew_opts	 ro;
	struct pki_parse_opts	 po;		/* ro.sign_policy */
	struct notes		 out;
	struct run_cmd		 pre, deploy, post, restart, stop, start;
	struct rolling		 rl;
	struct pki_roll_node	 node;		/* -restart rolling, path mode */
	struct pki_progress	 pg;
};

/* ---- -format json and the progress line ------------------------------- */

static void
renew_result(void *arg, const struct pki_renew_result *res)
{
	struct notes	*no = arg;

	if (no->doc != NULL && no->doc_r == PKI_OK)
		no->doc_r = pki_doc_renew_result(no->doc, res, &no->doc_err);
}

/* ---- hooks ----------------------------------------------------------- */

/* Runs an optional command; 0 when it is unset or exits 0. */
static int
run_opt(const struct run_cmd *rc, char *const *env)
{
	int	st;

	if (rc->argv == NULL)
		return 0;
	if ((st = run_exec(rc, env, HOOK_TIMEOUT)) == 0)
		return 0;
	if (st > 0)
		log_err("%s: \"%s\" exited with status %d", rc->flag, rc->text,
		    st);
	return -1;
}

static int
hook_pre(void *arg, const char *due)
{
	char	**env;
	int	  r = -1;

	if ((env = pki_env_new("ETCD_PKI_DUE", due, (char *)NULL)) != NULL)
		r = run_opt(&((struct renew *)arg)->pre, env);
	pki_env_free(env);
	return r;
}

static int
hook_stop(void *arg)
{
	return run_opt(&((struct renew *)arg)->stop, NULL);
}

static int
hook_start(void *arg)
{
	return run_opt(&((struct renew *)arg)->start, NULL);
}

static void
hook_deploy(void *arg, const struct pki_renewed *d)
{
	struct renew	*rn = arg;
	char		**env;

	if ((env = pki_env_new("ETCD_PKI_MEMBER", d->name, "ETCD_PKI_CERT",
	    d->cert, "ETCD_PKI_DIR", d->dir, "ETCD_PKI_GENERATION",
	    d->generation, "ETCD_PKI_OLD_SERIAL", d->old_serial,
	    "ETCD_PKI_NEW_SERIAL", d->new_serial, "ETCD_PKI_REKEYED",
	    d->rekeyed ? "1" : "0", (char *)NULL)) == NULL)
		log_err("out of memory");
	else if (run_opt(&rn->deploy, env) != 0)
		log_err("%s: the certificate is renewed and active, but the "
		    "deploy hook failed", d->label);
	pki_env_free(env);
}

static int
hook_restart(void *arg)
{
	if (run_opt(&((struct renew *)arg)->restart, NULL) == 0)
		return 0;
	log_err("-restart-cmd failed: the new certificates are active on disk "
	    "but the member may not have loaded them");
	return -1;
}

static void
hook_post(void *arg, const char *renewed, const char *failed, int outcome)
{
	struct renew	*rn = arg;
	char		**env, ex[16];

	snprintf(ex, sizeof(ex), "%d", notes_exit(outcome));
	if ((env = pki_env_new("ETCD_PKI_RENEWED", renewed, "ETCD_PKI_FAILED",
	    failed, "ETCD_PKI_EXIT", ex, (char *)NULL)) == NULL)
		log_err("out of memory");
	else if (run_opt(&rn->post, env) != 0)
		log_err("the post hook failed");
	pki_env_free(env);
}

/* The hooks given, as the library's callbacks. */
static void
set_hooks(struct renew *rn)
{
	struct pki_renew_hooks	*h = &rn->ro.hooks;

	h->arg = rn;
	if (rn->pre.argv != NULL)
		h->pre = hook_pre;
	if (rn->stop.argv != NULL)
		h->stop = hook_stop;
	if (rn->start.argv != NULL)
		h->start = hook_start;
	if (rn->deploy.argv != NULL)
		h->deploy = hook_deploy;
	if (rn->restart.argv != NULL)
		h->restart = hook_restart;
	if (rn->post.argv != NULL)
		h->post = hook_post;
}

/* ---- flags ----------------------------------------------------------- */

/* The flags that set the policy, the layout and the commands. */
static int
parse_basic(struct renew *rn)
{
	const struct opts	*o = rn->o;
	struct pki_renew_opts	*ro = &rn->ro;

	/* The values were checked as the flags were parsed (opts.c). */
	opts_renew_policy(o, &ro->policy);
	ro->force = o->b[OPT_FORCE];
	ro->allow_san_change = o->b[OPT_ALLOW_SAN_CHANGE];
	ro->rekey = o->b[OPT_REKEY];
	ro->replace_key = o->b[OPT_REPLACE_KEY];
	ro->dry_run = o->b[OPT_DRY_RUN];
	ro->no_sync = o->b[OPT_NO_SYNC];
	ro->keep = opts_int(o, OPT_KEEP, 3);
	/* -layout's choices are in PKI_LAYOUT_* order. */
	ro->layout = opts_enum(o, OPT_LAYOUT, -1);
	/* What it signs must verify: no -allow-invalid-issuer here. */
	load_parse_opts(o, &rn->po);
	rn->po.no_allowance_flag = 1;
	ro->sign_policy = &rn->po;
	if (run_parse_opt(&rn->pre, o, OPT_PRE_HOOK) != 0 ||
	    run_parse_opt(&rn->deploy, o, OPT_DEPLOY_HOOK) != 0 ||
	    run_parse_opt(&rn->post, o, OPT_POST_HOOK) != 0 ||
	    run_parse_opt(&rn->restart, o, OPT_RESTART_CMD) != 0 ||
	    run_parse_opt(&rn->stop, o, OPT_STOP_CMD) != 0 ||
	    run_parse_opt(&rn->start, o, OPT_START_CMD) != 0)
		return -1;
	return 0;
}

/* The flags; which go together is the library's (pki_renew_flags_check). */
static int
parse_flags(struct renew *rn)
{
	const struct opts	*o = rn->o;
	struct pki_renew_flags	 f;
	struct pki_error	 err;
	int			 r = 0, rolling;

	memset(&err, 0, sizeof(err));
	if (parse_basic(rn) != 0 || (r = pki_owner_flags(&rn->ro.owner,
	    opts_str(o, OPT_OWNER), opts_str(o, OPT_MODE), &err)) != 0) {
		if (r != 0)
			log_pki(&err, r);
		return -1;
	}
	memset(&f, 0, sizeof(f));
	switch (opts_enum(o, OPT_RESTART, -1)) {
	case OPT_RESTART_ROLLING:
		f.restart = PKI_RESTART_ROLLING;
		break;
	case OPT_RESTART_NONE:
		f.restart = PKI_RESTART_NONE;
		break;
	default:
		f.restart = PKI_RESTART_UNSET;
		break;
	}
	f.cluster = o->set[OPT_CLUSTER];
	f.layout = rn->ro.layout;
	f.rekey = rn->ro.rekey;
	f.replace_key = rn->ro.replace_key;
	f.restart_cmd = rn->restart.argv != NULL;
	f.stop_cmd = rn->stop.argv != NULL;
	f.start_cmd = rn->start.argv != NULL;
	f.rolling_only = o->set[OPT_GATE_TIMEOUT] || o->set[OPT_SETTLE] ||
	    o->set[OPT_ETCD_ENDPOINTS] || o->set[OPT_ETCD_CACERT] ||
	    o->set[OPT_ETCD_CERT] || o->set[OPT_ETCD_KEY] ||
	    o->set[OPT_LOCK_TTL] || o->set[OPT_MAX_LAG] || o->set[OPT_RECORD];
	if ((r = pki_renew_flags_check(&f, &rolling, &err)) != 0) {
		log_pki(&err, r);
		return -1;
	}
	if (!rolling)
		return 0;
	/* The restart commands move into the rolling session. */
	rn->rl.restart = rn->restart;
	rn->rl.stop = rn->stop;
	rn->rl.start = rn->start;
	memset(&rn->restart, 0, sizeof(rn->restart));
	memset(&rn->stop, 0, sizeof(rn->stop));
	memset(&rn->start, 0, sizeof(rn->start));
	rn->rl.quiet = o->b[OPT_QUIET];
	if (rolling_flags(o, &rn->rl) != 0)
		return -1;
	if (!o->set[OPT_CLUSTER] && (r = pki_roll_node_init(&rn->node,
	    opts_str(o, OPT_ETCD_ENDPOINTS), opts_str(o, OPT_ETCD_CACERT),
	    opts_str(o, OPT_ETCD_CERT), opts_str(o, OPT_ETCD_KEY), &err)) != 0) {
		log_pki(&err, r);
		return -1;
	}
	rn->ro.node = o->set[OPT_CLUSTER] ? NULL : &rn->node;
	rn->ro.rolling = &rn->rl.conf;
	rn->out.record = rn->rl.record;
	/* The line counts the members restarted, not the sets. */
	rn->rl.pg = &rn->pg;
	rn->rl.what = "renew: members restarted";
	rn->ro.progress = NULL;
	return 0;
}

/* ---- the command ------------------------------------------------------ */

/*
 * -metrics-file: the status of every set after the run (as status
 * computes it, with this run's policy) and the run's exit status.
 */
static int
write_metrics(struct renew *rn, int exit_code)
{
	struct pki_error	 err;
	struct pki_status	 ss;
	int			 r = 0;

	memset(&err, 0, sizeof(err));
	pki_status_init(&ss, time(NULL), &rn->ro.policy, NULL);
	if (load_status(rn->o, rn->s.cl, (int)sets_count(&rn->s), &ss,
	    NULL) != CMD_RETURN_NORMAL)
		r = -1;
	else if ((r = pki_status_metrics_write(&ss, opts_str(rn->o,
	    OPT_METRICS_FILE), "renew", exit_code, &err)) != 0) {
		log_pki(&err, r);
		r = -1;
	}
	pki_status_free(&ss);
	return r;
}

static int
cmd_renew_exec(struct opts *o)
{
	struct renew	rn;
	int		ret, outcome = PKI_RUN_FAILED;
	struct pki_error err;

	memset(&rn, 0, sizeof(rn));
	rn.o = o;
	rn.ro.now = time(NULL);
	rn.out.quiet = o->b[OPT_QUIET];
	rn.ro.nt.note = notes_print;
	rn.ro.nt.arg = &rn.out;
	rn.ro.result = renew_result;
	rn.ro.progress = notes_progress;
	rn.ro.result_arg = &rn.out;
	progress_start(&rn.pg, "renew: sets", rn.out.quiet);
	rn.out.pg = &rn.pg;
	memset(&err, 0, sizeof(err));
	if (opts_enum(o, OPT_FORMAT, OPT_OUT_TEXT) == OPT_OUT_JSON &&
	    (ret = pki_doc_renew_new(o->b[OPT_DRY_RUN], &rn.out.doc,
	    &err)) != 0) {
		log_pki(&err, ret);
		return CMD_RETURN_ERROR;
	}
	if (parse_flags(&rn) != 0) {
		ret = CMD_RETURN_USAGE;
		goto out;
	}
	set_hooks(&rn);
	if ((ret = sets_load(o, 1, &rn.ro.nt, &rn.s)) != CMD_RETURN_NORMAL ||
	    (ret = sets_lock(&rn.s)) != CMD_RETURN_NORMAL)
		goto out;
	outcome = pki_renew_run(rn.s.ts, &rn.ro);
	progress_clear(&rn.pg);
	ret = notes_exit(outcome);
 out:
	if (opts_str(o, OPT_METRICS_FILE) != NULL && ret != CMD_RETURN_USAGE &&
	    write_metrics(&rn, ret) != 0 && (ret == 0 ||
	    ret == notes_exit(PKI_RUN_CHANGED)))
		ret = CMD_RETURN_ERROR;
	if (outcome == PKI_RUN_FAILED && ret == notes_exit(PKI_RUN_BUSY))
		outcome = PKI_RUN_BUSY;
	ret = notes_doc_end(&rn.out, outcome, ret);
	sets_free(&rn.s);
	run_free(&rn.pre);
	run_free(&rn.deploy);
	run_free(&rn.post);
	run_free(&rn.restart);
	run_free(&rn.stop);
	run_free(&rn.start);
	rolling_free(&rn.rl);
	pki_roll_node_clear(&rn.node);
	return ret;
}

const struct cmd_entry cmd_renew_entry = {
	"renew",
	"renew certificates that are due, verified and switched atomically",
	"        PROG renew [flags] -ca CERT -ca-key KEY [-config FILE "
	"-profile NAME] CERT...\n"
	"        PROG renew [flags] -config FILE -profile NAME CERT...   "
	"(remote profile: through the CA server)\n"
	"        PROG renew [flags] -cluster DESC [-member NAME] DIR\n"
	"\n"
	"Renews each certificate set (CERT = DIR/NAME.pem, with NAME-key.pem,\n"
	"NAME.csr and NAME-csr.json next to it) when 1/3 of its lifetime is\n"
	"left (-renew-before), earlier by a fixed per-member offset\n"
	"(-stagger), keeping the key unless -rekey.  The new set is verified,\n"
	"written as a new generation DIR/gen/TIME-SERIAL/ and activated by\n"
	"switching the link DIR/current (DIR/NAME.gen/current and gen/ in a\n"
	"directory holding other sets); DIR/NAME.pem and the others become\n"
	"links through current/ (or, with -layout fixed, replaced in place\n"
	"with a .bak copy).  -restart rolling (with -cluster) restarts each\n"
	"member on its new generation one at a time through etcd's lock\n"
	"\"etcd-pki-rollover\", with health gates before and after, and rolls\n"
	"back when the gates after the restart fail.  Exit status: 0 nothing\n"
	"due, 10 renewed, 75 another run holds the lock, 3 a precondition or\n"
	"gate failed, 4 rolled back, 5 the rollback failed too, 1 error, 2\n"
	"usage.",
	renew_opts,
	cmd_renew_exec,
	1,
	0
};
