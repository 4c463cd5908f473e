/*
 * renewca.c: a CA certificate re-signed with its own key for a new
 * validity (gencert -renewca, ca renew): the certificate, the file ca
 * renew replaces in place, and the line that reports it (see pki.h).
 * Writing it and its copies is carenew.c's.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

int
pki_ca_resign(const struct pki_cert *ca, const struct pki_key *key,
    const char *source, int64_t expiry, const struct pki_parse_opts *po,
    struct pki_issued *out, struct pki_error *err)
{
	struct pki_ca_request	 cr;
	struct pki_csr		*csr = NULL;
	char			*what = NULL;
	int64_t			 validity = 0;
	int			 r;

	memset(out, 0, sizeof(*out));
	if ((r = pki_cert_to_csr(ca, 1, &csr, &validity, err)) != PKI_OK) {
		if (err != NULL)
			pki_err_prefix(err, source);
		return r;
	}
	/*
	 * Without expiry, ca's own validity length (the CSR's ca.expiry),
	 * which the policy's messages call "SOURCE: validity".
	 */
	memset(&cr, 0, sizeof(cr));
	cr.csr = csr;
	cr.key = key;
	cr.expiry = expiry;
	cr.objects = 1;
	cr.policy = po;
	if (expiry <= 0 && validity > 0) {
		if (asprintf(&what, "%s: validity", source) == -1) {
			pki_csr_free(csr);
			return pki_err(err, PKI_ERR_ALLOC, "out of memory");
		}
		cr.expiry = validity;
		cr.expiry_what = what;
	}
	r = pki_ca_issue(&cr, out, err);
	pki_csr_free(csr);
	free(what);
	return r;
}

int
pki_ca_renew_inplace(const char *spec, const char **path, mode_t *mode,
    struct pki_error *err)
{
	struct stat	st;

	*path = NULL;
	*mode = 0;
	if (strcmp(spec, "-") == 0 || strncmp(spec, "env:", 4) == 0)
		return pki_err(err, PKI_ERR_ARG, "-ca %s: cannot be replaced "
		    "in place (write the renewed certificate elsewhere with "
		    "-o NAME)", spec);
	if (strncmp(spec, "file:", 5) == 0 && lstat(spec, &st) == -1)
		spec += 5;
	if (lstat(spec, &st) == -1)
		return pki_err_sys(err, errno, "%s", spec);
	if (!S_ISREG(st.st_mode))
		return pki_err(err, PKI_ERR_INPUT, "%s: not a regular file (a "
		    "symbolic link would be replaced by a file): give the file "
		    "itself, or use -o NAME", spec);
	*path = spec;
	*mode = st.st_mode & 07777;
	return PKI_OK;
}

int
pki_ca_renew_line(const struct pki_cert *old, const struct pki_cert *renewed,
    time_t now, char *line, size_t len, struct pki_error *err)
{
	struct pki_cert_facts	 of, nf;
	char			 oa[32], na[32];
	int			 r;

	memset(&of, 0, sizeof(of));
	memset(&nf, 0, sizeof(nf));
	if ((r = pki_cert_facts(old, &of, err)) != PKI_OK ||
	    (r = pki_cert_facts(renewed, &nf, err)) != PKI_OK)
		goto out;
	pki_time_format(nf.not_after, na, sizeof(na));
	if (nf.not_after <= (int64_t)now) {
		r = pki_err(err, PKI_ERR_ARG, "the renewed CA would expire at "
		    "%s, already past (its validity starts before now): use a "
		    "longer -expiry", na);
		goto out;
	}
	pki_time_format(of.not_after, oa, sizeof(oa));
	snprintf(line, len, "renewed: serial %s -> %s, not after %s -> %s "
	    "(same key and subject); etcd loads trusted CAs only at start: "
	    "restart every member, one at a time", of.serial, nf.serial, oa,
	    na);
 out:
	pki_cert_facts_clear(&of);
	pki_cert_facts_clear(&nf);
	return r;
}

int
pki_ca_renew_args(int cluster, int ca, int cakey, int out, int nargs,
    const char *arg0, struct pki_error *err)
{
	if (cluster && (ca || cakey || out))
		return pki_err(err, PKI_ERR_ARG, "-cluster takes the CA from "
		    "DIR (or the description): -ca, -ca-key and -o do not "
		    "apply");
	if (cluster && nargs != 1)
		return pki_err(err, PKI_ERR_ARG, "-cluster DESC needs one "
		    "argument, the cluster's directory DIR (got %d)", nargs);
	if (cluster)
		return PKI_OK;
	if (nargs != 0)
		return pki_err(err, PKI_ERR_ARG, "unexpected argument \"%s\" "
		    "(give -ca and -ca-key, or -cluster DESC DIR)", arg0);
	if (!ca || !cakey)
		return pki_err(err, PKI_ERR_ARG, "need -ca CERT and -ca-key "
		    "KEY (or -cluster DESC DIR)");
	return PKI_OK;
}
