/*
 * certinfo.c: cfssl certinfo's JSON description of a certificate
 * (certinfo.ParseCertificate, master format), as Go's json.MarshalIndent
 * prints it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <jansson.h>

#include "internal.h"
#include "x509priv.h"

/* time.Time's JSON form for a whole-second UTC time (RFC 3339). */
static json_t *
time_json(const ASN1_TIME *t)
{
	struct tm	tm;
	char		buf[64];

	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return NULL;
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	return json_string(buf);
}

/* certinfo's formatKeyID: "%02X" bytes joined by ':'; "" when absent. */
static json_t *
keyid_json(const ASN1_OCTET_STRING *id)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*d;
	char			*s;
	json_t			*j;
	size_t			 i, n, o = 0;

	if (id == NULL)
		return json_string("");
	d = ASN1_STRING_get0_data(id);
	n = (size_t)ASN1_STRING_length(id);
	if ((s = malloc(n * 3 + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (i > 0)
			s[o++] = ':';
		s[o++] = hex[d[i] >> 4];
		s[o++] = hex[d[i] & 0xf];
	}
	s[o] = '\0';
	j = json_string(s);
	free(s);
	return j;
}

/* "sans": cert.DNSNames, then each IP address as Go prints it. */
static int
sans_json(X509 *x, json_t *obj, struct pki_error *err)
{
	GENERAL_NAMES	*gens;
	int		 crit = -1, r;

	if ((gens = X509_get_ext_d2i(x, NID_subject_alt_name, &crit,
	    NULL)) == NULL) {
		ERR_clear_error();
		if (crit == -1)
			return PKI_OK;
		return pki_err(err, PKI_ERR_INPUT,
		    "certificate: invalid subjectAltName extension");
	}
	r = pki_san_info_json(gens, 0, obj, err);
	GENERAL_NAMES_free(gens);
	return r;
}

static int
set_new(json_t *o, const char *key, json_t *v, struct pki_error *err)
{
	if (v == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "certinfo: cannot build %s",
		    key);
	/* json_object_set_new() steals v, even when it fails. */
	if (json_object_set_new(o, key, v) != 0)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	return PKI_OK;
}

int
pki_cert_info_json(const struct pki_cert *cert, char **json,
    struct pki_error *err)
{
	json_t		*o = NULL, *v;
	X509		*x;
	char		*serial = NULL, *pem = NULL;
	const char	*sigalg;
	int		 r = PKI_ERR_INTERNAL;

	*json = NULL;
	if (cert == NULL || cert->x509 == NULL)
		return pki_err(err, PKI_ERR_ARG, "no certificate");
	x = cert->x509;
	if ((o = json_object()) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	if ((v = pki_name_info_json(X509_get_subject_name(x), err)) == NULL) {
		/* pki_name_info_json() filled err. */
		r = err != NULL ? err->code : PKI_ERR_INPUT;
		goto out;
	}
	if ((r = set_new(o, "subject", v, err)) != PKI_OK)
		goto out;
	if ((v = pki_name_info_json(X509_get_issuer_name(x), err)) == NULL) {
		/* pki_name_info_json() filled err. */
		r = err != NULL ? err->code : PKI_ERR_INPUT;
		goto out;
	}
	if ((r = set_new(o, "issuer", v, err)) != PKI_OK)
		goto out;
	if ((r = pki_cert_serial(cert, &serial, err)) != PKI_OK ||
	    (r = set_new(o, "serial_number", json_string(serial),
	    err)) != PKI_OK)
		goto out;
	if ((r = sans_json(x, o, err)) != PKI_OK)
		goto out;
	if ((v = time_json(X509_get0_notBefore(x))) == NULL) {
		r = pki_err(err, PKI_ERR_INPUT, "certificate: bad notBefore");
		goto out;
	}
	if ((r = set_new(o, "not_before", v, err)) != PKI_OK)
		goto out;
	if ((v = time_json(X509_get0_notAfter(x))) == NULL) {
		r = pki_err(err, PKI_ERR_INPUT, "certificate: bad notAfter");
		goto out;
	}
	if ((r = set_new(o, "not_after", v, err)) != PKI_OK)
		goto out;
	sigalg = pki_sigalg_name(X509_get_signature_nid(x));
	if ((r = set_new(o, "sigalg", json_string(sigalg != NULL ? sigalg :
	    "Unknown Signature"), err)) != PKI_OK ||
	    (r = set_new(o, "authority_key_id",
	    keyid_json(X509_get0_authority_key_id(x)), err)) != PKI_OK ||
	    (r = set_new(o, "subject_key_id",
	    keyid_json(X509_get0_subject_key_id(x)), err)) != PKI_OK)
		goto out;
	if ((r = pki_cert_encode(cert, &pem, NULL, err)) != PKI_OK ||
	    (r = set_new(o, "pem", json_string(pem), err)) != PKI_OK)
		goto out;
	/* json.MarshalIndent(c, "", "  "), without the newline. */
	if ((*json = pki_json_dump_go(o)) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "certinfo: out of memory");
		goto out;
	}
	r = PKI_OK;
 out:
	ERR_clear_error();
	free(pem);
	free(serial);
	json_decref(o);
	return r;
}
