/*
 * cmd-cluster-inventory.c: "etcd-pki cluster inventory DIR": every
 * certificate DIR/inventory.db records, oldest first, with its status.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "pki.h"
#include "cmd.h"
#include "log.h"
#include "out.h"

static const int cluster_inventory_opts[] = {
	OPT_MEMBER, OPT_FORMAT, OPT_LOGLEVEL, OPT_END
};

static int
cmd_cluster_inventory_exec(struct opts *o)
{
	struct pki_inventory	*inv = NULL;
	struct pki_inv_cert	*v = NULL;
	struct pki_inv_query	 q;
	struct pki_error	 err;
	json_t			*doc = NULL;
	char			 line[16384];
	size_t			 i, n = 0;
	time_t			 now = time(NULL);
	int			 r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	memset(&q, 0, sizeof(q));
	if (o->nargs != 1) {
		log_err("expected the cluster directory DIR, got %d arguments",
		    o->nargs);
		return CMD_RETURN_USAGE;
	}
	q.name = opts_str(o, OPT_MEMBER);
	if ((r = pki_cluster_inventory(o->args[0], 0, &inv, &err)) != 0 ||
	    (r = pki_inventory_list(inv, &q, &v, &n, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	if (opts_enum(o, OPT_FORMAT, OPT_OUT_TEXT) == OPT_OUT_JSON) {
		r = pki_doc_inventory(o->args[0], q.name, v, n, now, &doc, &err);
		ret = out_json_doc(r, doc, &err) == 0 ? CMD_RETURN_NORMAL :
		    CMD_RETURN_ERROR;
		goto out;
	}
	for (i = 0; i <= n; i++) {
		pki_inv_cert_text(i == 0 ? NULL : &v[i - 1], now, line,
		    sizeof(line));
		printf("%s\n", line);
	}
	ret = CMD_RETURN_NORMAL;
 out:
	pki_inventory_list_free(v, n);
	pki_inventory_close(inv);
	return ret;
}

const struct cmd_entry cmd_cluster_inventory_entry = {
	"cluster inventory",
	"list every certificate issued for a cluster, and which are revoked",
	"        PROG cluster inventory [-member NAME] DIR\n"
	"\n"
	"Lists DIR/inventory.db, oldest first: kind (member, client, ca, or\n"
	"other for what cfssl recorded there), name, serial, expiry, status\n"
	"(good, expired, or revoked with its date and reason), the command\n"
	"that issued it, subject and SANs.",
	cluster_inventory_opts,
	cmd_cluster_inventory_exec,
	1,
	0
};
