/*
 * cmd-ca-status.c: "etcd-pki ca status": the phase of a CA rotation, per
 * member and client, as text or JSON; the state is the library's
 * (pki_rot_status).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pki.h"
#include "cmd.h"
#include "log.h"
#include "notes.h"
#include "out.h"
#include "rotate.h"

static const int ca_status_opts[] = {
	OPT_CLUSTER, OPT_O_CA_STATUS, OPT_FORMAT, OPT_TIMEOUT, OPT_CA_KEY_PASSWORD,
	OPT_STRICT, OPT_LOGLEVEL, OPT_END
};

static int
cmd_ca_status_exec(struct opts *o)
{
	struct pki_error	 err;
	struct pki_rotation	*ro = NULL;
	struct pki_cluster	*cl = NULL;
	struct pki_rot_status	 st;
	struct notes		 out;
	struct pki_notify	 nt;
	json_t			*doc = NULL;
	char			*text = NULL;
	size_t			 i;
	int			 json, r, ret;

	memset(&err, 0, sizeof(err));
	memset(&st, 0, sizeof(st));
	memset(&out, 0, sizeof(out));
	json = opts_enum(o, OPT_FORMAT, opts_enum(o, OPT_O_CA_STATUS,
	    OPT_OUT_TEXT)) == OPT_OUT_JSON;
	nt.note = notes_print;
	nt.arg = &out;
	if ((ret = rotate_open(o, 0, &nt, NULL, &cl, &ro)) != CMD_RETURN_NORMAL)
		goto out;
	if (pki_rot_status(ro, &st) != 0) {
		log_err("out of memory");
		ret = CMD_RETURN_ERROR;
		goto out;
	}
	for (i = 0; i < st.n; i++)
		if (st.leaves[i].error != NULL)
			log_err("%s: cannot probe: %s", st.leaves[i].label,
			    st.leaves[i].error);
	if (json && (r = pki_rot_status_json(&st, &doc, &err)) == 0)
		r = out_json_doc(r, doc, &err);
	else if (!json && (r = pki_rot_status_text(&st, &text, &err)) == 0)
		fputs(text, stdout);
	else
		log_pki(&err, r);
	ret = r == 0 && st.verified ? CMD_RETURN_NORMAL : CMD_RETURN_ERROR;
 out:
	free(text);
	pki_rot_status_clear(&st);
	pki_rot_free(ro);
	pki_cluster_free(cl);
	return ret;
}

const struct cmd_entry cmd_ca_status_entry = {
	"ca status",
	"show the phase of a CA rotation, per member and client",
	"        PROG ca status -cluster DESC [-o text|json] [-timeout DURATION]"
	" DIR\n"
	"\n"
	"Prints the rotation's phase (idle, add-trust, reissue, drop-old)\n"
	"and, per member, its bundle (old, old+new, new), the issuer of its\n"
	"leaf on disk and as served on its client and peer ports, and\n"
	"whether it accepts client certificates of the new and the old CA\n"
	"(TLS probes with certificates minted in memory); per client, its\n"
	"bundle and leaf.  Exit status 0, or 1 when a member could not be\n"
	"probed (the phase is then computed from the files for it).",
	ca_status_opts,
	cmd_ca_status_exec,
	1,
	0
};
