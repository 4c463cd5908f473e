/*
 * reissue.c: leaves signed anew by the engine (through pki_leaf_issue):
 * a leaf re-signed from its CSR JSON and key and verified before it is
 * written (renew, ca rotate -phase reissue), its meta.json, the check
 * of a staged generation, and the rolling restart's probe certificate.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "config.h"
#include "engine.h"

int
pki_probe_cert_new(const struct pki_cert *ca, const struct pki_key *cakey,
    struct pki_cert **cert, struct pki_key **key, struct pki_error *err)
{
	static const char csrjson[] = "{\"CN\":\"etcd-pki probe\","
	    "\"key\":{\"algo\":\"ecdsa\",\"size\":256}}";
	static const char cfgjson[] = "{\"signing\":{\"default\":"
	    "{\"usages\":[\"digital signature\",\"client auth\"],"
	    "\"expiry\":\"15m\"}}}";
	/*
	 * A probe is never written and need not verify: one of an expired
	 * CA is what finds out whether a member still accepts that CA.
	 */
	static const struct pki_parse_opts probe_policy = {
		.allow_invalid_issuer = 1
	};
	struct pki_csr			*csr = NULL;
	struct pki_config		*cfg = NULL;
	struct pki_leaf_request		 lr;
	struct pki_issued		 is;
	int				 r;

	*cert = NULL;
	*key = NULL;
	memset(&lr, 0, sizeof(lr));
	memset(&is, 0, sizeof(is));
	if ((r = pki_csr_parse(csrjson, sizeof(csrjson) - 1, "probe", 0,
	    NULL, &csr, err)) != PKI_OK ||
	    (r = pki_config_parse(cfgjson, sizeof(cfgjson) - 1, "probe", NULL,
	    &cfg, err)) != PKI_OK ||
	    (r = pki_config_profile(cfg, NULL, &lr.profile, err)) != PKI_OK)
		goto out;
	lr.csr = csr;
	lr.ca = ca;
	lr.cakey = cakey;
	lr.now = time(NULL) - 60;
	lr.objects = 1;
	lr.policy = &probe_policy;
	if ((r = pki_leaf_issue(&lr, &is, err)) != PKI_OK)
		goto out;
	*cert = is.x509;
	*key = is.newkey;
	is.x509 = NULL;
	is.newkey = NULL;
 out:
	pki_issued_clear(&is);
	pki_config_free(cfg);
	pki_csr_free(csr);
	return r;
}

/* An extended key usage of the current certificate the new one lacks. */
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
 * The trust bundle t's member loads: its directory's ca.pem, or, without
 * one, the signing CA.  *src names it.  0, or -1 after a note.
 */
static int
trust_bundle(const struct pki_targets *ts, const struct pki_target *t,
    const struct pki_reissued *rs, char **bundle, size_t *blen,
    const char **src, const struct pki_notify *nt)
{
	int	r;

	if ((r = pki_target_read(t, PKI_SET_CA, bundle, blen, nt)) < 0)
		return -1;
	*src = pki_set_path(t->set, PKI_SET_CA);
	if (r == 0)
		return 0;
	*src = "the signing CA";
	if (ts->capem == NULL && ts->remote != NULL) {
		/* The answer was checked against it: pki_reissue_remote. */
		*src = "the CA the server's /info gives (no CA file)";
		if (rs->infoca == NULL) {
			pki_note(nt, PKI_NOTE_ERROR, t->label, "no CA to "
			    "verify the new certificate against; pass -ca");
			return -1;
		}
		if ((*bundle = strdup(rs->infoca)) == NULL) {
			pki_note(nt, PKI_NOTE_ERROR, NULL, "out of memory");
			return -1;
		}
		*blen = rs->infocalen;
		return 0;
	}
	if ((*bundle = strdup(ts->capem)) == NULL) {
		pki_note(nt, PKI_NOTE_ERROR, NULL, "out of memory");
		return -1;
	}
	*blen = ts->capemlen;
	return 0;
}

/* The new certificate's validity: current, and no earlier end unless
 * force. */
