/*
 * cmd-cluster.c: "etcd-pki cluster SUBCOMMAND": cluster init, issue,
 * verify, inventory and export (one file each), through cmd_dispatch().
 */
#include <stdio.h>

#include "pki.h"
#include "cmd.h"

static const int cluster_opts[] = { OPT_END };

static const struct cmd_entry *const cluster_table[] = {
	&cmd_cluster_init_entry,
	&cmd_cluster_issue_entry,
	&cmd_cluster_verify_entry,
	&cmd_cluster_inventory_entry,
	&cmd_cluster_export_entry,
	NULL
};

const struct cmd_group cmd_cluster_group = {
	"cluster",
	cluster_table,
	"etcd-pki(1) and etcd-pki-cluster(5)"
};

static int
cmd_cluster_exec(struct opts *o)
{
	return cmd_dispatch(o, &cmd_cluster_group);
}

const struct cmd_entry cmd_cluster_entry = {
	"cluster",
	"issue and check a whole etcd cluster's PKI (etcd-pki only)",
	"        PROG cluster init [flags] [ETCD_CONF_YML...]\n"
	"        PROG cluster issue [flags] [DESC] -o DIR\n"
	"        PROG cluster verify [flags] DESC DIR\n"
	"        PROG cluster inventory [flags] DIR\n"
	"        PROG cluster export [flags] -member NAME DESC DIR",
	cluster_opts,
	cmd_cluster_exec,
	0,
	0
};
