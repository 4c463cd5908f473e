/*
 * cmd-cluster-export.c: "etcd-pki cluster export -member NAME DESC DIR":
 * one member's or client's files for its host, as a tar archive that
 * unpacks at "/" (pki_cluster_export).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"
#include "out.h"

static const int cluster_export_opts[] = {
	OPT_MEMBER, OPT_O, OPT_OWNER, OPT_MODE, OPT_UNIT, OPT_FORMAT,
	OPT_LOGLEVEL, OPT_END
};

static int
cmd_cluster_export_exec(struct opts *o)
{
	struct pki_cluster		*cl = NULL;
	struct pki_cluster_export	 q;
	struct pki_cluster_exported	 x;
	struct pki_error		 err;
	struct pki_file			 f;
	const char			*out = opts_str(o, OPT_O);
	json_t				*doc = NULL;
	size_t				 i;
	int				 r, json, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	memset(&q, 0, sizeof(q));
	memset(&x, 0, sizeof(x));
	if (o->nargs != 2 || opts_str(o, OPT_MEMBER) == NULL) {
		log_err("expected -member NAME, a cluster description and a "
		    "directory, got %d arguments", o->nargs);
		return CMD_RETURN_USAGE;
	}
	json = opts_enum(o, OPT_FORMAT, OPT_OUT_TEXT) == OPT_OUT_JSON;
	if (out == NULL || strcmp(out, "-") == 0) {
		out = NULL;
		if (json) {
			log_err("-format json describes an archive written "
			    "with -o FILE");
			return CMD_RETURN_USAGE;
		}
		if (isatty(STDOUT_FILENO)) {
			log_err("the archive holds a private key: not written "
			    "to a terminal (-o FILE, or a pipe)");
			return CMD_RETURN_USAGE;
		}
	}
	q.owner = opts_str(o, OPT_OWNER);
	if (opts_str(o, OPT_MODE) != NULL)
		q.key_mode = (mode_t)strtol(opts_str(o, OPT_MODE), NULL, 8);
	q.unit = o->set[OPT_UNIT];
	q.name = opts_str(o, OPT_MEMBER);
	q.dir = o->args[1];
	q.now = (int64_t)time(NULL);
	if (load_cluster(o, o->args[0], &cl) != CMD_RETURN_NORMAL)
		return CMD_RETURN_ERROR;
	q.cl = cl;
	if ((r = pki_cluster_export(&q, &x, &err)) != PKI_OK) {
		log_pki(&err, r);
		goto out;
	}
	if (out == NULL) {
		if (fwrite(x.tar, 1, x.len, stdout) != x.len ||
		    fflush(stdout) != 0) {
			log_err("standard output: write error");
			goto out;
		}
		ret = CMD_RETURN_NORMAL;
		goto out;
	}
	f.path = out;
	f.data = x.tar;
	f.len = x.len;
	f.mode = 0600;
	if ((r = pki_file_write_set(&f, 1, &err)) != PKI_OK) {
		log_pki(&err, r);
		goto out;
	}
	if (json) {
		r = pki_doc_export(q.name, out, &x, &doc, &err);
		ret = out_json_doc(r, doc, &err) == 0 ? CMD_RETURN_NORMAL :
		    CMD_RETURN_ERROR;
		goto out;
	}
	for (i = 0; i < x.npaths; i++)
		printf("%s\n", x.paths[i]);
	ret = CMD_RETURN_NORMAL;
 out:
	pki_cluster_exported_clear(&x);
	pki_cluster_free(cl);
	return ret;
}

const struct cmd_entry cmd_cluster_export_entry = {
	"cluster export",
	"pack one member's or client's files for its host (tar, unpacks at /)",
	"        PROG cluster export -member NAME [-owner USER[:GROUP]] "
	"[-mode 0600|0640]\n"
	"                [-unit] [-o FILE] DESC DIR\n"
	"\n"
	"Writes a tar archive of the files NAME needs on its host, named by\n"
	"the node's paths (the description's pki_dir, config_dir and\n"
	"etcdctl_env; defaults /etc/etcd/pki, /etc/etcd and\n"
	"/etc/profile.d/etcdctl.sh), to FILE (mode 0600; the node paths are\n"
	"listed) or to standard output (not a terminal).  Unpack it on the\n"
	"host with \"tar -xpf FILE -C /\" and check it with \"sha256sum -c\n"
	"/etc/etcd/pki/NAME-export.sha256\".  Never the CA key or another\n"
	"member's files.",
	cluster_export_opts,
	cmd_cluster_export_exec,
	1,
	0
};