static int
check_validity(const struct pki_target *t, const struct pki_cert_facts *cur,
    const struct pki_cert_facts *nf, time_t now, int force,
    const struct pki_notify *nt)
{
	char	a[32], b[32];

	if (nf->not_before > (int64_t)now + 300 ||
	    nf->not_after <= (int64_t)now) {
		pki_note(nt, PKI_NOTE_ERROR, t->label, "verification: the new "
		    "certificate is not valid now");
		return -1;
	}
	if (nf->not_after < cur->not_after && !force) {
		pki_time_format(nf->not_after, a, sizeof(a));
		pki_time_format(cur->not_after, b, sizeof(b));
		pki_note(nt, PKI_NOTE_ERROR, t->label, "verification: the new "
		    "certificate would expire %s, earlier than the current one "
		    "(%s): check the profile's expiry, or pass -force", a, b);
		return -1;
	}
	return 0;
}

int
pki_reissue_verify(const struct pki_targets *ts, const struct pki_target *t,
    const struct pki_cert_facts *cur, time_t now, int force,
    const struct pki_reissued *rs, const struct pki_key *key,
    const struct pki_notify *nt)
{
	struct pki_error	 err;
	struct pki_drift	 d;
	char			*bundle = NULL, dt[1024];
	const char		*src = NULL, *lost;
	size_t			 blen = 0;
	int			 r, ret = -1;

	memset(&err, 0, sizeof(err));
	memset(&d, 0, sizeof(d));
	if (!pki_cert_matches_key(rs->cert, key)) {
		pki_note(nt, PKI_NOTE_ERROR, t->label, "verification: the new "
		    "certificate does not match its key");
		goto out;
	}
	if (trust_bundle(ts, t, rs, &bundle, &blen, &src, nt) != 0)
		goto out;
	if ((r = pki_cert_verify_bundle(rs->cert, bundle, blen, src, now,
	    &err)) != 0) {
		pki_note(nt, PKI_NOTE_ERROR, t->label, "verification: the new "
		    "certificate does not verify against %s, which the member "
		    "trusts: %s", src, err.text);
		goto out;
	}
	if ((r = pki_cert_drift(rs->cert, t->csr, &d, &err)) != 0) {
		pki_note_err(nt, NULL, &err, r);
		goto out;
	}
	if (pki_drift_any(&d)) {
		pki_drift_text(&d, 1, dt, sizeof(dt));
		pki_note(nt, PKI_NOTE_ERROR, t->label, "verification: the new "
		    "certificate differs from the CSR JSON: %s", dt);
		goto out;
	}
	if ((lost = eku_lost(cur, &rs->f)) != NULL) {
		pki_note(nt, PKI_NOTE_ERROR, t->label, "verification: the "
		    "profile drops the extended key usage \"%s\" of the "
		    "current certificate", lost);
		goto out;
	}
	ret = check_validity(t, cur, &rs->f, now, force, nt);
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

/* meta.json of a new generation: the new certificate, and what it
 * replaces. */
static char *
meta_json(time_t when, int rekey, const struct pki_target *t,
    const struct pki_cert_facts *cur, const struct pki_cert_facts *nf)
{
	json_t	*m = NULL, *sans = NULL;
	char	 nb[32], na[32], now[32], *fp = NULL, *s = NULL, *nl;
	size_t	 i;

	pki_time_format(nf->not_before, nb, sizeof(nb));
	pki_time_format(nf->not_after, na, sizeof(na));
	pki_time_format((int64_t)when, now, sizeof(now));
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

int
pki_reissue_check_staged(const struct pki_target *t, const char *gen,
    const char *cert, size_t certlen, const struct pki_key *key,
    const struct pki_notify *nt)
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
		pki_note(nt, PKI_NOTE_ERROR, t->label, "%s: the staged "
		    "certificate differs from the one written", gen);
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
		pki_note(nt, PKI_NOTE_ERROR, t->label, "%s: the staged key "
		    "does not match the staged certificate", gen);
		goto out;
	}
	ret = 0;
	goto out;
 fail:
	pki_note_err(nt, NULL, &err, r);
 out:
	free(buf);
	pki_cert_free(c);
	pki_key_free(k);
	return ret;
}

void
pki_reissue_discard(const struct pki_target *t, const char *gen,
    const struct pki_notify *nt)
{
	struct pki_error	 err;
	const char		*cur = pki_set_current(t->set);

	memset(&err, 0, sizeof(err));
	if (gen != NULL && (cur == NULL || strcmp(cur, gen) != 0) &&
	    pki_set_discard(t->set, gen, &err) != 0)
		pki_note_err(nt, NULL, &err, PKI_ERR_IO);
}

