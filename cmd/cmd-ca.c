/*
 * cmd-ca.c: "etcd-pki ca SUBCOMMAND": dispatch to ca renew (one file per
 * subcommand, as for cluster).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pki.h"
#include "cmd.h"
#include "log.h"

static const int ca_opts[] = { OPT_END };

static const struct cmd_entry *const ca_table[] = {
	&cmd_ca_renew_entry,
	&cmd_ca_rotate_entry,
	&cmd_ca_status_entry,
	NULL
};

static void
ca_list(FILE *f, const char *prog)
{
	size_t	i;

	fprintf(f, "Usage: %s ca <subcommand> [flags] [arguments]\n"
	    "Subcommands:\n", prog);
	for (i = 0; ca_table[i] != NULL; i++)
		fprintf(f, "\t%-15s %s\n", ca_table[i]->name + strlen("ca "),
		    ca_table[i]->summary);
	fprintf(f, "Run '%s ca <subcommand> -h' for its flags; see "
	    "etcd-pki(1).\n", prog);
}

static int
cmd_ca_exec(struct opts *o)
{
	size_t	i;

	if (o->nargs < 1) {
		log_err("no subcommand given");
		ca_list(stderr, o->prog);
		return CMD_RETURN_USAGE;
	}
	if (strcmp(o->args[0], "help") == 0) {
		ca_list(stdout, o->prog);
		return CMD_RETURN_NORMAL;
	}
	for (i = 0; ca_table[i] != NULL; i++) {
		if (strcmp(ca_table[i]->name + strlen("ca "), o->args[0]) != 0)
			continue;
		/* args[0] becomes argv[-1] of the subcommand: the program. */
		o->args[0] = (char *)(uintptr_t)o->prog;
		return cmd_run(ca_table[i], o->nargs - 1, o->args + 1);
	}
	log_err("unknown subcommand \"%s\" (known: renew, rotate, status)", o->args[0]);
	ca_list(stderr, o->prog);
	return CMD_RETURN_USAGE;
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
