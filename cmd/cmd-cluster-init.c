/*
 * cmd-cluster-init.c: "etcd-pki cluster init" -- a starter cluster
 * description (etcd-pki-cluster(5)) from flags, etcd's initial-cluster
 * string or the members' etcd.conf.yml files; with nothing given, the
 * etcd guide's three-node example.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"

static const int cluster_init_opts[] = {
	OPT_O, OPT_NAME, OPT_TOKEN, OPT_INITIAL_CLUSTER, OPT_IPS, OPT_DNS,
	OPT_MEMBERS, OPT_KEY_ALGO, OPT_STRICT, OPT_FORMAT_CERTINFO,
	OPT_LOGLEVEL, OPT_END
};

static int
cmd_cluster_init_exec(struct opts *o)
{
	struct pki_cluster_init	 in;
	struct pki_parse_opts	 po;
	struct pki_error	 err;
	struct pki_file		 file;
	const char		*out;
	char			*json = NULL;
	int			 r, ret = CMD_RETURN_ERROR;

	memset(&in, 0, sizeof(in));
	memset(&err, 0, sizeof(err));
	in.name = opts_str(o, OPT_NAME);
	in.token = opts_str(o, OPT_TOKEN);
	in.initial_cluster = opts_str(o, OPT_INITIAL_CLUSTER);
	in.ips = opts_str(o, OPT_IPS);
	in.dns = opts_str(o, OPT_DNS);
	in.key_algo = opts_str(o, OPT_KEY_ALGO);
	load_parse_opts(o, &po);
	in.opts = &po;
	in.yaml = (const char *const *)o->args;
	in.nyaml = (size_t)o->nargs;
	/* 1..10000, checked when the flag was parsed; 0: not set. */
	in.members = opts_int(o, OPT_MEMBERS, 0);
	out = opts_str(o, OPT_O);
	if (o->set[OPT_O] && out == NULL) {
		log_err("-o: empty file name");
		return CMD_RETURN_ERROR;
	}
	if (o->set[OPT_INITIAL_CLUSTER] && in.initial_cluster == NULL) {
		log_err("-initial-cluster: empty (NAME=URL,...)");
		return CMD_RETURN_USAGE;
	}
	/* Checked first, so that nothing is computed for nothing. */
	if ((out != NULL && (r = pki_file_absent(out, &err)) != 0) ||
	    (r = pki_cluster_init_json(&in, &json, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	if (out == NULL) {
		if (fputs(json, stdout) == EOF) {
			log_err("cannot write to standard output");
			goto out;
		}
		ret = CMD_RETURN_NORMAL;
		goto out;
	}
	file.path = out;
	file.data = json;
	file.len = strlen(json);
	file.mode = 0644;
	if ((r = pki_file_write_set(&file, 1, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	log_msg(LOG_INFO, "wrote %s", out);
	ret = CMD_RETURN_NORMAL;
 out:
	free(json);
	return ret;
}

const struct cmd_entry cmd_cluster_init_entry = {
	"cluster init",
	"write a starter cluster description (etcd-pki-cluster(5))",
	"        PROG cluster init [-o FILE] [-name NAME] [-token TOKEN] "
	"[-key-algo ALGO-SIZE]\n"
	"            [-initial-cluster STRING] [-ips LIST] [-dns LIST] "
	"[-members N]\n"
	"            [ETCD_CONF_YML...]\n"
	"\n"
	"Without flags or files it writes the etcd guide's three-node "
	"example.\n"
	"\n"
	"Arguments:\n"
	"        ETCD_CONF_YML:  the members' etcd configuration files, one "
	"per member",
	cluster_init_opts,
	cmd_cluster_init_exec,
	1,
	0
};
