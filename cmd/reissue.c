/*
 * reissue.c: a leaf certificate signed anew from its CSR JSON and key and
 * checked before it is written, and the check of a staged generation:
 * what renew and ca rotate -phase reissue share.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "config.h"
#include "pki.h"
#include "cmd.h"
#include "log.h"
#include "renew.h"
#include "status.h"

/* "+DNS:x -IP:y subject" into buf. */
void
reissue_drift_text(const struct pki_drift *d, char *buf, size_t len)
{
	size_t	i, l = 0;

	buf[0] = '\0';
	for (i = 0; i < d->nadd && l < len; i++)
		l += (size_t)snprintf(buf + l, len - l, "%s+%s", l ? " " : "",
		    d->add[i]);
	for (i = 0; i < d->nremove && l < len; i++)
		l += (size_t)snprintf(buf + l, len - l, "%s-%s", l ? " " : "",
		    d->remove[i]);
	if (d->subject && l < len)
		snprintf(buf + l, len - l, "%ssubject %s", l ? " " : "",
		    d->want_subject != NULL ? d->want_subject : "");
}

/* Reads file which of t's set; 1 if it is missing. */
int
reissue_read_set(const struct target *t, int which, char **buf, size_t *len)
{
	struct pki_error	err;
	int			r;

	memset(&err, 0, sizeof(err));
	*buf = NULL;
	*len = 0;
	if ((r = pki_set_read(t->set, which, buf, len, &err)) == 0)
		return 0;
	if (r == PKI_ERR_IO && err.sys_errno == ENOENT)
		return 1;
	log_pki(&err, r);
	return -1;
}

/* Every EKU of the current certificate is in the new one. */
static const char *
eku_lost(const struct pki_cert_facts *old, const struct pki_cert_facts *nf)
{
	size_t	i, k;

	for (i = 0; i < old->nekus; i++) {
		for (k = 0; k < nf->nekus; k++)
			if (strcmp(old->ekus[i], nf->ekus[k]) == 0)
				break;
		if (k == nf->nekus)
			return old->ekus[i];
	}
	return NULL;
}

/*
 * The checks before activation: the pair matches, the chain verifies
 * against the trust bundle the member loads, the SANs and subject are
 * the CSR JSON's, no extended key usage is lost, the validity is current
 * and ends later than the current certificate's.
 */
static int
verify_new(const struct targets *ts, const struct target *t,
    const struct pki_cert_facts *cur, time_t now, int force,
    const struct pki_cert *nc, const struct pki_key *key,
    struct pki_cert_facts *nf)
{
	struct pki_error	 err;
	struct pki_drift	 d;
	char			*bundle = NULL, dt[1024];
	const char		*src, *lost;
	size_t			 blen = 0;
	int			 r, ret = -1;

