/*
 * fuzz-key: a private key as -ca-key, gencsr -key and renew read it:
 * pki_key_load without a password and with one (encrypted PKCS#8 and
 * legacy encrypted PEM), then its description and both encodings.
 */
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "fuzz.h"

static void
one(const char *buf, size_t len, const char *password)
{
	struct pki_error	 err;
	struct pki_key		*key = NULL;
	char			 desc[64];
	char			*pem = NULL;
	size_t			 pemlen = 0;

	memset(&err, 0, sizeof(err));
	if (pki_key_load(buf, len, "fuzz-key.pem", password, &key,
	    &err) != 0) {
		(void)strlen(err.text);
		goto out;
	}
	pki_key_desc(key, desc, sizeof(desc));
	if (pki_key_encode(key, PKI_KEY_FMT_CFSSL, &pem, &pemlen, &err) != 0)
		(void)strlen(err.text);
	pki_secret_free(pem, pemlen);
	pem = NULL;
	pemlen = 0;
	if (pki_key_encode(key, PKI_KEY_FMT_PKCS8, &pem, &pemlen, &err) != 0)
		(void)strlen(err.text);
 out:
	pki_secret_free(pem, pemlen);
	pki_key_free(key);
}

FUZZ_ENTRY(key)
{
	char	*buf;

	if ((buf = fuzz_copy(data, size)) == NULL)
		return 0;
	one(buf, size, NULL);
	one(buf, size, "password");
	pki_secret_free(buf, size + 1);
	return 0;
}
