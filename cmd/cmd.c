/*
 * cmd.c: the command table, lookup, usage and the common run sequence.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pki.h"
#include "cmd.h"
#include "log.h"

const struct cmd_entry *const cmd_table[] = {
	&cmd_gencert_entry,
	&cmd_genkey_entry,
	&cmd_gencsr_entry,
	&cmd_sign_entry,
	&cmd_selfsign_entry,
	&cmd_certinfo_entry,
	&cmd_bundle_entry,
	&cmd_info_entry,
	&cmd_gencrl_entry,
	&cmd_revoke_entry,
	&cmd_print_defaults_entry,
	&cmd_version_entry,
	&cmd_json_entry,
	&cmd_cluster_entry,
	&cmd_status_entry,
	&cmd_needs_renewal_entry,
	&cmd_check_entry,
	&cmd_renew_entry,
	&cmd_rollback_entry,
	&cmd_schedule_entry,
	&cmd_ca_entry,
	&cmd_member_entry,
	&cmd_client_entry,
	&cmd_completion_entry,
	NULL
};

const struct cmd_group *const cmd_groups[] = {
	&cmd_cluster_group, &cmd_ca_group, &cmd_member_group,
	&cmd_client_group, NULL
};

const struct cmd_alias cmd_aliases[] = {
	{ "cfssljson", &cmd_json_entry }, { "cfssl-certinfo",
	&cmd_certinfo_entry }, { "cfssl-bundle", &cmd_bundle_entry },
	{ NULL, NULL }
};

const struct cmd_entry *
cmd_find(const char *name)
{
	size_t	i;

	for (i = 0; cmd_table[i] != NULL; i++)
		if (strcmp(cmd_table[i]->name, name) == 0)
			return cmd_table[i];
	return NULL;
}

void
cmd_list(FILE *f, const char *prog)
{
	size_t	i;

	fprintf(f, "Usage: %s <command> [flags] [arguments]\n", prog);
	fprintf(f, "Available commands:\n");
	for (i = 0; cmd_table[i] != NULL; i++)
		fprintf(f, "\t%-15s %s\n", cmd_table[i]->name,
		    cmd_table[i]->summary);
	fprintf(f, "Run '%s <command> -h' for a command's flags; see "
	    "etcd-pki(1).\n", prog);
}

void
cmd_usage(FILE *f, const struct cmd_entry *ce, const char *prog)
{
	const char	*p, *q;

	fprintf(f, "\t%s %s -- %s\n\nUsage of %s:\n", prog, ce->name,
	    ce->summary, ce->name);
	/* The synopsis says PROG where the program name goes. */
	for (p = ce->usage; (q = strstr(p, "PROG")) != NULL; p = q + 4)
		fprintf(f, "%.*s%s", (int)(q - p), p, prog);
	fprintf(f, "%s\n\nFlags:\n", p);
	opts_usage(f, ce->name, ce->opts);
}

int
cmd_run(const struct cmd_entry *ce, int argc, char **argv)
{
	struct opts	o;
	int		r, id;

	memset(&o, 0, sizeof(o));
	o.cmd = ce->name;
	o.prog = argv[-1];
	log_init(o.prog, ce->name, LOG_INFO);
	switch (opts_parse(&o, ce->opts, ce->interspersed, argc, argv)) {
	case OPT_PARSE_HELP:
		cmd_usage(stderr, ce, o.prog);
		opts_free(&o);
		return CMD_RETURN_NORMAL;
	case OPT_PARSE_ERROR:
		fprintf(stderr, "Run '%s %s -h' for its flags.\n", o.prog,
		    ce->name);
		opts_free(&o);
		return ce->usage_status != 0 ? ce->usage_status :
		    CMD_RETURN_USAGE;
	case OPT_PARSE_BAD:
		/* A bad value: reported already, in one line. */
		opts_free(&o);
		return ce->usage_status != 0 ? ce->usage_status :
		    CMD_RETURN_USAGE;
	default:
		break;
	}
	log_init(o.prog, ce->name, (int)o.i[OPT_LOGLEVEL]);
	/* cfssl flags this cfssl command does not use (see opts_parse). */
	for (id = 0; id < OPT__COUNT; id++) {
		if (!o.ignored[id])
			continue;
		if (o.b[OPT_STRICT]) {
			log_err("flag -%s is not used by %s; cfssl ignores it",
			    opt_table[id].name, ce->name);
			opts_free(&o);
			return CMD_RETURN_ERROR;
		}
		log_msg(LOG_WARNING, "flag -%s is not used by %s; ignored, as "
		    "cfssl ignores it", opt_table[id].name, ce->name);
	}
	r = ce->exec(&o);
	opts_free(&o);
	if (fflush(stdout) != 0 && r == CMD_RETURN_NORMAL) {
		log_err("cannot write to standard output");
		r = CMD_RETURN_ERROR;
	}
	return r;
}

/* Prints the subcommands of g. */
static void
group_list(FILE *f, const struct cmd_group *g, const char *prog)
{
	size_t	i, skip = strlen(g->name) + 1;

	fprintf(f, "Usage: %s %s <subcommand> [flags] [arguments]\n"
	    "Subcommands:\n", prog, g->name);
	for (i = 0; g->table[i] != NULL; i++)
		fprintf(f, "\t%-15s %s\n", g->table[i]->name + skip,
		    g->table[i]->summary);
	fprintf(f, "Run '%s %s <subcommand> -h' for its flags; see %s.\n",
	    prog, g->name, g->see);
}

int
cmd_dispatch(struct opts *o, const struct cmd_group *g)
{
	char	known[256];
	size_t	i, n = 0, skip = strlen(g->name) + 1;

	if (o->nargs < 1) {
		log_err("no subcommand given");
		group_list(stderr, g, o->prog);
		return CMD_RETURN_USAGE;
	}
	if (strcmp(o->args[0], "help") == 0) {
		group_list(stdout, g, o->prog);
		return CMD_RETURN_NORMAL;
	}
	known[0] = '\0';
	for (i = 0; g->table[i] != NULL; i++) {
		if (strcmp(g->table[i]->name + skip, o->args[0]) == 0) {
			/* args[0] becomes argv[-1] of the subcommand. */
			o->args[0] = (char *)(uintptr_t)o->prog;
			return cmd_run(g->table[i], o->nargs - 1, o->args + 1);
		}
		n += (size_t)snprintf(known + n, n < sizeof(known) ?
		    sizeof(known) - n : 0, "%s%s", i > 0 ? ", " : "",
		    g->table[i]->name + skip);
	}
	log_err("unknown subcommand \"%s\" (known: %s)", o->args[0], known);
	group_list(stderr, g, o->prog);
	return CMD_RETURN_USAGE;
}
