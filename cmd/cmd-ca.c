/*
 * cmd-ca.c: "etcd-pki ca SUBCOMMAND": ca renew, ca rotate and ca status
 * (one file each, as for cluster), through cmd_dispatch().
 */
#include <stdio.h>

#include "pki.h"
#include "cmd.h"

static const int ca_opts[] = { OPT_END };

static const struct cmd_entry *const ca_table[] = {
	&cmd_ca_renew_entry,
	&cmd_ca_rotate_entry,
	&cmd_ca_status_entry,
	NULL
};

const struct cmd_group cmd_ca_group = {
	"ca",
	ca_table,
	"etcd-pki(1)"
};

static int
cmd_ca_exec(struct opts *o)
{
	return cmd_dispatch(o, &cmd_ca_group);
}

const struct cmd_entry cmd_ca_entry = {
	"ca",
	"maintain the CA: renew it, or rotate to a new one (etcd-pki only)",
	"        PROG ca renew -ca CERT -ca-key KEY [-expiry DURATION] [-o NAME]\n"
	"        PROG ca renew -cluster DESC [-expiry DURATION] DIR\n"
	"        PROG ca rotate -phase add-trust|reissue|drop-old -cluster DESC\n"
	"            [-member NAME] [-restart rolling|none] [flags] DIR\n"
	"        PROG ca status -cluster DESC [-o text|json] [-timeout DURATION]"
	" DIR",
	ca_opts,
	cmd_ca_exec,
	0,
	0
};
