/*
 * cmd-print-defaults.c: cfssl print-defaults -- example CSR JSON and
 * signing configuration.
 */
#include <stdio.h>
#include <string.h>

#include "pki.h"
#include "cmd.h"
#include "log.h"

static const int print_defaults_opts[] = {
	OPT_STRICT, OPT_LOGLEVEL, OPT_END
};

static const char default_csr[] =
"{\n"
"    \"CN\": \"example.net\",\n"
"    \"hosts\": [\n"
"        \"example.net\",\n"
"        \"www.example.net\"\n"
"    ],\n"
"    \"key\": {\n"
"        \"algo\": \"ecdsa\",\n"
"        \"size\": 256\n"
"    },\n"
"    \"names\": [\n"
"        {\n"
"            \"C\": \"US\",\n"
"            \"ST\": \"CA\",\n"
"            \"L\": \"San Francisco\"\n"
"        }\n"
"    ]\n"
"}\n";

static const char default_config[] =
"{\n"
"    \"signing\": {\n"
"        \"default\": {\n"
"            \"expiry\": \"168h\"\n"
"        },\n"
"        \"profiles\": {\n"
"            \"www\": {\n"
"                \"expiry\": \"8760h\",\n"
"                \"usages\": [\n"
"                    \"signing\",\n"
"                    \"key encipherment\",\n"
"                    \"server auth\"\n"
"                ]\n"
"            },\n"
"            \"client\": {\n"
"                \"expiry\": \"8760h\",\n"
"                \"usages\": [\n"
"                    \"signing\",\n"
"                    \"key encipherment\",\n"
"                    \"client auth\"\n"
"                ]\n"
"            }\n"
"        }\n"
"    }\n"
"}\n";

static int
cmd_print_defaults_exec(struct opts *o)
{
	if (o->nargs == 0) {
		log_err("not enough arguments are supplied --- please refer to "
		    "the usage");
		return CMD_RETURN_ERROR;
	}
	if (strcmp(o->args[0], "csr") == 0)
		printf("%s\n", default_csr);
	else if (strcmp(o->args[0], "config") == 0)
		printf("%s\n", default_config);
	else
		printf("Default configurations are available for:\n"
		    "\tcsr\n\tconfig\n");
	return CMD_RETURN_NORMAL;
}

const struct cmd_entry cmd_print_defaults_entry = {
	"print-defaults",
	"print default configurations",
	"        PROG print-defaults TYPE\n"
	"\n"
	"Arguments:\n"
	"        TYPE:       csr, config, or list",
	print_defaults_opts,
	cmd_print_defaults_exec,
	0,
	0
};
