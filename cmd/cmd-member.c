/*
 * cmd-member.c: "etcd-pki member add|remove" (the group and both
 * subcommands, each a few lines); the change itself is the library's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"
#include "notes.h"
#include "run.h"

static const int add_opts[] = {
	OPT_CLUSTER, OPT_HOSTNAME, OPT_PEER_URLS, OPT_CLIENT_URLS, OPT_DATA_DIR,
	OPT_LEARNER, OPT_START_CMD, OPT_GATE_TIMEOUT, OPT_NO_SYNC, OPT_STRICT,
	OPT_LOGLEVEL, OPT_END
};
static const int remove_opts[] = {
	OPT_CLUSTER, OPT_GATE_TIMEOUT, OPT_NO_SYNC, OPT_STRICT, OPT_LOGLEVEL,
	OPT_END
};

/* pki_member_opts.start: -start-cmd with $ETCD_PKI_MEMBER. */
static int
start_member(void *arg, const char *member, int timeout_s)
{
	char	*env[2] = { NULL, NULL };
	int	 st;

	if (asprintf(&env[0], "ETCD_PKI_MEMBER=%s", member) == -1)
		return -1;
	st = run_exec(arg, env, timeout_s);
	free(env[0]);
	return st;
}

static int
cmd_member_run(struct opts *o, int add)
{
	struct pki_member_opts	mo;
	struct pki_parse_opts	po;
	struct notes		out;
	struct run_cmd		start;
	int			ret = CMD_RETURN_USAGE;

	memset(&mo, 0, sizeof(mo));
	memset(&out, 0, sizeof(out));
	memset(&start, 0, sizeof(start));
	if (o->nargs != 2 || !o->set[OPT_CLUSTER] || (add &&
	    !o->set[OPT_HOSTNAME])) {
		log_err("needs -cluster DESC%s, DIR and NAME", add ?
		    ", -hostname" : "");
		return CMD_RETURN_USAGE;
	}
	if (run_parse_opt(&start, o, OPT_START_CMD) != 0)
		return CMD_RETURN_USAGE;
	load_parse_opts(o, &po);
	mo.desc = o->str[OPT_CLUSTER];
	mo.dir = o->args[0];
	mo.name = o->args[1];
	mo.hosts = opts_str(o, OPT_HOSTNAME);
	mo.peer_urls = opts_str(o, OPT_PEER_URLS);
	mo.client_urls = opts_str(o, OPT_CLIENT_URLS);
	mo.data_dir = opts_str(o, OPT_DATA_DIR);
	mo.learner = o->b[OPT_LEARNER];
	mo.gate_timeout_ms = opts_ms(o, OPT_GATE_TIMEOUT, 0);
	mo.start = start.argv != NULL ? start_member : NULL;
	mo.start_arg = &start;
	mo.po = &po;
	mo.no_sync = o->b[OPT_NO_SYNC];
	mo.nt.note = notes_print;
	mo.nt.arg = &out;
	ret = notes_exit(add ? pki_member_add(&mo) : pki_member_remove(&mo));
	run_free(&start);
	return ret;
}

static int
cmd_member_add_exec(struct opts *o)
{
	return cmd_member_run(o, 1);
}

static int
cmd_member_remove_exec(struct opts *o)
{
	return cmd_member_run(o, 0);
}

const struct cmd_entry cmd_member_add_entry = {
	"member add", "add a member to a running cluster",
	"        PROG member add -cluster DESC -hostname IP[,HOST...] "
	"[-peer-urls URLS]\n            [-client-urls URLS] [-data-dir DIR] "
	"[-learner] [-start-cmd CMD] DIR NAME",
	add_opts, cmd_member_add_exec, 1, 0
};

const struct cmd_entry cmd_member_remove_entry = {
	"member remove", "remove a member, revoking its certificates",
	"        PROG member remove -cluster DESC DIR NAME",
	remove_opts, cmd_member_remove_exec, 1, 0
};

static const struct cmd_entry *const member_table[] = {
	&cmd_member_add_entry, &cmd_member_remove_entry, NULL
};

const struct cmd_group cmd_member_group = {
	"member", member_table, "etcd-pki(1) and etcd-pki-cluster(5)"
};
static const int member_opts[] = { OPT_END };

static int
cmd_member_exec(struct opts *o)
{
	return cmd_dispatch(o, &cmd_member_group);
}

const struct cmd_entry cmd_member_entry = {
	"member", "add or remove an etcd member, certificates and all "
	"(etcd-pki only)",
	"        PROG member add -cluster DESC -hostname IP[,HOST...] [flags] "
	"DIR NAME\n        PROG member remove -cluster DESC [flags] DIR NAME",
	member_opts, cmd_member_exec, 0, 0
};
