/*
 * usage.c: cfssl's usage names (config/config.go KeyUsage and ExtKeyUsage)
 * mapped to OpenSSL's key usage bits and extended key usage NIDs.
 */
#include <string.h>

#include <openssl/obj_mac.h>
#include <openssl/x509v3.h>

#include "internal.h"

static const struct {
	const char	*name;
	int		 kind;
	int		 value;
} usages[] = {
	/* Key usages first: cfssl looks a name up there first. */
	{ "signing",		PKI_USAGE_KU,	KU_DIGITAL_SIGNATURE },
	{ "digital signature",	PKI_USAGE_KU,	KU_DIGITAL_SIGNATURE },
	{ "content commitment",	PKI_USAGE_KU,	KU_NON_REPUDIATION },
	{ "content committment", PKI_USAGE_KU,	KU_NON_REPUDIATION }, /* 1.2 */
	{ "key encipherment",	PKI_USAGE_KU,	KU_KEY_ENCIPHERMENT },
	{ "data encipherment",	PKI_USAGE_KU,	KU_DATA_ENCIPHERMENT },
	{ "key agreement",	PKI_USAGE_KU,	KU_KEY_AGREEMENT },
	{ "cert sign",		PKI_USAGE_KU,	KU_KEY_CERT_SIGN },
	{ "crl sign",		PKI_USAGE_KU,	KU_CRL_SIGN },
	{ "encipher only",	PKI_USAGE_KU,	KU_ENCIPHER_ONLY },
	{ "decipher only",	PKI_USAGE_KU,	KU_DECIPHER_ONLY },
	{ "any",		PKI_USAGE_EKU,	NID_anyExtendedKeyUsage },
	{ "server auth",	PKI_USAGE_EKU,	NID_server_auth },
	{ "client auth",	PKI_USAGE_EKU,	NID_client_auth },
	{ "code signing",	PKI_USAGE_EKU,	NID_code_sign },
	{ "email protection",	PKI_USAGE_EKU,	NID_email_protect },
	{ "s/mime",		PKI_USAGE_EKU,	NID_email_protect },
	{ "ipsec end system",	PKI_USAGE_EKU,	NID_ipsecEndSystem },
	{ "ipsec tunnel",	PKI_USAGE_EKU,	NID_ipsecTunnel },
	{ "ipsec user",		PKI_USAGE_EKU,	NID_ipsecUser },
	{ "timestamping",	PKI_USAGE_EKU,	NID_time_stamp },
	{ "ocsp signing",	PKI_USAGE_EKU,	NID_OCSP_sign },
	{ "microsoft sgc",	PKI_USAGE_EKU,	NID_ms_sgc },
	{ "netscape sgc",	PKI_USAGE_EKU,	NID_ns_sgc },
};

#define NUSAGES	(sizeof(usages) / sizeof(usages[0]))

int
pki_usage_lookup(const char *name, int *kind, int *value)
{
	size_t	i;

	for (i = 0; i < NUSAGES; i++)
		if (strcmp(usages[i].name, name) == 0) {
			*kind = usages[i].kind;
			*value = usages[i].value;
			return PKI_OK;
		}
	return PKI_ERR_INPUT;
}

const char *
pki_usage_name(size_t i)
{
	return i < NUSAGES ? usages[i].name : NULL;
}