	memset(&err, 0, sizeof(err));
	memset(&d, 0, sizeof(d));
	if (!pki_cert_matches_key(nc, key)) {
		log_err("%s: verification: the new certificate does not match "
		    "its key", t->label);
		goto out;
	}
	if ((r = reissue_read_set(t, PKI_SET_CA, &bundle, &blen)) < 0)
		goto out;
	src = pki_set_path(t->set, PKI_SET_CA);
	if (r == 1) {
		src = "the signing CA";
		if ((bundle = strdup(ts->capem)) == NULL) {
			log_err("out of memory");
			goto out;
		}
		blen = ts->capemlen;
	}
	if ((r = pki_cert_verify_bundle(nc, bundle, blen, src, now,
	    &err)) != 0) {
		log_err("%s: verification: the new certificate does not verify "
		    "against %s, which the member trusts: %s", t->label, src,
		    err.text);
		goto out;
	}
	if ((r = pki_cert_drift(nc, t->csr, &d, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	if (pki_drift_any(&d)) {
		reissue_drift_text(&d, dt, sizeof(dt));
		log_err("%s: verification: the new certificate differs from "
		    "the CSR JSON: %s", t->label, dt);
		goto out;
	}
	if ((lost = eku_lost(cur, nf)) != NULL) {
		log_err("%s: verification: the profile drops the extended key "
		    "usage \"%s\" of the current certificate", t->label, lost);
		goto out;
	}
	if (nf->not_before > (int64_t)now + 300 ||
	    nf->not_after <= (int64_t)now) {
		log_err("%s: verification: the new certificate is not valid "
		    "now", t->label);
		goto out;
	}
	if (nf->not_after < cur->not_after && !force) {
		char	a[32], b[32];

		status_date(nf->not_after, a, sizeof(a));
		status_date(cur->not_after, b, sizeof(b));
		log_err("%s: verification: the new certificate would expire "
		    "%s, earlier than the current one (%s): check the "
		    "profile's expiry, or pass -force", t->label, a, b);
		goto out;
	}
	ret = 0;
 out:
	pki_drift_clear(&d);
	free(bundle);
	return ret;
}

static char *
hex(const unsigned char *p, size_t n)
{
	char	*s;
	size_t	 i;

	if ((s = malloc(n * 2 + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		snprintf(s + i * 2, 3, "%02x", p[i]);
	return s;
}

/* meta.json of a new generation. */
static char *
meta_json(time_t when, int rekey, const struct target *t,
    const struct pki_cert_facts *cur, const struct pki_cert_facts *nf)
{
	json_t	*m = NULL, *sans = NULL;
	char	 nb[32], na[32], now[32], *fp = NULL, *s = NULL;
	size_t	 i;

	status_date(nf->not_before, nb, sizeof(nb));
	status_date(nf->not_after, na, sizeof(na));
	status_date((int64_t)when, now, sizeof(now));
	if ((fp = hex(nf->spki_sha256, sizeof(nf->spki_sha256))) == NULL ||
	    (sans = json_array()) == NULL)
		goto out;
	for (i = 0; i < nf->nsans; i++)
		if (json_array_append_new(sans, json_string(nf->sans[i])) != 0)
			goto out;
	m = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:O, s:s, s:s, s:b, "
	    "s:s, s:s}", "version", 1, "name", t->name, "serial",
	    nf->serial, "serial_hex", nf->serial_hex, "not_before", nb,
	    "not_after", na, "sans", sans, "key_sha256", fp,
	    "previous_serial", cur->serial, "rekeyed", rekey, "created",
	    now, "etcd_pki", PACKAGE_VERSION);
	if (m != NULL && (s = json_dumps(m, JSON_INDENT(2) |
	    JSON_PRESERVE_ORDER)) != NULL) {
		char	*nl;

		if (asprintf(&nl, "%s\n", s) == -1)
			nl = NULL;
		free(s);
		s = nl;
	}
 out:
	json_decref(m);
	json_decref(sans);
	free(fp);
	return s;
}

/* The staged generation holds what was written, and a matching pair. */
int
reissue_check_staged(const struct target *t, const char *gen, const char *cert,
    size_t certlen, const struct pki_key *key)
{
	struct pki_error	 err;
	struct pki_cert		*c = NULL;
	struct pki_key		*k = NULL;
	char			*buf = NULL;
	size_t			 len = 0;
	int			 r, ret = -1;

	memset(&err, 0, sizeof(err));
	if ((r = pki_set_read_gen(t->set, gen, PKI_SET_CERT, &buf, &len,
	    &err)) != 0)
		goto fail;
	if (len != certlen || memcmp(buf, cert, len) != 0) {
		log_err("%s: %s: the staged certificate differs from the one "
		    "written", t->label, gen);
		goto out;
	}
	if ((r = pki_cert_load(buf, len, gen, &c, &err)) != 0)
		goto fail;
	free(buf);
	buf = NULL;
	if ((r = pki_set_read_gen(t->set, gen, PKI_SET_KEY, &buf, &len,
	    &err)) != 0)
		goto fail;
	r = pki_key_load(buf, len, gen, NULL, &k, &err);
	pki_secret_free(buf, len + 1);
	buf = NULL;
	if (r != 0)
		goto fail;
	if (!pki_cert_matches_key(c, k) || !pki_cert_matches_key(c, key)) {
		log_err("%s: %s: the staged key does not match the staged "
		    "certificate", t->label, gen);
		goto out;
	}
	ret = 0;
	goto out;
 fail:
	log_pki(&err, r);
 out:
	free(buf);
	pki_cert_free(c);
	pki_key_free(k);
	return ret;
}


int
reissue_sign(const struct targets *ts, const struct target *t,
    const struct pki_cert_facts *cur, const struct pki_key *key, time_t now,
    int rekey, int force, struct reissued *out)
{
	struct pki_error	 err;
	struct pki_sign_request	 sr;
	struct pki_req		*req = NULL;
	int			 r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	memset(&sr, 0, sizeof(sr));
	memset(out, 0, sizeof(*out));
	if ((r = pki_req_new(t->csr, key, &req, &err)) != 0)
		goto fail;
	sr.req = req;
	sr.profile = t->profile;
	sr.now_sec = now;
	if ((r = pki_cert_sign(&sr, ts->ca, ts->cakey, &out->cert, &err)) !=
	    0 || (r = pki_cert_encode(out->cert, &out->certpem, &out->certlen,
	    &err)) != 0 ||
	    (r = pki_req_encode(req, &out->csrpem, &out->csrlen, &err)) != 0 ||
	    (r = pki_cert_facts(out->cert, &out->f, &err)) != 0)
		goto fail;
	if (verify_new(ts, t, cur, now, force, out->cert, key, &out->f) != 0) {
		ret = RENEW_EXIT_PRECOND;
		goto out;
	}
	if ((out->meta = meta_json(now, rekey, t, cur, &out->f)) == NULL) {
		log_err("out of memory");
		goto out;
	}
	ret = CMD_RETURN_NORMAL;
	goto out;
 fail:
	log_pki(&err, r);
 out:
	pki_req_free(req);
	if (ret != CMD_RETURN_NORMAL)
		reissued_free(out);
	return ret;
}

void
reissued_free(struct reissued *rs)
{
	pki_cert_free(rs->cert);
	pki_cert_facts_clear(&rs->f);
	free(rs->certpem);
	free(rs->csrpem);
	free(rs->meta);
	memset(rs, 0, sizeof(*rs));
}
