/*
 * cmd-status.c: "etcd-pki status": a table of every leaf certificate and
 * CA (kubeadm certs check-expiration), as text, JSON or Prometheus
 * metrics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"
#include "out.h"

static const int status_opts[] = {
	OPT_O_STATUS, OPT_FORMAT_STATUS, OPT_CLUSTER, OPT_MEMBER,
	OPT_RENEW_BEFORE, OPT_STAGGER, OPT_METRICS_FILE, OPT_LOGLEVEL, OPT_END
};

static int
cmd_status_exec(struct opts *o)
{
	struct pki_renew_policy	 pol;
	struct pki_error	 err;
	struct pki_cluster	*cl = NULL;
	struct pki_status	 s;
	const char		*mf;
	json_t			*doc = NULL;
	char			*text = NULL;
	size_t			 i;
	int			 out, r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	out = opts_enum(o, OPT_FORMAT_STATUS, opts_enum(o, OPT_O_STATUS,
	    OPT_OUT_TEXT));
	opts_renew_policy(o, &pol);
	pki_status_init(&s, time(NULL), &pol, NULL);
	if (opts_str(o, OPT_CLUSTER) != NULL) {
		if (o->nargs != 1) {
			log_err("-cluster DESC takes one directory, got %d "
			    "arguments", o->nargs);
			return CMD_RETURN_USAGE;
		}
	} else if (o->nargs < 1) {
		log_err("no certificate, directory or -cluster given");
		return CMD_RETURN_USAGE;
	} else if (opts_str(o, OPT_MEMBER) != NULL) {
		log_err("-member goes with -cluster");
		return CMD_RETURN_USAGE;
	}
	if ((opts_str(o, OPT_CLUSTER) != NULL && load_cluster(o,
	    opts_str(o, OPT_CLUSTER), &cl) != CMD_RETURN_NORMAL) ||
	    load_status(o, cl, o->nargs, &s, NULL) != CMD_RETURN_NORMAL)
		goto out;
	for (i = 0; i < s.n; i++)
		if (s.rows[i].state != PKI_ROW_OK && s.rows[i].error != NULL)
			log_err("%s", s.rows[i].error);
	if (s.crl.st.present && s.crl.st.state != PKI_ROW_OK &&
	    s.crl.st.error != NULL)
		log_err("%s", s.crl.st.error);

	ret = pki_status_problems(&s) > 0 ? CMD_RETURN_ERROR :
	    CMD_RETURN_NORMAL;
	if (out == OPT_OUT_JSON) {
		r = pki_status_json(&s, &doc, &err);
		if (out_json_doc(r, doc, &err) != 0)
			ret = CMD_RETURN_ERROR;
	} else if (out == OPT_OUT_PROMETHEUS) {
		if ((r = pki_status_metrics(&s, NULL, 0, &text, &err)) != 0) {
			log_pki(&err, r);
			ret = CMD_RETURN_ERROR;
		} else
			fputs(text, stdout);
	} else if (out == OPT_OUT_TEXT) {
		if ((r = pki_status_text(&s, &text, &err)) != 0) {
			log_pki(&err, r);
			ret = CMD_RETURN_ERROR;
		} else
			fputs(text, stdout);
	}
	if ((mf = opts_str(o, OPT_METRICS_FILE)) != NULL &&
	    (r = pki_status_metrics_write(&s, mf, "status", ret, &err)) != 0) {
		log_pki(&err, r);
		ret = CMD_RETURN_ERROR;
	}
 out:
	free(text);
	pki_status_free(&s);
	pki_cluster_free(cl);
	return ret;
}

const struct cmd_entry cmd_status_entry = {
	"status",
	"show every certificate's expiry, renewal time, key and drift",
	"        PROG status [-o text|json|prometheus] [-renew-before P]\n"
	"            [-stagger P] [-metrics-file FILE] PATH...\n"
	"        PROG status [flags] -cluster DESC [-member NAME] DIR\n"
	"\n"
	"PATH is a certificate, or a directory whose NAME.pem files with a\n"
	"NAME-key.pem beside them are leaves and whose ca.pem is a CA.  With\n"
	"-cluster, the cluster's CRL too (renewed as a certificate is).\n"
	"Exits 0 when every input was read, whatever the dates; 1 when a\n"
	"certificate (or the CRL) is missing or unreadable.",
	status_opts,
	cmd_status_exec,
	1,
	0
};
