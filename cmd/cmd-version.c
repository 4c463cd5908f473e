/*
 * cmd-version.c: cfssl version.
 */
#include <stdio.h>

#include "config.h"
#include "pki.h"
#include "cmd.h"

static const int version_opts[] = { OPT_STRICT, OPT_LOGLEVEL, OPT_END };

static int
cmd_version_exec(struct opts *o)
{
	char	rt[256];

	(void)o;
	pki_runtime_version(rt, sizeof(rt));
	printf("Version: %s\nRuntime: %s\n", PACKAGE_VERSION, rt);
	return CMD_RETURN_NORMAL;
}

const struct cmd_entry cmd_version_entry = {
	"version",
	"print version information",
	"        PROG version",
	version_opts,
	cmd_version_exec,
	0,
	0
};
