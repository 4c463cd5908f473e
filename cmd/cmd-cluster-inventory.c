/*
 * cmd-cluster-inventory.c: "etcd-pki cluster inventory DIR": every
 * certificate DIR/inventory.db records, oldest first, with its status.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pki.h"
#include "cmd.h"
#include "log.h"

static const int cluster_inventory_opts[] = {
	OPT_MEMBER, OPT_LOGLEVEL, OPT_END
};

static int
cmd_cluster_inventory_exec(struct opts *o)
{
	struct pki_inventory	*inv = NULL;
	struct pki_inv_cert	*v = NULL;
	struct pki_inv_query	 q;
	struct pki_error	 err;
	char			 na[32], at[32], status[96];
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
	printf("%-6s  %-16s  %-48s  %-20s  %-9s  %s\n", "KIND", "NAME",
	    "SERIAL", "NOT AFTER", "STATUS", "ISSUED BY, SUBJECT, SANS");
	for (i = 0; i < n; i++) {
		pki_time_format(v[i].not_after, na, sizeof(na));
		if (v[i].revoked) {
			pki_time_format(v[i].revoked_at, at, sizeof(at));
			snprintf(status, sizeof(status), "revoked %s (%s)", at,
			    v[i].reason > 0 ? pki_crl_reason_name(v[i].reason) :
			    "unspecified");
		} else
			snprintf(status, sizeof(status), "%s",
			    v[i].not_after <= now ? "expired" : "good");
		printf("%-6s  %-16s  %-48s  %-20s  %-9s  %s; %s; SANs: %s\n",
		    pki_inventory_kind_name(v[i].kind), v[i].name[0] != '\0' ?
		    v[i].name : "-", v[i].serial, na, status, v[i].origin,
		    v[i].subject, v[i].sans[0] != '\0' ? v[i].sans : "(none)");
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