int
pki_reissue_stage(const struct pki_target *t, const struct pki_set_update *u,
    const struct pki_key *key, char **gen, const struct pki_notify *nt)
{
	struct pki_error	err;
	int			r;

	memset(&err, 0, sizeof(err));
	if ((r = pki_set_stage(t->set, u, gen, &err)) != PKI_OK) {
		pki_note_err(nt, NULL, &err, r);
		return PKI_RUN_FAILED;
	}
	if (pki_reissue_check_staged(t, *gen, u->data[PKI_SET_CERT],
	    u->len[PKI_SET_CERT], key, nt) != 0) {
		pki_reissue_discard(t, *gen, nt);
		free(*gen);
		*gen = NULL;
		return PKI_RUN_REFUSED;
	}
	return PKI_RUN_OK;
}

/* The caller's policy and the set its warnings name. */
struct labelled {
	const struct pki_parse_opts	*po;
	const char			*label;
};

/* A warning of the policy, prefixed with the set's label. */
static void
labelled_warn(void *arg, const char *text)
{
	const struct labelled	*lb = arg;
	char			 buf[sizeof(((struct pki_error *)0)->text) +
				    PATH_MAX];

	snprintf(buf, sizeof(buf), "%s: %s", lb->label, text);
	lb->po->warn(lb->po->warn_arg, buf);
}

int
pki_reissue(const struct pki_targets *ts, const struct pki_target *t,
    const struct pki_cert_facts *cur, const struct pki_key *key, time_t now,
    int rekey, int force, const struct pki_parse_opts *po,
    const struct pki_notify *nt, struct pki_reissued *out)
{
	struct pki_error	 err;
	struct pki_leaf_request	 lr;
	struct pki_parse_opts	 own;
	struct labelled		 lb;
	struct pki_issued	 is;
	int			 r, ret = PKI_RUN_FAILED;

	memset(&err, 0, sizeof(err));
	memset(&lr, 0, sizeof(lr));
	memset(&is, 0, sizeof(is));
	memset(out, 0, sizeof(*out));
	lr.csr = t->csr;
	lr.profile = t->profile;
	lr.ca = ts->ca;
	lr.cakey = ts->cakey;
	lr.key = key;
	lr.now = now;
	lr.objects = 1;
	lr.policy = po;
	if (po != NULL && po->warn != NULL) {
		lb.po = po;
		lb.label = t->label;
		own = *po;
		own.warn = labelled_warn;
		own.warn_arg = &lb;
		lr.policy = &own;
	}
	if (ts->remote != NULL) {
		if ((r = pki_reissue_remote(ts, t, key, nt, out, &err)) == 0)
			r = pki_cert_facts(out->cert, &out->f, &err);
	} else if ((r = pki_leaf_issue(&lr, &is, &err)) == 0) {
		out->cert = is.x509;
		out->certpem = is.cert;
		out->certlen = is.certlen;
		out->csrpem = is.req;
		out->csrlen = is.reqlen;
		is.x509 = NULL;
		is.cert = is.req = NULL;
		r = pki_cert_facts(out->cert, &out->f, &err);
	}
	pki_issued_clear(&is);
	if (r != 0) {
		/*
		 * The policy refused to sign, or the server's answer was
		 * wrong (named set): nothing changed.
		 */
		pki_note_err(nt, r == PKI_ERR_POLICY ? t->label : NULL, &err,
		    r);
		if (r == PKI_ERR_POLICY)
			ret = PKI_RUN_REFUSED;
		goto out;
	}
	if (pki_reissue_verify(ts, t, cur, now, force, out, key, nt) != 0) {
		ret = PKI_RUN_REFUSED;
		goto out;
	}
	if ((out->meta = meta_json(now, rekey, t, cur, &out->f)) == NULL) {
		pki_note(nt, PKI_NOTE_ERROR, NULL, "out of memory");
		goto out;
	}
	ret = PKI_RUN_OK;
 out:
	if (ret != PKI_RUN_OK)
		pki_reissued_clear(out);
	return ret;
}

void
pki_reissued_clear(struct pki_reissued *rs)
{
	pki_cert_free(rs->cert);
	pki_cert_facts_clear(&rs->f);
	free(rs->certpem);
	free(rs->csrpem);
	free(rs->meta);
	free(rs->infoca);
	memset(rs, 0, sizeof(*rs));
}
