/*
 * reissue.c: leaves signed anew by the engine: the one signing recipe
 * and the rolling restart's probe certificate.
 */
#include <string.h>
#include <time.h>

#include "engine.h"

int
pki_engine_sign_leaf(const struct pki_csr *csr, const struct pki_key *key,
    const struct pki_profile *p, const struct pki_cert *ca,
    const struct pki_key *cakey, time_t now, struct pki_req **req,
    struct pki_cert **cert, struct pki_error *err)
{
	struct pki_sign_request	sr;
	int			r;

	*cert = NULL;
	memset(&sr, 0, sizeof(sr));
	if ((r = pki_req_new(csr, key, req, err)) != PKI_OK)
		return r;
	sr.req = *req;
	sr.profile = p;
	sr.now_sec = now;
	if ((r = pki_cert_sign(&sr, ca, cakey, cert, err)) != PKI_OK) {
		pki_req_free(*req);
		*req = NULL;
	}
	return r;
}

int
pki_probe_cert_new(const struct pki_cert *ca, const struct pki_key *cakey,
    struct pki_cert **cert, struct pki_key **key, struct pki_error *err)
{
	static const char csrjson[] = "{\"CN\":\"etcd-pki probe\","
	    "\"key\":{\"algo\":\"ecdsa\",\"size\":256}}";
	static const char cfgjson[] = "{\"signing\":{\"default\":"
	    "{\"usages\":[\"digital signature\",\"client auth\"],"
	    "\"expiry\":\"15m\"}}}";
	struct pki_csr			*csr = NULL;
	struct pki_config		*cfg = NULL;
	const struct pki_profile	*prof = NULL;
	struct pki_req			*req = NULL;
	int				 r;

	*cert = NULL;
	*key = NULL;
	if ((r = pki_csr_parse(csrjson, sizeof(csrjson) - 1, "probe", 0,
	    NULL, &csr, err)) != PKI_OK ||
	    (r = pki_config_parse(cfgjson, sizeof(cfgjson) - 1, "probe", NULL,
	    &cfg, err)) != PKI_OK ||
	    (r = pki_config_profile(cfg, NULL, &prof, err)) != PKI_OK ||
	    (r = pki_key_generate(csr, key, err)) != PKI_OK)
		goto out;
	r = pki_engine_sign_leaf(csr, *key, prof, ca, cakey, time(NULL) - 60,
	    &req, cert, err);
 out:
	if (r != PKI_OK) {
		pki_key_free(*key);
		*key = NULL;
	}
	pki_req_free(req);
	pki_config_free(cfg);
	pki_csr_free(csr);
	return r;
}

