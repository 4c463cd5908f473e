/*
 * t-usage.c: the cfssl usage-name table (reference section 5).
 */
#include <string.h>

#include <openssl/obj_mac.h>
#include <openssl/x509v3.h>

#include "internal.h"
#include "../tap.h"

static const struct {
	const char	*name;
	int		 kind;
	int		 value;
} want[] = {
	{ "signing",		PKI_USAGE_KU,	KU_DIGITAL_SIGNATURE },
	{ "digital signature",	PKI_USAGE_KU,	KU_DIGITAL_SIGNATURE },
	{ "content commitment",	PKI_USAGE_KU,	KU_NON_REPUDIATION },
	{ "content committment", PKI_USAGE_KU,	KU_NON_REPUDIATION },
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
#define NWANT	(sizeof(want) / sizeof(want[0]))

/* Names that must not be found: case, spacing, near misses. */
static const char *const unknown[] = {
	"", "Signing", "SIGNING", "server", "server-auth", "serverAuth",
	"server auth ", " server auth", "BAD_USAGE", "email", "smime",
	"key_encipherment", "nonRepudiation", "content", "ocsp",
	"digital  signature", "anyExtendedKeyUsage",
};

int
main(void)
{
	const char	*n;
	size_t		 i, j, count;
	int		 kind, value, found;

	for (i = 0; i < NWANT; i++) {
		kind = value = -1;
		is_int(pki_usage_lookup(want[i].name, &kind, &value), 0,
		    "\"%s\" is known", want[i].name);
		is_int(kind, want[i].kind, "\"%s\" kind", want[i].name);
		is_int(value, want[i].value, "\"%s\" value", want[i].name);
	}
	/* The EKU values are the OIDs of reference section 5. */
	is_str(OBJ_nid2ln(NID_ms_sgc), "Microsoft Server Gated Crypto",
	    "microsoft sgc is 1.3.6.1.4.1.311.10.3.3");
	is_int(KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT, 0xa0,
	    "signing + key encipherment is bit string a0");
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		kind = value = -1;
		is_int(pki_usage_lookup(unknown[i], &kind, &value),
		    PKI_ERR_INPUT, "\"%s\" is unknown", unknown[i]);
		ok(kind == -1 && value == -1, "\"%s\" leaves outputs",
		    unknown[i]);
	}
	/* pki_usage_name enumerates exactly the table, each once. */
	for (count = 0; (n = pki_usage_name(count)) != NULL; count++) {
		found = 0;
		for (j = 0; j < NWANT; j++)
			if (strcmp(want[j].name, n) == 0)
				found++;
		is_int(found, 1, "pki_usage_name(%zu) \"%s\" is in the table",
		    count, n);
		is_int(pki_usage_lookup(n, &kind, &value), 0,
		    "pki_usage_name(%zu) looks up", count);
	}
	is_int((long long)count, (long long)NWANT, "pki_usage_name count");
	ok(pki_usage_name(count + 100) == NULL, "far past the end is NULL");
	return done_testing();
}
