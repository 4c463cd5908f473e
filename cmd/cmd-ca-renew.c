/*
 * cmd-ca-renew.c: "etcd-pki ca renew": the CA certificate re-signed with
 * the same key and subject for a new validity, as cfssl gencert -renewca
 * computes it, written in place (previous copy in FILE.bak) or, for a
 * cluster, into DIR/ca.pem and every member's and client's copy (the
 * library's pki_ca_renew_write).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pki.h"
#include "cmd.h"
#include "input.h"
#include "load.h"
#include "log.h"
#include "notes.h"

static const int ca_renew_opts[] = {
	OPT_CA, OPT_CA_KEY, OPT_CA_KEY_PASSWORD, OPT_CLUSTER, OPT_EXPIRY,
	OPT_O, OPT_STRICT, OPT_FORMAT, OPT_LOGLEVEL, OPT_END
};

/* Loads the CA pair named by the cluster (DIR/ca.pem, or its files). */
static int
load_cluster_ca(const struct opts *o, const struct pki_cluster *cl,
    const char *dir, char **capath, struct pki_cert **ca,
    struct pki_key **key)
{
	struct pki_error	 err;
	struct opts		 ko;
	char			*keypath = NULL;
	int			 r;

	memset(&err, 0, sizeof(err));
	if ((r = pki_cldir_ca_path(cl, dir, PKI_CA_CUR, 0, capath,
	    &err)) != 0 || (r = pki_cldir_ca_path(cl, dir, PKI_CA_CUR, 1,
	    &keypath, &err)) != 0) {
		log_pki(&err, r);
		return CMD_RETURN_ERROR;
	}
	/* load_ca_pair() reads -ca and -ca-key (and -ca-key-password). */
	ko = *o;
	ko.set[OPT_CA] = ko.set[OPT_CA_KEY] = 1;
	ko.str[OPT_CA] = *capath;
	ko.str[OPT_CA_KEY] = keypath;
	r = load_ca_pair(&ko, ca, key);
	free(keypath);
	return r;
}

/* The renewed certificate of ca and the line that reports it. */
static int
renew_ca(const struct pki_cert *ca, const struct pki_key *key,
    const char *capath, int64_t expiry, const struct pki_parse_opts *po,
    char **pem, size_t *len, char *line, size_t linelen)
{
	struct pki_error	 err;
	struct pki_cert		*cert = NULL;
	int			 r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	if (cmd_renewca_sign(ca, key, capath, expiry, po, &cert) !=
	    CMD_RETURN_NORMAL)
		return CMD_RETURN_ERROR;
	if ((r = pki_cert_encode(cert, pem, len, &err)) != 0 ||
	    (r = pki_ca_renew_line(ca, cert, time(NULL), line, linelen,
	    &err)) != 0)
		log_pki(&err, r);
	else
		ret = CMD_RETURN_NORMAL;
	pki_cert_free(cert);
	return ret;
}

static int
cmd_ca_renew_exec(struct opts *o)
{
	struct pki_error	 err;
	struct pki_parse_opts	 po;
	struct pki_ca_renew	 cr;
	struct pki_cluster	*cl = NULL;
	struct pki_cert		*ca = NULL;
	struct pki_key		*key = NULL;
	struct notes		 out;
	char			*capath = NULL, *oldpem = NULL, *newpem = NULL;
	char			 line[512];
	int64_t			 expiry;
	int			 r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	memset(&cr, 0, sizeof(cr));
	memset(&out, 0, sizeof(out));
	if ((r = pki_ca_renew_args(opts_str(o, OPT_CLUSTER) != NULL,
	    o->set[OPT_CA], o->set[OPT_CA_KEY], o->set[OPT_O], o->nargs,
	    o->nargs > 0 ? o->args[0] : NULL, &err)) != 0) {
		log_pki(&err, r);
		return CMD_RETURN_USAGE;
	}
	/* Checked as the flag was parsed (opts.c): at least 1s. */
	expiry = opts_ns(o, OPT_EXPIRY, -1);

	/* The CA, its key, and the file to replace. */
	if (opts_str(o, OPT_CLUSTER) != NULL) {
		cr.dir = o->args[0];
		if (load_cluster(o, opts_str(o, OPT_CLUSTER), &cl) !=
		    CMD_RETURN_NORMAL || load_cluster_ca(o, cl, cr.dir,
		    &capath, &ca, &key) != CMD_RETURN_NORMAL)
			goto out;
		cr.capath = capath;
		cr.cl = cl;
	} else {
		if (load_ca_pair(o, &ca, &key) != CMD_RETURN_NORMAL)
			goto out;
		cr.capath = opts_str(o, OPT_CA);
	}
	cr.key = key;
	if (!pki_cert_is_ca(ca)) {
		log_err("%s: not a CA certificate (basicConstraints cA is not "
		    "TRUE): ca renew only re-signs a CA", cr.capath);
		goto out;
	}
	if ((cr.out = opts_str(o, OPT_O)) == NULL) {
		if ((r = pki_ca_renew_inplace(cr.capath, &cr.capath, &cr.mode,
		    &err)) != 0) {
			log_pki(&err, r);
			ret = r == PKI_ERR_ARG ? CMD_RETURN_USAGE :
			    CMD_RETURN_ERROR;
			goto out;
		}
		if (input_read(cr.capath, 0, &oldpem, &cr.oldlen, NULL) !=
		    CMD_RETURN_NORMAL)
			goto out;
		cr.oldpem = oldpem;
	}
	load_parse_opts(o, &po);
	if (renew_ca(ca, key, cr.capath, expiry, &po, &newpem, &cr.newlen,
	    line, sizeof(line)) != CMD_RETURN_NORMAL)
		goto out;
	cr.newpem = newpem;
	cr.line = line;
	cr.nt.note = notes_print;
	cr.nt.arg = &out;
	if ((ret = notes_doc_start(&out, o, "ca renew", json_pack("{s:s,s:s?}",
	    "ca", cr.capath, "out", cr.out))) == CMD_RETURN_NORMAL)
		ret = pki_ca_renew_write(&cr) == 0 ? notes_doc_end(&out,
		    PKI_RUN_CHANGED, 0) : notes_doc_end(&out, PKI_RUN_FAILED, 1);
 out:
	free(oldpem);
	free(newpem);
	free(capath);
	pki_cluster_free(cl);
	pki_cert_free(ca);
	pki_key_free(key);
	return ret;
}

const struct cmd_entry cmd_ca_renew_entry = {
	"ca renew",
	"re-sign the CA certificate with its key for a new validity",
	"        PROG ca renew -ca CERT -ca-key KEY [-expiry DURATION] [-o NAME]\n"
	"        PROG ca renew -cluster DESC [-expiry DURATION] DIR\n"
	"\n"
	"Re-signs the CA certificate with the same key and subject (as cfssl\n"
	"gencert -renewca), valid for -expiry or its current validity length.\n"
	"Replaces CERT in place, keeping the previous copy in CERT.bak, or\n"
	"writes NAME.pem with -o.  With -cluster, renews DIR/ca.pem and every\n"
	"member's and client's copy of it.  Existing leaves stay valid; etcd\n"
	"loads trusted CAs only at start, so restart every member, one at a\n"
	"time.",
	ca_renew_opts,
	cmd_ca_renew_exec,
	1,
	0
};
