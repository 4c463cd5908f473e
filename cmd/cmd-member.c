/*
 * cmd-member.c: "etcd-pki member add|remove" and "client add|remove" (the
 * groups and their subcommands, a few lines each); the library changes.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"
#include "notes.h"
#include "rolling.h"

static const int add_opts[] = {
	OPT_CLUSTER, OPT_HOSTNAME, OPT_PEER_URLS, OPT_CLIENT_URLS, OPT_DATA_DIR,
	OPT_LEARNER, OPT_START_CMD, OPT_GATE_TIMEOUT, OPT_NO_SYNC, OPT_STRICT,
	OPT_FORMAT, OPT_LOGLEVEL, OPT_END
};
static const int remove_opts[] = {
	OPT_CLUSTER, OPT_GATE_TIMEOUT, OPT_NO_SYNC, OPT_STRICT, OPT_FORMAT,
	OPT_LOGLEVEL, OPT_END
};
static const int client_opts[] = { OPT_CLUSTER, OPT_CN, OPT_NO_SYNC,
	OPT_STRICT, OPT_FORMAT, OPT_LOGLEVEL, OPT_END }, client_rm_opts[] = {
	OPT_CLUSTER, OPT_NO_SYNC, OPT_STRICT, OPT_FORMAT, OPT_LOGLEVEL, OPT_END };

static int
cmd_member_run(struct opts *o)
{
	static int		(*const fn[])(const struct pki_member_opts *) = {
				    pki_member_add, pki_member_remove,
				    pki_client_add, pki_client_remove };
	struct pki_member_opts	mo;
	struct pki_parse_opts	po;
	struct notes		out;
	struct rolling		rl;
	int			i, ret = CMD_RETURN_USAGE;	/* i: fn's */

	memset(&mo, 0, sizeof(mo));
	memset(&out, 0, sizeof(out));
	memset(&rl, 0, sizeof(rl));
	i = (o->cmd[0] == 'c' ? 2 : 0) + (strstr(o->cmd, "remove") != NULL);
	if (o->nargs != 2 || !o->set[OPT_CLUSTER] || (i == 0 &&
	    !o->set[OPT_HOSTNAME])) {
		log_err("needs -cluster DESC%s, DIR and NAME", i == 0 ?
		    ", -hostname" : "");
		return CMD_RETURN_USAGE;
	}
	if (run_parse_opt(&rl.start, o, OPT_START_CMD) != 0 ||
	    rolling_flags(o, &rl) != 0)
		goto out;
	load_parse_opts(o, &po);
	mo.desc = o->str[OPT_CLUSTER];
	mo.dir = o->args[0];
	mo.name = o->args[1];
	mo.hosts = opts_str(o, OPT_HOSTNAME);
	mo.peer_urls = opts_str(o, OPT_PEER_URLS);
	mo.client_urls = opts_str(o, OPT_CLIENT_URLS);
	mo.data_dir = opts_str(o, OPT_DATA_DIR);
	mo.cn = opts_str(o, OPT_CN);
	mo.learner = o->b[OPT_LEARNER];
	mo.gate_timeout_ms = rl.conf.gate_timeout_ms;
	mo.run = rl.start.argv != NULL ? rl.conf.run : NULL;
	mo.run_arg = rl.conf.run_arg;
	mo.po = &po;
	mo.no_sync = o->b[OPT_NO_SYNC];
	mo.nt.note = notes_print;
	mo.nt.arg = &out;
	if ((ret = notes_doc_start(&out, o, o->cmd, json_pack("{s:s}", "name",
	    mo.name))) == CMD_RETURN_NORMAL)
		ret = notes_doc_end(&out, fn[i](&mo), -1);
 out:
	rolling_free(&rl);
	return ret;
}

const struct cmd_entry cmd_member_add_entry = {
	"member add", "add a member to a running cluster",
	"        PROG member add -cluster DESC -hostname IP[,HOST...] "
	"[-peer-urls URLS]\n            [-client-urls URLS] [-data-dir DIR] "
	"[-learner] [-start-cmd CMD] DIR NAME", add_opts, cmd_member_run, 1, 0
};
const struct cmd_entry cmd_member_remove_entry = {
	"member remove", "remove a member, revoking its certificates",
	"        PROG member remove -cluster DESC DIR NAME", remove_opts,
	cmd_member_run, 1, 0
};
const struct cmd_entry cmd_client_add_entry = {
	"client add", "add a client certificate (etcdctl, kube-apiserver)",
	"        PROG client add -cluster DESC [-cn CN] DIR NAME", client_opts,
	cmd_member_run, 1, 0
};
const struct cmd_entry cmd_client_remove_entry = {
	"client remove", "remove a client, revoking its certificates",
	"        PROG client remove -cluster DESC DIR NAME", client_rm_opts,
	cmd_member_run, 1, 0
};

static const struct cmd_entry *const member_table[] = {
	&cmd_member_add_entry, &cmd_member_remove_entry, NULL
};
static const struct cmd_entry *const client_table[] = {
	&cmd_client_add_entry, &cmd_client_remove_entry, NULL
};
const struct cmd_group cmd_member_group = {
	"member", member_table, "etcd-pki(1) and etcd-pki-cluster(5)"
};
const struct cmd_group cmd_client_group = {
	"client", client_table, "etcd-pki(1) and etcd-pki-cluster(5)"
};
static const int group_opts[] = { OPT_END };

static int
cmd_group_exec(struct opts *o)
{
	return cmd_dispatch(o, o->cmd[0] == 'c' ? &cmd_client_group :
	    &cmd_member_group);
}

const struct cmd_entry cmd_member_entry = {
	"member", "add or remove an etcd member, certificates and all "
	"(etcd-pki only)",
	"        PROG member add -cluster DESC -hostname IP[,HOST...] [flags] "
	"DIR NAME\n        PROG member remove -cluster DESC [flags] DIR NAME",
	group_opts, cmd_group_exec, 0, 0
};
const struct cmd_entry cmd_client_entry = {
	"client", "add or remove a client certificate (etcd-pki only)",
	"        PROG client add -cluster DESC [-cn CN] DIR NAME\n"
	"        PROG client remove -cluster DESC DIR NAME",
	group_opts, cmd_group_exec, 0, 0
};
