/*
 * cmd-cluster.c: "etcd-pki cluster SUBCOMMAND": dispatch to cluster init,
 * cluster issue and cluster verify (one file each).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pki.h"
#include "cmd.h"
#include "log.h"

static const int cluster_opts[] = { OPT_END };

static const struct cmd_entry *const cluster_table[] = {
	&cmd_cluster_init_entry,
	&cmd_cluster_issue_entry,
	&cmd_cluster_verify_entry,
	NULL
};

static void
cluster_list(FILE *f, const char *prog)
{
	size_t	i;

	fprintf(f, "Usage: %s cluster <subcommand> [flags] [arguments]\n"
	    "Subcommands:\n", prog);
	for (i = 0; cluster_table[i] != NULL; i++)
		fprintf(f, "\t%-15s %s\n", cluster_table[i]->name +
		    strlen("cluster "), cluster_table[i]->summary);
	fprintf(f, "Run '%s cluster <subcommand> -h' for its flags; see "
	    "etcd-pki(1) and etcd-pki-cluster(5).\n", prog);
}

static int
cmd_cluster_exec(struct opts *o)
{
	size_t	i;

	if (o->nargs < 1) {
		log_err("no subcommand given");
		cluster_list(stderr, o->prog);
		return CMD_RETURN_USAGE;
	}
	if (strcmp(o->args[0], "help") == 0) {
		cluster_list(stdout, o->prog);
		return CMD_RETURN_NORMAL;
	}
	for (i = 0; cluster_table[i] != NULL; i++) {
		if (strcmp(cluster_table[i]->name + strlen("cluster "),
		    o->args[0]) != 0)
			continue;
		/* args[0] becomes argv[-1] of the subcommand: the program. */
		o->args[0] = (char *)(uintptr_t)o->prog;
		return cmd_run(cluster_table[i], o->nargs - 1, o->args + 1);
	}
	log_err("unknown subcommand \"%s\" (known: init, issue, verify)",
	    o->args[0]);
	cluster_list(stderr, o->prog);
	return CMD_RETURN_USAGE;
}

const struct cmd_entry cmd_cluster_entry = {
	"cluster",
	"issue and check a whole etcd cluster's PKI (etcd-pki only)",
	"        PROG cluster init [flags] [ETCD_CONF_YML...]\n"
	"        PROG cluster issue [flags] [DESC] -o DIR\n"
	"        PROG cluster verify [flags] DESC DIR",
	cluster_opts,
	cmd_cluster_exec,
	0,
	0
};
